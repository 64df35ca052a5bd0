"""Cross-site request forgery: a page's form post must come from our own pages.

The pages have no sessions to hang a token on, so the check is the one the
browser itself offers (OWASP's "verifying origin with standard headers"):

- ``Sec-Fetch-Site`` (every current browser sends it): ``same-origin`` or
  ``none`` (typed or bookmarked) pass; ``same-site`` and ``cross-site`` are refused;
- otherwise ``Origin`` (sent on every cross-origin POST): it must be this
  gateway's own origin (as the request or its trusted proxy names it, or
  ``SENJA_PUBLIC_URL``); ``null`` (sandboxed or privacy-stripped) is refused.

A request with neither header does not come from a browser that a forged
form could drive (curl, a kiosk script), so it passes: the forms keep working
without JavaScript in any browser, and their side effects need nothing a
third party could not already do by posting to the API.
"""
import os
import urllib.parse

ALLOWED_FETCH_SITES = ("same-origin", "none")


class CrossSite(Exception):
    """A form post a third-party page made the citizen's browser send."""


def _origin(url):
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def check(req):
    site = req.get_header("Sec-Fetch-Site")
    if site is not None:
        if site.lower() not in ALLOWED_FETCH_SITES:
            raise CrossSite(site)
        return
    origin = req.get_header("Origin")
    if origin is None:
        return
    ours = {_origin(req.prefix), _origin(req.forwarded_prefix),
            _origin(os.environ.get("SENJA_PUBLIC_URL", ""))}
    if origin.lower() not in ours - {None}:
        raise CrossSite(origin)
