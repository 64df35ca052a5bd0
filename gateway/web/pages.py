"""HTML pages of the counter hall: offices, kiosk, display board, counter console,
a citizen's ticket. ``install(app, deps)`` adds their routes and the static files.

Pages are rendered here with ``string.Template`` from ``templates/`` and are
meaningful before (and without) scripts: they show what the API would. The
modules under ``static/js`` then keep them current. Texts live in
``static/i18n/{id,en}.json``, read by both this module and the scripts.
Content-Security-Policy forbids inline script and style: no ``<script>`` body,
no ``style=`` attribute anywhere.
"""
import datetime as dt
import gzip
import hashlib
import html
import io
import json
import logging
import mimetypes
import os
import re
import secrets
import string
import urllib.parse

import falcon
import segno
from nameko.exceptions import RemoteError

from gateway.rpc import ServiceUnavailable
from services.common import config as senja_config
from services.common.errors import from_remote
from services.queue.domain import token_key

log = logging.getLogger(__name__)

HERE = os.path.dirname(os.path.abspath(__file__))
STATIC_DIR = os.path.join(HERE, "static")
TEMPLATE_DIR = os.path.join(HERE, "templates")
LANGS = ("id", "en")
DEFAULT_LANG = "id"
LANG_COOKIE = "senja_lang"
PRIORITY_REASONS = ("disability", "elderly", "pregnant", "child")
ZONES = {7: "WIB", 8: "WITA", 9: "WIT"}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
TERMINAL = ("done", "no_show", "cancelled")
NAV = (("/permits", "nav.permits"), ("/access", "nav.access"), ("/verify", "nav.verify"))


# texts ---------------------------------------------------------------------
def _load_texts():
    out = {}
    for lang in LANGS:
        with open(os.path.join(STATIC_DIR, "i18n", f"{lang}.json"), encoding="utf-8") as fh:
            out[lang] = json.load(fh)
    return out


TEXTS = _load_texts()


class Texts:
    """One language's texts; ``t("kiosk.ahead", n=3)``. Unknown keys show as themselves."""

    def __init__(self, lang):
        self.lang = lang
        self.data = TEXTS[lang]

    def __call__(self, key, **values):
        text = self.data.get(key, key)
        return text.format(**values) if values else text

    def when(self, iso, today=None):
        """An ISO time with offset, in the office's own clock: 'besok pukul 08.00 WIB'."""
        if not iso:
            return ""
        at = dt.datetime.fromisoformat(iso)
        hours = int(at.utcoffset().total_seconds() // 3600) if at.utcoffset() is not None else None
        zone = ZONES.get(hours, f"UTC{hours:+d}" if hours is not None else "")
        clock = self.clock(iso)
        if today is not None and at.date() == today:
            return self("time.rel_at", rel=self("time.today"), time=clock, zone=zone)
        if today is not None and at.date() == today + dt.timedelta(days=1):
            return self("time.rel_at", rel=self("time.tomorrow"), time=clock, zone=zone)
        return self("time.at", day=self.data["days"][at.weekday()],
                    date=f"{at.day} {self.data['months'][at.month - 1]}", time=clock, zone=zone)

    def clock(self, iso, since=None):
        """'HH.MM'; an end at midnight after ``since`` (a start, or a day) reads '24.00'."""
        at = dt.datetime.fromisoformat(iso)
        hour = at.hour
        if since is not None and hour == 0 and at.minute == 0:
            start = since if isinstance(since, dt.date) and not isinstance(since, dt.datetime) \
                else dt.datetime.fromisoformat(since).date()
            hour = 24 if at.date() > start else 0
        return f"{hour:02d}{self('time.sep')}{at.minute:02d}"


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
    """Everything under static/, read once. URLs carry a content hash
    (/static/<version>/js/x.js) so browsers keep files for a year, and relative
    imports between modules stay on the same version."""

    TYPES = {".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
             ".css": "text/css; charset=utf-8", ".json": "application/json; charset=utf-8",
             ".svg": "image/svg+xml"}

    def __init__(self, root=STATIC_DIR):
        self.files = {}
        digest = hashlib.sha256()
        for folder, _, names in sorted(os.walk(root)):
            for name in sorted(names):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                with open(path, "rb") as fh:
                    data = fh.read()
                digest.update(rel.encode() + b"\0" + data)
                ctype = self.TYPES.get(os.path.splitext(name)[1]) or \
                    mimetypes.guess_type(name)[0] or "application/octet-stream"
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
        _send(req, resp, data, zipped)


def _send(req, resp, data, zipped=None):
    if "gzip" in (req.get_header("Accept-Encoding") or "") and len(data) > 512:
        resp.set_header("Content-Encoding", "gzip")
        resp.data = zipped if zipped is not None else gzip.compress(data, 6)
    else:
        resp.data = data


# rendering -----------------------------------------------------------------
def h(value):
    return html.escape("" if value is None else str(value), quote=True)


def _load_templates():
    out = {}
    for name in os.listdir(TEMPLATE_DIR):
        if name.endswith(".html"):
            with open(os.path.join(TEMPLATE_DIR, name), encoding="utf-8") as fh:
                out[name[:-5]] = string.Template(fh.read())
    return out


TEMPLATES = _load_templates()


class Page:
    """Shared by every page resource: rendering, language, errors as HTML."""

    scripts = ()          # module names under static/js
    body_class = ""

    def __init__(self, deps, static):
        self.deps = deps
        self.rpc = deps.rpc
        self.static = static

    def render(self, req, resp, t, title, main, *, status=falcon.HTTP_200, scripts=None,
               body_class=None, data=None, cache="no-cache", header=True):
        scripts = self.scripts if scripts is None else scripts
        s = self.static.prefix
        head = [f'<link rel="preload" href="{s}/i18n/{t.lang}.json" as="fetch" crossorigin="anonymous">'
                if scripts else ""]
        head += [f'<link rel="modulepreload" href="{s}/js/{m}.js">' for m in ("core",) if scripts]
        tail = "".join(f'<script type="module" src="{s}/js/{m}.js"></script>' for m in scripts)
        other = "en" if t.lang == "id" else "id"
        query = {k: v for k, v in req.params.items() if k != "lang"}
        query["lang"] = other
        switch = f"{h(req.path)}?{h(urllib.parse.urlencode(query, doseq=True))}"
        attrs = "".join(f' data-{k}="{h(v)}"' for k, v in (data or {}).items())
        current = ' aria-current="page"'
        links = "".join(
            f'<a href="{href}"{current if req.path == href or req.path.startswith(href + "/") else ""}>'
            f'{h(t(key))}</a>' for href, key in NAV)
        page = TEMPLATES["base"].substitute(
            lang=t.lang, title=h(f"{title} · Senja"), static=s, head="\n".join(head),
            body_class=h(body_class if body_class is not None else self.body_class),
            data=attrs, skip=h(t("nav.skip")), brand=h(t("app.name")), tagline=h(t("app.tagline")),
            nav_label=h(t("nav.main")), home=h(t("nav.home")), links=links,
            home_current=current if req.path == "/" else "",
            switch_href=switch, switch_lang=other, switch_text=h(t("nav.switch_lang")),
            header_hidden="" if header else " hidden", main=main, footer=h(t("footer.text")),
            scripts=tail)
        resp.status = status
        resp.content_type = "text/html; charset=utf-8"
        resp.cache_control = [cache]
        resp.vary = ("Cookie", "Accept-Encoding")
        _send(req, resp, page.encode("utf-8"))

    def message(self, req, resp, t, status, title, text, link=None):
        main = TEMPLATES["message"].substitute(
            title=h(title), text=h(text),
            link=f'<p><a class="button" href="{h(link[0])}">{h(link[1])}</a></p>' if link else "")
        self.render(req, resp, t, title, main, status=status, scripts=())

    def unavailable(self, req, resp, t):
        resp.set_header("Retry-After", "5")
        self.message(req, resp, t, falcon.HTTP_503, t("error.unavailable.title"),
                     t("error.unavailable.text"), (req.relative_uri, t("error.retry")))

    def call(self, req, resp, t, service, method, *args, **kwargs):
        """RPC, or None after rendering a 404/503 page."""
        try:
            return self.rpc.call(service, method, *args, **kwargs)
        except ServiceUnavailable:
            self.unavailable(req, resp, t)
        except RemoteError as exc:
            mapped = from_remote(exc.exc_type, exc.value)
            if mapped and mapped[0].status == 404:
                self.message(req, resp, t, falcon.HTTP_404, t("error.not_found.title"),
                             t("error.office_not_found"), ("/", t("nav.home")))
            else:
                raise
        return None


def _service_name(t, svc):
    names = svc.get("names") or {}
    return names.get(t.lang) or names.get("id") or svc.get("name") or svc.get("code")


def _office_today(office):
    try:
        return dt.date.fromisoformat(office["today"]["date"])
    except (KeyError, TypeError, ValueError):
        return None


# pages ---------------------------------------------------------------------
class Home(Page):
    def on_get(self, req, resp):
        t = Texts(language(req, resp))
        offices = self.call(req, resp, t, "queue", "list_offices")
        if offices is None:
            return
        offices.sort(key=lambda o: (not o["open_now"], not o["evening_service"], o["id"]))
        cards = [self._card(t, o) for o in offices] or [f'<li>{h(t("home.none"))}</li>']
        main = TEMPLATES["home"].substitute(
            title=h(t("home.title")), intro=h(t("home.intro")), cards="\n".join(cards),
            counter=h(t("home.counter")), more_title=h(t("home.more")),
            permits=h(t("home.permits")), permits_text=h(t("home.permits_text")),
            access=h(t("home.access")), access_text=h(t("home.access_text")),
            verify=h(t("home.verify")), verify_text=h(t("home.verify_text")))
        self.render(req, resp, t, t("home.title"), main)

    def _card(self, t, o):
        today = _office_today(o)
        badges = []
        if o["open_now"]:
            badges.append(f'<span class="badge badge-open">{h(t("home.open_now"))}</span>')
        else:
            badges.append(f'<span class="badge badge-closed">{h(t("home.closed_now"))}</span>')
        if o.get("evening_service"):
            badges.append(f'<span class="badge badge-evening">{h(t("home.evening"))}</span>')
        facts = []
        if o["open_now"] and o.get("closes_at"):
            facts.append(t("home.closes_at", time=t.clock(o["closes_at"], today)))
        elif o.get("next_session"):
            facts.append(t("home.next_session", when=t.when(o["next_session"], today)))
        sessions = (o.get("today") or {}).get("sessions") or []
        holiday = (o.get("today") or {}).get("holiday")
        if holiday:
            hours = t("home.holiday", name=holiday)
        elif sessions:
            hours = ", ".join(f"{t.clock(s['start'])}–{t.clock(s['end'], s['start'])}" for s in sessions)
        else:
            hours = t("home.today_none")
        services = ", ".join(_service_name(t, s) for s in o.get("services", []))
        oid, name = h(o["id"]), h(o["name"])
        return f"""<li class="card office" data-office="{oid}">
  <h2>{name} <span class="muted small">{oid}</span></h2>
  <p class="badges">{''.join(badges)}</p>
  <p>{h(" · ".join(facts))}</p>
  <p><span class="label">{h(t("home.today"))}:</span> {h(hours)}</p>
  <p><span class="label">{h(t("home.services"))}:</span> {h(services)}</p>
  <p class="actions">
    <a class="button" href="/kiosk/{oid}" aria-label="{h(t("home.kiosk_of", office=o["name"]))}">{h(t("home.kiosk"))}</a>
    <a class="button secondary" href="/display/{oid}" aria-label="{h(t("home.display_of", office=o["name"]))}">{h(t("home.display"))}</a>
  </p>
</li>"""


class Kiosk(Page):
    scripts = ("kiosk",)
    body_class = "kiosk"

    def on_get(self, req, resp, office_id):
        t = Texts(language(req, resp))
        self._page(req, resp, t, office_id)

    def on_post(self, req, resp, office_id):
        """Taking a ticket without JavaScript: a plain form post."""
        t = Texts(language(req, resp))
        form = urllib.parse.parse_qs(req.bounded_stream.read(4096).decode("utf-8", "replace"))
        service = (form.get("service") or [""])[0][:16]
        reason = (form.get("priority_reason") or [""])[0]
        key = (form.get("key") or [""])[0]
        request = {"service": service, "channel": "kiosk",
                   "priority_reason": reason if reason in PRIORITY_REASONS else None}
        try:
            ticket = self.rpc.call("queue", "issue_ticket", office_id, request,
                                   # scoped to the client, as the API's keys are
                                   idempotency_key=f"{req.context.client}|{key}" if _KEY.match(key) else None,
                                   actor="kiosk")
        except ServiceUnavailable:
            return self.unavailable(req, resp, t)
        except RemoteError as exc:
            mapped = from_remote(exc.exc_type, exc.value)
            if mapped is None:
                raise
            cls, body = mapped
            if cls.status == 404:
                return self.message(req, resp, t, falcon.HTTP_404, t("error.not_found.title"),
                                    t("error.office_not_found"), ("/", t("nav.home")))
            return self._page(req, resp, t, office_id, problem=body,
                              status=falcon.code_to_http_status(cls.status))
        if ticket.get("replayed"):
            return self._page(req, resp, t, office_id, notice=t("kiosk.replayed"))
        self._page(req, resp, t, office_id, ticket=ticket, status=falcon.HTTP_201)

    def _page(self, req, resp, t, office_id, ticket=None, problem=None, notice=None,
              status=falcon.HTTP_200):
        office = self.call(req, resp, t, "queue", "get_office", office_id)
        if office is None:
            return
        services = self.call(req, resp, t, "queue", "list_services", office_id)
        if services is None:
            return
        today = _office_today(office)
        alert = ""
        if problem:
            alert = _problem_text(t, problem, today)
        elif notice:
            alert = notice
        closed = "" if office["open_now"] else (
            t("kiosk.closed_next", when=t.when(office["next_session"], today))
            if office.get("next_session") else t("kiosk.closed"))
        buttons = "\n".join(self._service_button(t, s, office["open_now"]) for s in services)
        radios = "\n".join(
            f'<label class="choice"><input type="radio" name="priority_reason" value="{r}"'
            f'{" checked" if r == "" else ""}> <span>{h(t("priority." + (r or "none")))}</span></label>'
            for r in ("",) + PRIORITY_REASONS)
        names = {s["code"]: _service_name(t, s) for s in services}
        view = self._ticket_view(t, ticket, names, req) if ticket else ""
        main = TEMPLATES["kiosk"].substitute(
            title=h(t("kiosk.title")), office=h(office["name"]), office_id=h(office_id),
            closed=h(closed), closed_hidden="" if closed else " hidden",
            alert=h(alert), choose_hidden=" hidden" if ticket else "",
            priority=h(t("kiosk.priority")), priority_hint=h(t("kiosk.priority_hint")), radios=radios,
            choose=h(t("kiosk.choose")), buttons=buttons, key=secrets.token_urlsafe(12),
            ticket_hidden="" if ticket else " hidden", ticket_view=view or self._ticket_view(t, None, names, req),
            your_number=h(t("kiosk.your_number")), print=h(t("kiosk.print")), done=h(t("kiosk.done")))
        self.render(req, resp, t, f'{t("kiosk.title")} · {office["name"]}', main, status=status,
                    data={"office": office_id, "today": office["today"]["date"]})

    def _service_button(self, t, s, office_open):
        quota = s.get("daily_quota")
        full = quota is not None and s.get("issued_today", 0) >= quota
        facts = [t("kiosk.waiting", n=s["waiting"])]
        if not s.get("counters_open"):
            facts.append(t("kiosk.no_counter"))
        elif s.get("estimated_wait_minutes") is not None:
            facts.append(t("kiosk.wait_estimate", n=s["estimated_wait_minutes"]))
        else:
            facts.append(t("kiosk.no_estimate"))
        if quota is not None and not full:
            facts.append(t("kiosk.quota_left", n=quota - s.get("issued_today", 0)))
        state = t("kiosk.full") if full else ""
        disabled = " disabled" if (full or not office_open or not s.get("open_now", True)) else ""
        code = h(s["code"])
        return f"""<li><button class="service" type="submit" name="service" value="{code}" data-service="{code}"{disabled}>
  <span class="prefix" aria-hidden="true">{h(s["prefix"])}</span>
  <span class="service-name">{h(_service_name(t, s))}</span>
  <span class="service-facts" data-facts>{h(" · ".join(facts))}</span>
  <span class="service-state" data-state>{h(state)}</span>
</button></li>"""

    def _ticket_view(self, t, ticket, names, req):
        """The printed-ticket view; the script fills the same slots after a JSON post."""
        ticket = ticket or {}
        number = ticket.get("number", "")
        ahead = ticket.get("people_ahead")
        estimate = ticket.get("estimated_wait_minutes")
        token = ticket.get("token") or ""
        page = f"/t/{token}" if token else ""
        if ahead is None:
            ahead_text = ""
        else:
            ahead_text = t("kiosk.ahead", n=ahead) if ahead else t("kiosk.ahead_none")
        est_text = "" if not ticket else (t("kiosk.estimate", n=estimate) if estimate is not None
                                          else t("kiosk.estimate_none"))
        url = (req.forwarded_prefix + page) if page else ""
        qr = (f'<img class="qr" data-slot="qr" src="{h(page)}/qr.svg" width="180" height="180" '
              f'alt="{h(t("kiosk.qr_alt", number=number))}">' if page else
              '<img class="qr" data-slot="qr" width="180" height="180" alt="" hidden>')
        return f"""<p class="ticket-number" data-slot="number">{h(number)}</p>
<p class="ticket-service" data-slot="service">{h(names.get(ticket.get("service"), ""))}</p>
<p data-slot="ahead">{h(ahead_text)}</p>
<p data-slot="estimate">{h(est_text)}</p>
<div class="qr-box">{qr}
  <p>{h(t("kiosk.scan"))}<br><span class="small">{h(t("kiosk.or_open"))}</span>
  <a data-slot="link" class="url" href="{h(page)}">{h(url)}</a></p>
</div>"""


def _problem_text(t, problem, today=None):
    reason = problem.get("reason")
    text = t(f"reason.{reason}") if reason and f"reason.{reason}" in t.data else \
        (problem.get("detail") or t("error.generic"))
    if problem.get("next_session"):
        text += " " + t("reason.next", when=t.when(problem["next_session"], today))
    return text


class Display(Page):
    scripts = ("display",)
    body_class = "display"

    def on_get(self, req, resp, office_id):
        t = Texts(language(req, resp))
        board = self.call(req, resp, t, "queue", "board", office_id)
        if board is None:
            return
        calls = "\n".join(self._call(t, c, i == 0) for i, c in enumerate(board["calls"]))
        waiting = "\n".join(
            f'<li data-service="{h(w["service"])}"><span>{h(_service_name(t, w))}</span> '
            f'<strong data-waiting>{h(w["waiting"])}</strong></li>' for w in board["waiting"])
        notices = "\n".join(f'<li class="notice notice-{h(n["kind"])}">{h(n["text"])}</li>'
                            for n in board["notices"])
        main = TEMPLATES["display"].substitute(
            office=h(board["name"]), title=h(t("display.title")),
            now_calling=h(t("display.now_calling")), calls=calls,
            no_calls=h(t("display.no_calls")), no_calls_hidden=" hidden" if board["calls"] else "",
            closed=h(t("display.closed")), closed_hidden=" hidden" if board["open_now"] else "",
            waiting_title=h(t("display.waiting")), waiting=waiting,
            notices_title=h(t("display.notices")), notices=notices,
            notices_hidden="" if board["notices"] else " hidden",
            sound=h(t("display.sound_on")), sound_hint=h(t("display.sound_hint")),
            col_number=h(t("display.number")), col_counter=h(t("display.counter")),
            updated=h(t("display.updated", time=t.clock(board["generated_at"]))))
        self.render(req, resp, t, f'{t("display.title")} · {board["name"]}', main,
                    data={"office": office_id}, header=False)

    @staticmethod
    def _call(t, c, latest):
        extra = []
        if c["status"] == "serving":
            extra.append(t("display.serving"))
        elif c.get("recalls"):
            extra.append(t("display.recalled", n=c["recalls"] + 1))
        return f"""<li class="call{' latest' if latest else ''} call-{h(c["status"])}" data-number="{h(c["number"])}" data-counter="{h(c["counter_id"])}" data-recalls="{h(c.get("recalls", 0))}" data-status="{h(c["status"])}">
  <span class="call-number">{h(c["number"])}</span>
  <span class="call-arrow" aria-hidden="true">→</span>
  <span class="call-counter">{h(c["counter_name"])}</span>
  <span class="call-extra">{h(" · ".join(extra))}</span>
</li>"""


class Counter(Page):
    scripts = ("counter",)
    body_class = "counter"

    def on_get(self, req, resp):
        t = Texts(language(req, resp))
        keys = [("open", "o"), ("close", "c"), ("call_next", "n"), ("recall", "r"), ("start", "s"),
                ("complete", "d"), ("no_show", "x")]
        buttons = "\n".join(
            f'<button type="button" class="action action-{a}" data-action="{a}" aria-keyshortcuts="{k}" disabled>'
            f'{h(t("action." + a))} <kbd aria-hidden="true">{k.upper()}</kbd></button>' for a, k in keys)
        words = {k: h(t(k)) for k in (
            "counter.title", "counter.login", "counter.username", "counter.password", "counter.sign_in",
            "counter.noscript", "counter.choose", "counter.office", "counter.counter", "counter.use",
            "counter.change", "counter.logout", "counter.current", "counter.no_current",
            "counter.actions", "counter.shortcuts", "counter.transfer_to", "action.transfer",
            "counter.waiting", "counter.col_number", "counter.col_service", "counter.col_priority",
            "counter.col_waited", "counter.nobody")}
        main = TEMPLATES["counter"].substitute(
            buttons=buttons, **{k.replace(".", "_"): v for k, v in words.items()})
        self.render(req, resp, t, t("counter.title"), main, cache="no-store")

    def on_post(self, req, resp):
        t = Texts(language(req, resp))
        self.message(req, resp, t, falcon.HTTP_400, t("counter.title"), t("counter.noscript"),
                     ("/counter", t("counter.title")))


class TicketPage(Page):
    scripts = ("ticket",)
    body_class = "ticket"

    def on_get(self, req, resp, token):
        t = Texts(language(req, resp))
        view = self._view(req, resp, t, token)
        if view is None:
            return
        office = None
        try:
            office = self.rpc.call("queue", "get_office", view["office_id"])
        except (ServiceUnavailable, RemoteError):
            pass  # the ticket still shows, with codes instead of names
        names = {s["code"]: _service_name(t, s) for s in (office or {}).get("services", [])}
        service = names.get(view["service"], view["service"])
        status_main, status_detail = status_texts(t, view, names)
        ahead = view["people_ahead"] if view["status"] == "waiting" else "–"
        estimate = (t("ticket.minutes", n=view["estimated_wait_minutes"])
                    if view.get("estimated_wait_minutes") is not None else t("ticket.no_estimate"))
        main = TEMPLATES["ticket"].substitute(
            heading=h(t("ticket.heading")), number=h(view["number"]), service=h(service),
            office=h((office or {}).get("name", view["office_id"])),
            status=h(view["status"]), status_main=h(status_main), status_detail=h(status_detail),
            ahead_label=h(t("ticket.ahead")), ahead=h(ahead),
            estimate_label=h(t("ticket.estimate")),
            estimate=h(estimate if view["status"] == "waiting" else "–"),
            facts_hidden="" if view["status"] == "waiting" else " hidden",
            issued=h(t("ticket.issued", time=t.clock(view["issued_at"])) if view.get("issued_at") else ""),
            auto=h(t("ticket.auto")), noscript=h(t("ticket.noscript")), sound=h(t("ticket.sound")),
            cancel=h(t("ticket.cancel")), cancel_hidden="" if view["status"] == "waiting" else " hidden",
            token=h(token), version=h(view["version"]))
        self.render(req, resp, t, t("ticket.title", number=view["number"]), main,
                    cache="private, no-cache",
                    data={"token": token, "status": view["status"], "version": view["version"],
                          "names": json.dumps(names, ensure_ascii=False)})

    def on_post(self, req, resp, token):
        """Cancel without JavaScript (the script asks for confirmation first)."""
        t = Texts(language(req, resp))
        if not _TOKEN.match(token):
            return self._unknown(req, resp, t)
        try:
            self.rpc.call("queue", "cancel_ticket", token)
        except ServiceUnavailable:
            return self.unavailable(req, resp, t)
        except RemoteError as exc:
            mapped = from_remote(exc.exc_type, exc.value)
            if mapped is None:
                raise
            if mapped[0].status == 404:
                return self._unknown(req, resp, t)
            # 409: no longer waiting; the page shows why
        raise falcon.HTTPSeeOther(f"/t/{token}")

    def _view(self, req, resp, t, token):
        if not _TOKEN.match(token):
            self._unknown(req, resp, t)
            return None
        view = self.deps.readmodel.status(token_key(token))
        if view is not None:
            return view
        try:
            return self.rpc.call("queue", "ticket_status", token)
        except ServiceUnavailable:
            self.unavailable(req, resp, t)
        except RemoteError as exc:
            mapped = from_remote(exc.exc_type, exc.value)
            if not mapped or mapped[0].status != 404:
                raise
            self._unknown(req, resp, t)
        return None

    def _unknown(self, req, resp, t):
        self.message(req, resp, t, falcon.HTTP_404, t("ticket.not_found.title"),
                     t("ticket.not_found.text"), ("/", t("ticket.not_found.action")))
        resp.set_header("X-Robots-Tag", "noindex")


def status_texts(t, view, names=None):
    """(headline, detail) of a ticket's status, as the page shows it."""
    status = view["status"]
    counter = view.get("counter_name") or view.get("counter") or ""
    main = t(f"status.{status}", counter=counter)
    detail = ""
    if status == "called":
        detail = t("ticket.called_text")
        if view.get("recalls"):
            detail += " " + t("ticket.recalls", n=view["recalls"])
    elif status == "no_show":
        detail = t("ticket.no_show_text")
    elif status == "cancelled":
        detail = t("ticket.cancelled_text")
    elif status == "waiting" and view.get("from_service"):
        src = (names or {}).get(view["from_service"], view["from_service"])
        detail = t("ticket.transferred_from", service=src)
    return main, detail


class TicketQr:
    """The QR code of a ticket's page, as SVG (the kiosk shows it; a phone scans it)."""

    def on_get(self, req, resp, token):
        if not _TOKEN.match(token):
            raise falcon.HTTPNotFound()
        base = senja_config.from_env().public_url  # configured, never the request's Host
        qr = segno.make(f"{base}/t/{token}", error="m")
        resp.content_type = "image/svg+xml"
        resp.cache_control = ["private", "max-age=86400"]
        out = io.BytesIO()
        qr.save(out, kind="svg", scale=4, border=2, dark="#000", light="#fff", xmldecl=False,
                svgclass=None, lineclass=None)
        resp.data = out.getvalue()


def install(app, deps):
    static = StaticFiles()
    app.add_route("/static/{version}/{kind}/{name}", static)
    app.add_route("/", Home(deps, static))
    app.add_route("/kiosk/{office_id}", Kiosk(deps, static))
    app.add_route("/display/{office_id}", Display(deps, static))
    app.add_route("/counter", Counter(deps, static))
    app.add_route("/t/{token}", TicketPage(deps, static))
    app.add_route("/t/{token}/qr.svg", TicketQr())
    from gateway.web import civic  # permits, accessibility, verification
    civic.install(app, deps, static)
    return static
