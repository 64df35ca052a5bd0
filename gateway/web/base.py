"""What every page shares: Jinja2 rendering, the language, static files and
the one place where a failed call becomes a page.

Pages are server-rendered from ``templates/`` (Jinja2, autoescaped) and are
meaningful before (and without) scripts; the modules under ``static/js`` then
keep them current. Content-Security-Policy forbids inline script and style: no
``<script>`` body, no ``style=`` attribute anywhere.

Errors: a page calls the services only through ``deps.clients`` and lets
their exceptions (``gateway.clients.errors``) rise. ``Page`` wraps every
responder so that those exceptions, a refused rate limit or a cross-site form
post end in ``show_error``: 404 page, 503 with Retry-After, 429, or the posted
form shown again with the messages (``Page.reshow``). API routes raise the
same exceptions and get problem+json from ``gateway.errors`` instead. Nothing
about a request is kept on a page instance (gthread workers share it): the
request's texts live in ``req.context.t``.
"""
import functools
import gzip
import hashlib
import logging
import mimetypes
import os
import urllib.parse

import falcon
import jinja2

from gateway.clients import errors
from gateway.ratelimit import RateLimited
from gateway.web import csrf, forms, i18n
from gateway.web.i18n import DEFAULT_LANG, LANGS, Texts

log = logging.getLogger(__name__)

HERE = os.path.dirname(os.path.abspath(__file__))
STATIC_DIR = os.path.join(HERE, "static")
TEMPLATE_DIR = os.path.join(HERE, "templates")
LANG_COOKIE = "senja_lang"
NAV = (("/permits", "nav.permits"), ("/access", "nav.access"), ("/verify", "nav.verify"))

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
    undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    auto_reload=False)  # templates ship with the code: no stat() per page
TEMPLATES.filters["field_id"] = forms.field_id


def language(req, resp):
    """?lang= wins and is remembered in a cookie; Indonesian by default."""
    asked = req.get_param("lang")
    if asked in LANGS:
        resp.set_cookie(LANG_COOKIE, asked, max_age=365 * 24 * 3600, path="/",
                        secure=req.forwarded_scheme == "https", http_only=True, same_site="Lax")
        return asked
    cookie = (req.get_cookie_values(LANG_COOKIE) or [None])[0]
    return cookie if cookie in LANGS else DEFAULT_LANG


# static files --------------------------------------------------------------
class StaticFiles:
    """Everything under static/ plus the catalogs as JSON, read once. URLs carry
    a content hash (/static/<version>/js/x.js) so browsers keep files for a
    year, and relative imports between modules stay on the same version."""

    TYPES = {".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
             ".css": "text/css; charset=utf-8", ".json": "application/json; charset=utf-8",
             ".svg": "image/svg+xml"}

    def __init__(self, root=STATIC_DIR):
        found = {}
        for folder, _, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                with open(path, "rb") as fh:
                    found[os.path.relpath(path, root).replace(os.sep, "/")] = fh.read()
        for lang in LANGS:  # the scripts read the same catalog as the pages
            found[f"i18n/{lang}.json"] = i18n.export(lang)
        self.files = {}
        digest = hashlib.sha256()
        for rel in sorted(found):
            data = found[rel]
            digest.update(rel.encode() + b"\0" + data)
            ctype = self.TYPES.get(os.path.splitext(rel)[1]) or \
                mimetypes.guess_type(rel)[0] or "application/octet-stream"
            etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
            self.files[rel] = (data, gzip.compress(data, 9, mtime=0), ctype, etag)
        self.version = digest.hexdigest()[:12]
        self.prefix = f"/static/{self.version}"

    def on_get(self, req, resp, version, kind, name):
        entry = self.files.get(f"{kind}/{name}")
        if entry is None:
            raise falcon.HTTPNotFound()
        data, zipped, ctype, etag = entry
        resp.etag = etag
        resp.vary = ("Accept-Encoding",)
        resp.cache_control = (["public", "max-age=31536000", "immutable"] if version == self.version
                              else ["public", "no-cache"])  # a page of an older deploy
        if req.get_header("If-None-Match") == etag:
            resp.status = falcon.HTTP_304
            return
        resp.content_type = ctype
        send(req, resp, data, zipped)


def send(req, resp, data, zipped=None):
    if "gzip" in (req.get_header("Accept-Encoding") or "") and len(data) > 512:
        resp.set_header("Content-Encoding", "gzip")
        resp.data = zipped if zipped is not None else gzip.compress(data, 6)
    else:
        resp.data = data


# pages ---------------------------------------------------------------------
class Missing(Exception):
    """This page's own 404: what is missing (text key) and where to go instead."""

    def __init__(self, title_key, text_key, link=("/", "nav.home")):
        super().__init__(text_key)
        self.title_key, self.text_key, self.link = title_key, text_key, link


# What a page turns into its error page (show_error); anything else is a bug, shown as a 500 page.
PAGE_ERRORS = (errors.ClientError, errors.Unavailable, errors.Broken, Missing, RateLimited,
               csrf.CrossSite)


class Site:
    """What every page shares: the services' clients, static files, the rate limiter."""

    def __init__(self, deps, static, limiter=None):
        self.deps = deps
        self.clients = deps.clients
        self.static = static
        self.limiter = limiter


def _guarded(responder):
    @functools.wraps(responder)
    def guarded(self, req, resp, **params):
        req.context.t = Texts(language(req, resp))
        try:
            if req.method == "POST":
                csrf.check(req)
                self.take_rate_limit(req, resp, params)
            return responder(self, req, resp, **params)
        except PAGE_ERRORS as exc:
            show_error(self, req, resp, exc, params)
        except (falcon.HTTPError, falcon.HTTPStatus):
            raise  # redirects and the like: falcon's own answers
        except Exception as exc:  # a bug: logged with its traceback, and still a page
            log.exception("page %s failed", req.uri_template)
            show_error(self, req, resp, exc, params)
    return guarded


class Page:
    """A page resource: ``render`` fills a template that extends base.html; every
    responder runs through ``_guarded`` (language, CSRF, rate limit, errors)."""

    renders_html = True   # the rate-limit middleware leaves pages to take_rate_limit
    rate_limit = {}       # {"POST": operation}: the same buckets as the operation's API route
    scripts = ()          # module names under static/js
    body_class = ""
    not_found = ("error.not_found.title", "error.office_not_found", ("/", "nav.home"))

    def __init__(self, site):
        self.site = site
        self.clients = site.clients
        self.static = site.static

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("on_get", "on_post"):
            if name in cls.__dict__:
                setattr(cls, name, _guarded(cls.__dict__[name]))

    def take_rate_limit(self, req, resp, params):
        operation = self.rate_limit.get(req.method)
        if operation and self.site.limiter is not None:
            self.site.limiter.take(req, resp, operation, params.get("office_id", "*"))

    def render(self, req, resp, template, title, *, status=falcon.HTTP_200, scripts=None,
               body_class=None, data=None, cache="no-cache", header=True, **context):
        t = req.context.t
        other = "en" if t.lang == "id" else "id"
        query = {k: v for k, v in req.params.items() if k != "lang"}
        query["lang"] = other
        page = TEMPLATES.get_template(template).render(
            t=t, static=self.static.prefix, title=title,
            scripts=self.scripts if scripts is None else scripts,
            body_class=self.body_class if body_class is None else body_class,
            data=data or {}, header=header, path=req.path, nav=NAV, other_lang=other,
            switch_href=f"{req.path}?{urllib.parse.urlencode(query, doseq=True)}", **context)
        resp.status = status
        resp.content_type = "text/html; charset=utf-8"
        resp.cache_control = [cache]
        resp.vary = ("Cookie", "Accept-Encoding")
        send(req, resp, page.encode("utf-8"))

    def message(self, req, resp, status, title, text, link=None):
        self.render(req, resp, "message.html", title, status=status, scripts=(),
                    heading=title, text=text, link=link)

    @staticmethod
    def quietly(call, *args):
        """What a page can show without (names instead of codes): None when it fails."""
        try:
            return call(*args)
        except (errors.ClientError, errors.Unavailable, errors.Broken):
            return None

    def reshow(self, req, resp, exc, **params):
        """A refused form post (``req.context.form``), shown again with the messages;
        pages with forms override it and answer True."""
        return None


def problem_text(t, exc, today=None):
    """Why a service refused, in the page's language: its reason, or its detail."""
    reason = exc.extra.get("reason")
    text = t(f"reason.{reason}") if reason and f"reason.{reason}" in t else \
        (exc.detail if isinstance(exc.detail, str) and exc.detail != exc.title else t("error.generic"))
    if exc.extra.get("next_session"):
        text += " " + t("reason.next", when=t.when(exc.extra["next_session"], today))
    return text


def show_error(page, req, resp, exc, params, reshow=True):
    """The one mapping from a failed call to the page a citizen sees."""
    t = req.context.t
    if isinstance(exc, errors.Unavailable):
        log.warning("page %s: %s", req.uri_template, exc)
        resp.set_header("Retry-After", str(exc.retry_after))
        return page.message(req, resp, falcon.HTTP_503, t("error.unavailable.title"),
                            t("error.unavailable.text"), (req.relative_uri, t("error.retry")))
    if isinstance(exc, RateLimited):
        resp.set_header("Retry-After", str(exc.retry_after))
        return page.message(req, resp, falcon.HTTP_429, t("error.rate_limited.title"),
                            t("error.rate_limited.text", seconds=exc.retry_after),
                            (req.relative_uri, t("error.retry")))
    if isinstance(exc, csrf.CrossSite):
        return page.message(req, resp, falcon.HTTP_403, t("error.cross_site.title"),
                            t("error.cross_site.text"), (req.relative_uri, t("error.retry")))
    if isinstance(exc, (Missing, errors.NotFound)):
        title_key, text_key, (href, link_key) = (
            (exc.title_key, exc.text_key, exc.link) if isinstance(exc, Missing) else page.not_found)
        page.message(req, resp, falcon.HTTP_404, t(title_key), t(text_key), (href, t(link_key)))
        resp.set_header("X-Robots-Tag", "noindex")
        return None
    if isinstance(exc, errors.ClientError):
        status = falcon.code_to_http_status(exc.status)
        if reshow and req.method == "POST":
            try:
                shown = page.reshow(req, resp, exc, **params)
            except PAGE_ERRORS as again:  # the form's page itself failed to load
                return show_error(page, req, resp, again, params, reshow=False)
            if shown:
                resp.status = status
                return None
        return page.message(req, resp, status, t("error.refused.title"), problem_text(t, exc),
                            (req.relative_uri, t("error.retry")))
    if isinstance(exc, errors.Broken):
        log.error("page %s: %s", req.uri_template, exc)
    return page.message(req, resp, falcon.HTTP_500, t("error.broken.title"), t("error.generic"),
                        ("/", t("nav.home")))
