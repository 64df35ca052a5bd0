"""The thin web client the gateway serves: pages rendered from Jinja2
templates (``templates/``), plain ES modules and CSS under ``static/`` (no
build step), texts in gettext catalogs (``locale/``, read by pages and scripts).

``base`` (rendering, language, static files, the pages' error handling),
``i18n`` and ``forms`` are shared; ``hall``, ``permits``, ``access`` and
``verify`` are the features, each adding its own routes.
"""
from gateway.web import access, booking, dashboard, hall, notify, office, permits, staff, survey, verify
from gateway.web.base import Site, StaticFiles


def install(app, deps, limiter=None):
    """Adds the pages and /static; ``limiter`` is the API's RateLimiter, so a form
    post and its JSON twin take from the same bucket."""
    static = StaticFiles()
    app.add_route("/static/{version}/{kind}/{name}", static)
    site = Site(deps, static, limiter)
    for feature in (hall, permits, access, verify, office, staff, booking, survey, dashboard, notify):
        feature.install(app, site)
    return static
