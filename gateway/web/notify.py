"""Notifications on the ticket page: the phone form (SMS/WhatsApp), a plain
post that works without JavaScript, with the API's input rules and rate
limit. The Web Push button is static/js/notify.js (it needs a browser's
service worker, static/js/notify-sw.js, so it only appears where one runs)."""
import re

import falcon

from gateway.clients import errors
from gateway.web.base import Missing, Page
from gateway.web.forms import Form, field_errors
from services.queue.schemas import TOKEN_PATTERN

TOKEN = re.compile(TOKEN_PATTERN)
# The ticket page's own "no such ticket" (gateway/web/hall.py): features do not import each other.
TICKET_NOT_FOUND = ("ticket.not_found.title", "ticket.not_found.text", ("/", "ticket.not_found.action"))


def form_values(form):
    return {"phone": form.first("phone", 24), "channel": form.first("channel", 16) or "sms",
            "ahead": form.first("ahead", 4) or "3"}


class TicketNotify(Page):
    """GET: the form on a page of its own (a link target); POST: subscribe a phone."""

    body_class = "ticket"
    rate_limit = {"POST": "subscribe_ticket"}
    not_found = TICKET_NOT_FOUND

    def on_get(self, req, resp, token):
        if not TOKEN.match(token):
            raise Missing(*TICKET_NOT_FOUND)
        self._page(req, resp, token)

    def on_post(self, req, resp, token):
        if not TOKEN.match(token):
            raise Missing(*TICKET_NOT_FOUND)
        form = req.context.form = Form.read(req)
        values = form_values(form)
        ahead = int(values["ahead"]) if values["ahead"].isdigit() else values["ahead"]
        self.clients.queue.subscribe(token, {"phone": values["phone"], "channel": values["channel"],
                                             "ahead": ahead})
        raise falcon.HTTPSeeOther(f"/t/{token}?notify=ok#notify")

    def reshow(self, req, resp, exc, token):
        if not isinstance(exc, errors.Invalid):
            return None  # a finished ticket, a channel that is off: the message page says why
        self._page(req, resp, token, form_values(req.context.form), field_errors(req.context.t, exc))
        return True

    def _page(self, req, resp, token, values=None, problems=()):
        t = req.context.t
        self.render(req, resp, "ticket_notify_page.html", t("notify.heading"), cache="private, no-cache",
                    token=token, notify_values=values or {}, notify_errors=list(problems),
                    notify_settings=getattr(self.site.deps, "settings", None))
        resp.set_header("X-Robots-Tag", "noindex")


def install(app, site):
    app.add_route("/t/{token}/notify", TicketNotify(site))
