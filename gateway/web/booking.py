"""Booking pages: /book/{office_id} (service, day, slot → code, QR, .ics,
printable), the booking's own page /b/{token} (check in, cancel), and the
kiosk's "I have a booking" path /kiosk/{office_id}/booking (short code).

Every form works without JavaScript (plain posts, 303 to the next page);
the API's rules apply through the same typed client calls.
"""
import datetime as dt
import io
import re
import secrets

import falcon
import icalendar
import segno

from gateway.clients import errors
from gateway.web import device
from gateway.web.base import Missing, Page, problem_text
from gateway.web.forms import Form, field_errors
from services.common import config as senja_config
from services.common.events import PRIORITY_REASONS
from services.queue.booking import MAX_DAYS_AHEAD
from services.queue.schemas import TOKEN_PATTERN

TOKEN = re.compile(TOKEN_PATTERN)
BOOKING_NOT_FOUND = ("book.not_found.title", "book.not_found.text")
SCANNED = re.compile(r"/b/([A-Za-z0-9_-]{16,64})(?![A-Za-z0-9_-])")  # the booking QR's address, as a scanner types it


def service_name(t, svc):
    """As the hall's pages name a service (a feature imports no other feature)."""
    names = svc.get("names") or {}
    return names.get(t.lang) or names.get("id") or svc.get("name") or svc.get("code")


def _bookable(t, office):
    """(code, name) of the office's services that take bookings."""
    return [(s["code"], service_name(t, s)) for s in office["services"] if s.get("bookable")]


class BookPage(Page):
    """Choose a service and a day (a GET form), then a slot (a POST form)."""

    body_class = "book"
    rate_limit = {"POST": "book_slot"}  # the same bucket as POST /api/v1/offices/{id}/bookings

    def on_get(self, req, resp, office_id):
        self._page(req, resp, office_id, req.get_param("service") or "", req.get_param("date") or "")

    def on_post(self, req, resp, office_id):
        form = req.context.form = Form.read(req)
        request = {"service": form.first("service", 16), "slot_start": form.first("slot_start", 40),
                   "priority_reason": form.first("priority_reason", 40) or None,
                   "phone": form.first("phone", 20) or None}
        made = self.clients.queue.book(office_id, request, idempotency_key=form.idempotency_key(req),
                                       actor="web")
        raise falcon.HTTPSeeOther(f"/b/{made['token']}")

    def reshow(self, req, resp, exc, office_id):
        form = req.context.form
        self._page(req, resp, office_id, form.first("service", 16), form.first("date", 10), problem=exc)
        return True

    def _page(self, req, resp, office_id, service, day, problem=None):
        t = req.context.t
        office = self.clients.queue.get_office(office_id)
        choices = _bookable(t, office)
        today = dt.date.fromisoformat(office["today"]["date"])
        days = [(today + dt.timedelta(days=i)).isoformat() for i in range(MAX_DAYS_AHEAD + 1)]
        day_choices = [(d, t.full_date(d)) for d in days]
        slots, alert, errors_ = [], "", []
        if service in {c for c, _ in choices} and day in days:
            try:
                slots = [{**s, "label": f"{t.clock(s['start'])}–{t.clock(s['end'], s['start'])}",
                          "places": t("book.places", n=s["free"]) if s["free"] else t("book.slot_full")}
                         for s in self.clients.queue.slots(office_id, {"service": service, "date": day})]
            except errors.Invalid as exc:
                problem = problem or exc
            if not any(s["free"] for s in slots):
                alert = t("book.no_slots")
        if problem is not None:
            errors_ = field_errors(t, problem) if problem.errors else []
            alert = problem_text(t, problem) if not errors_ else ""
        form = req.context.get("form")
        self.render(req, resp, "book.html", f'{t("book.title")} · {office["name"]}',
                    status=falcon.HTTP_200, office=office, office_id=office_id,
                    services=choices, service=service, days=day_choices, day=day, slots=slots,
                    alert=alert, errors=errors_, key=secrets.token_urlsafe(12),
                    priority_reasons=[("", t("priority.none"))] + [(r, t(f"priority.{r}")) for r in PRIORITY_REASONS],
                    chosen=(form.first("slot_start", 40) if form else ""),
                    phone=(form.first("phone", 20) if form else ""))


class BookingPage(Page):
    """The booking: its code, QR, calendar file; check in or cancel (plain forms)."""

    body_class = "booking"
    not_found = BOOKING_NOT_FOUND + (("/", "nav.home"),)

    def on_get(self, req, resp, token):
        self._page(req, resp, token)

    def on_post(self, req, resp, token):
        _check(token)
        form = req.context.form = Form.read(req)
        if form.first("action", 20) == "check_in":
            ticket = self.clients.queue.check_in(token, channel="web")
            raise falcon.HTTPSeeOther(f"/t/{ticket['token']}")
        self.clients.queue.cancel_booking(token)
        raise falcon.HTTPSeeOther(f"/b/{token}")

    def reshow(self, req, resp, exc, token):
        self._page(req, resp, token, problem=exc)
        return True

    def _page(self, req, resp, token, problem=None):
        _check(token)
        t = req.context.t
        view = self.clients.queue.booking_status(token)
        office = self.quietly(self.clients.queue.get_office, view["office_id"]) or {}
        names = {s["code"]: service_name(t, s) for s in office.get("services", [])}
        when = f'{t.full_date(view["slot_start"][:10])}, {t.clock(view["slot_start"])}–{t.clock(view["slot_end"], view["slot_start"])}'
        window = t("book.window", start=t.clock(view["check_in_from"]),
                   end=t.clock(view["check_in_until"], view["check_in_from"]))
        self.render(req, resp, "booking.html", t("book.your_booking"), cache="private, no-store",
                    view=view, token=token, office_name=office.get("name", view["office_id"]),
                    service=names.get(view["service"], view["service"]), when=when, window=window,
                    status_text=t(f"book.status.{view['status']}"),
                    alert=problem_text(t, problem) if problem is not None else "")
        resp.set_header("X-Robots-Tag", "noindex")


class BookingQr:
    """The booking page's QR (to show at the kiosk or keep on the phone), as SVG."""

    def on_get(self, req, resp, token):
        if not TOKEN.match(token):
            raise falcon.HTTPNotFound()
        base = senja_config.from_env().public_url  # configured, never the request's Host
        out = io.BytesIO()
        segno.make(f"{base}/b/{token}", error="m").save(
            out, kind="svg", scale=4, border=2, dark="#000", light="#fff", xmldecl=False,
            svgclass=None, lineclass=None)
        resp.content_type = "image/svg+xml"
        resp.cache_control = ["private", "max-age=86400"]
        resp.data = out.getvalue()


class BookingCalendar:
    """The booking as an iCalendar (RFC 5545) event, for the phone's calendar."""

    def __init__(self, site):
        self.clients = site.clients

    def on_get(self, req, resp, token):
        if not TOKEN.match(token):
            raise falcon.HTTPNotFound()
        try:
            view = self.clients.queue.booking_status(token)
        except errors.NotFound:
            raise falcon.HTTPNotFound() from None
        office = self.clients.queue.get_office(view["office_id"])
        base = senja_config.from_env().public_url
        cal = icalendar.Calendar()
        cal.add("prodid", "-//Senja//booking//ID")
        cal.add("version", "2.0")
        event = icalendar.Event()
        event.add("uid", f"booking-{view['code']}@senja")
        event.add("dtstamp", dt.datetime.now(dt.timezone.utc))
        # In UTC ("...Z"): a fixed offset has no TZID a calendar would know.
        event.add("dtstart", dt.datetime.fromisoformat(view["slot_start"]).astimezone(dt.timezone.utc))
        event.add("dtend", dt.datetime.fromisoformat(view["slot_end"]).astimezone(dt.timezone.utc))
        event.add("summary", f"Antrean {office['name']} ({view['service']}) · {view['code']}")
        event.add("location", office.get("address") or office["name"])
        event.add("description", f"Kode booking {view['code']}. Check-in {view['check_in_from'][11:16]}–"
                                 f"{view['check_in_until'][11:16]}. {base}/b/{token}")
        cal.add_component(event)
        resp.content_type = "text/calendar; charset=utf-8"
        resp.set_header("Content-Disposition", f'attachment; filename="senja-{view["code"]}.ics"')
        resp.cache_control = ["private", "no-store"]
        resp.data = cal.to_ical()


class KioskBooking(Page):
    """The kiosk's "I have a booking": the short code, checked in by this office's
    kiosk only (provisioned once with ?kiosk_key=, gateway/web/device.py)."""

    body_class = "kiosk"
    rate_limit = {"POST": "issue_ticket"}

    def on_get(self, req, resp, office_id):
        device.provision(req, resp, self.site.deps.settings.secret, office_id)
        self._page(req, resp, office_id)

    def on_post(self, req, resp, office_id):
        form = req.context.form = Form.read(req)
        if not device.is_kiosk(req, self.site.deps.settings.secret, office_id):
            return self._page(req, resp, office_id, alert=req.context.t("book.kiosk_no_key"),
                              status=falcon.HTTP_403)
        typed = form.first("code", 200)
        scanned = SCANNED.search(typed)
        try:
            if scanned:  # a scanner typed the booking's QR (its page's address)
                ticket = self._check_in_scanned(office_id, scanned.group(1))
            else:
                ticket = self.clients.queue.check_in_by_code(office_id, {"code": typed[:16]})
        except errors.NotFound:
            return self._page(req, resp, office_id, alert=req.context.t("book.code_unknown"),
                              status=falcon.HTTP_404)
        self._page(req, resp, office_id, ticket=ticket, status=falcon.HTTP_201)

    def _check_in_scanned(self, office_id, token):
        if self.clients.queue.booking_status(token)["office_id"] != office_id:
            raise errors.NotFound("A booking of another office")
        return self.clients.queue.check_in(token, channel="kiosk", actor="kiosk")

    def reshow(self, req, resp, exc, office_id):
        t = req.context.t
        alert = " ".join(m for _, m in field_errors(t, exc)) if exc.errors else problem_text(t, exc)
        self._page(req, resp, office_id, alert=alert)
        return True

    def _page(self, req, resp, office_id, ticket=None, alert="", status=falcon.HTTP_200):
        t = req.context.t
        office = self.clients.queue.get_office(office_id)
        self.render(req, resp, "kiosk_booking.html", f'{t("book.kiosk_title")} · {office["name"]}',
                    status=status, office=office, office_id=office_id, ticket=ticket, alert=alert,
                    code=(req.context.form.first("code", 200) if req.context.get("form") and not ticket else ""))


def _check(token):
    if not TOKEN.match(token):
        raise Missing(*BOOKING_NOT_FOUND)


def install(app, site):
    app.add_route("/book/{office_id}", BookPage(site))
    app.add_route("/b/{token}", BookingPage(site))
    app.add_route("/b/{token}/qr.svg", BookingQr())
    app.add_route("/b/{token}/booking.ics", BookingCalendar(site))
    app.add_route("/kiosk/{office_id}/booking", KioskBooking(site))
