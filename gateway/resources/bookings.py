"""Booking a slot ahead and checking in (services/queue/bookings.py)."""

import falcon
from marshmallow import fields

from gateway.auth import staff
from gateway.clients.errors import Forbidden, NotFound
from gateway.clients.queue import QueueClient
from gateway.contract import API, IDEMPOTENCY_KEY, KIOSK_KEY, Many, operation
from gateway.ratelimit import kiosk_key_valid, presented_kiosk_key
from gateway.resources.tickets import TicketIssued, _TOKEN, idempotency_key
from services.queue.booking_schemas import BookedSlot, BookingView, SlotView

REFUSALS = ("409 with `reason`: full, past, closed, too_far, no_slot, not_bookable "
            "(past: the slot has started; closed: holiday, cuti bersama or closure).")
WINDOW = ("Check-in is open from 30 minutes before the slot's start to 15 minutes after it; "
          "outside it 409 with `reason` too_early or no_show (the window has closed) and the "
          "window as `check_in_from`/`check_in_until`. The ticket is placed in the call order at "
          "the slot's start: a walk-in who came before the slot keeps their place. A second "
          "check-in answers the same ticket.")


class Booked(BookedSlot):
    status_url = fields.String(required=True)
    page_url = fields.String(required=True)


class Slots:
    def __init__(self, clients):
        self.queue = clients.queue

    @operation("A day's bookable slots of a service (today to 14 days ahead)", {200: Many(SlotView)},
               query=QueueClient.slots, tags=["bookings"],
               description="`free` is 0 once a slot has started. 422 for a day out of range or "
                           "a service that takes no bookings.")
    def on_get(self, req, resp, office_id):
        resp.media = self.queue.slots(office_id, dict(req.params))


class Bookings:
    access = {"GET": staff("clerk", office="office_id")}

    def __init__(self, clients):
        self.queue = clients.queue

    @operation("Book a slot", {201: Booked}, body=QueueClient.book, conflicts=True,
               parameters=[IDEMPOTENCY_KEY], tags=["bookings"],
               description=REFUSALS + " The phone (optional) is kept for a reminder and only "
                           "ever shown masked. A replay of an Idempotency-Key answers the first "
                           "booking again, with Idempotent-Replayed: true.")
    def on_post(self, req, resp, office_id):
        made = self.queue.book(office_id, req.get_media(), idempotency_key=idempotency_key(req))
        if made.pop("replayed"):
            resp.set_header("Idempotent-Replayed", "true")
        resp.status = falcon.HTTP_201
        resp.location = f"/api/v1/bookings/{made['token']}"
        resp.media = Booked().dump({**made, "status_url": resp.location,
                                    "page_url": f"/b/{made['token']}"})

    @operation("The day's bookings (clerks of the office)", {200: Many(BookingView)},
               query=QueueClient.bookings_of_day, tags=["bookings"])
    def on_get(self, req, resp, office_id):
        resp.media = self.queue.bookings_of_day(office_id, dict(req.params))


class Booking:
    def __init__(self, clients):
        self.queue = clients.queue

    @operation("A booking's status (its holder)", {200: BookingView}, tags=["bookings"])
    def on_get(self, req, resp, token):
        _check_token(token)
        resp.set_header("Cache-Control", "private, no-cache")
        resp.media = self.queue.booking_status(token)

    @operation("Cancel a booking: its place returns to the slot", {200: BookingView},
               conflicts=True, tags=["bookings"])
    def on_delete(self, req, resp, token):
        _check_token(token)
        resp.media = self.queue.cancel_booking(token)


class CheckIn:
    def __init__(self, clients):
        self.queue = clients.queue

    @operation("Check in with a booking (its holder): a ticket", {201: TicketIssued},
               conflicts=True, tags=["bookings"], description=WINDOW)
    def on_post(self, req, resp, token):
        _check_token(token)
        _answer(resp, self.queue.check_in(token))


class KioskCheckIn:
    """A kiosk of the office checks a booking in by its short code; only a kiosk
    (its X-Kiosk-Key) may, so an 8-character code is no bearer secret on the web."""

    def __init__(self, clients, secret):
        self.queue = clients.queue
        self.secret = secret

    @operation("Check in by short code at the office's kiosk", {201: TicketIssued},
               body=QueueClient.check_in_by_code, conflicts=True, parameters=[KIOSK_KEY],
               tags=["bookings"], refusals=(403,),
               description="Needs the office's X-Kiosk-Key (403 without it). " + WINDOW)
    def on_post(self, req, resp, office_id):
        if not kiosk_key_valid(self.secret, office_id, presented_kiosk_key(req)):
            raise Forbidden("Only a kiosk of this office (X-Kiosk-Key) checks in by code")
        _answer(resp, self.queue.check_in_by_code(office_id, req.get_media()))


def _answer(resp, ticket):
    ticket.pop("replayed", None)
    token = ticket["token"]
    resp.status = falcon.HTTP_201
    resp.location = f"/api/v1/tickets/{token}"
    resp.media = TicketIssued().dump({**ticket, "status_url": resp.location, "page_url": f"/t/{token}"})


def _check_token(token):
    if not _TOKEN.match(token):
        raise NotFound("No booking with this token")


def install(app, clients, secret):
    app.add_route(f"{API}/offices/{{office_id}}/slots", Slots(clients))
    app.add_route(f"{API}/offices/{{office_id}}/bookings", Bookings(clients))
    app.add_route(f"{API}/offices/{{office_id}}/bookings/check-in", KioskCheckIn(clients, secret))
    app.add_route(f"{API}/bookings/{{token}}", Booking(clients))
    app.add_route(f"{API}/bookings/{{token}}/check-in", CheckIn(clients))
