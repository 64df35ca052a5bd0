"""Booking workflows: slots, book, follow, cancel, check in, no-show.

The rules are services.queue.booking's; the places are counted by
booking_store (one conditional update per place). Check-in makes its ticket
through issuing.issue_ticket, so the ticket, the hall's line, the read models
and the events are those of any other ticket.

No-shows are found twice over, and either way once: a nameko timer
(service.py, every ``NO_SHOW_SWEEP_SECONDS``) moves lapsed bookings on, and
any read or change of a lapsed booking (status, cancel, check-in) does the
same first (lazy). Both go through the same conditional status update, so
with several instances and the timer racing a citizen, one of them wins and
gives the place back; the others find nothing to do.
"""
import datetime as dt
import uuid

from lokal import normalize_phone
from marshmallow import ValidationError

from services.common import calendar
from services.common.errors import Conflict, Invalid, NotFound, marshmallow_errors
from services.queue import booking, issuing, notify, views
from services.queue.booking_schemas import BookingsQuery, BookSlot, KioskCheckIn, SlotsQuery
from services.queue.domain import ticket_token, token_key

NO_SHOW_SWEEP_SECONDS = 60
# A check-in whose ticket is not there this long after it began died half-way
# (longer than the gateway's RPC timeout): a retry makes the ticket.
IN_PROGRESS = dt.timedelta(seconds=10)


def _load(schema, data):
    try:
        return schema.load(data)
    except ValidationError as err:
        raise Invalid.fields(marshmallow_errors(err.messages))


def slots(ctx, office_id, query):
    q = _load(SlotsQuery(), query)
    office = views.office_or_404(ctx.store, office_id)
    svc = views.find_service(office, q["service"])
    if booking.rules_of(svc) is None:
        raise Invalid.fields([("service", "this service takes no bookings")])
    now = ctx.clock()
    refused = booking.date_refusal(office, q["date"], now)
    if refused:
        raise Invalid.fields([("date", refused[1])])
    taken = ctx.store.booking.taken_on(office_id, svc["code"], q["date"].isoformat())
    zone = calendar.tz(office)
    return [{"start": start.astimezone(zone).isoformat(timespec="minutes"),
             "end": end.astimezone(zone).isoformat(timespec="minutes"), "capacity": capacity,
             "free": 0 if start <= now else max(0, capacity - taken.get(
                 booking.slot_id(office_id, svc["code"], start), 0))}
            for start, end, capacity in booking.slots_on(office, svc, q["date"])]


def book(ctx, office_id, request, idempotency_key=None, actor="citizen"):
    req = _load(BookSlot(), request)
    phone = None
    if req["phone"]:
        phone = normalize_phone(req["phone"])
        if phone is None:
            raise Invalid.fields([("phone", "not an Indonesian phone number")])
    office = views.office_or_404(ctx.store, office_id)
    svc = views.find_service(office, req["service"])
    now = ctx.clock()
    booking_id = uuid.uuid4().hex
    if idempotency_key:
        # The fingerprint is of the request as sent: the phone stays out of the clear.
        owner = ctx.store.booking.claim_idempotency_key(office_id, idempotency_key, booking_id,
                                                        request, ctx.secret)
        existing = ctx.store.booking.get(owner) if owner != booking_id else None
        if existing is not None:
            return {**booking.booking_view(existing, calendar.tz(office),
                                           booking.booking_token(ctx.secret, owner)), "replayed": True}
        booking_id = owner
    slot_start = req["slot_start"].astimezone(calendar.tz(office))
    refused = booking.booking_refusal(office, svc, slot_start, now)
    if refused:
        raise Conflict(refused[1], reason=refused[0])
    start, end, capacity = booking.find_slot(office, svc, slot_start)
    local_date = start.date().isoformat()
    sid = booking.slot_id(office_id, svc["code"], start)
    if ctx.store.booking.take_place(sid, office_id, svc["code"], local_date, capacity) is None:
        raise Conflict("This slot is full", reason="full")
    token = booking.booking_token(ctx.secret, booking_id)
    doc = {"_id": booking_id, "booking_key": token_key(token), "office_id": office_id,
           "service": svc["code"], "slot_id": sid, "slot_start": start, "slot_end": end,
           "slot_ts": start.timestamp(), "window_end": booking.check_in_window(start)[1].timestamp(),
           "local_date": local_date, "status": "booked", "priority_reason": req["priority_reason"],
           "phone": phone, "has_phone": phone is not None, "booked_at": now, "booked_by": actor,
           "ticket_id": "", "ticket_number": None, "version": 1}
    for _ in range(5):
        doc["code"] = booking.short_code()
        if phone is not None:
            # The reminder is written by the insert that makes the booking: never one without the other.
            entry = booking.reminder_entry(booking_id, doc["code"], start, now, booking.remind_minutes(svc),
                                           calendar.tz(office))
            doc.update(outbox=[notify.encode(entry)], reminder_due=entry["due"])
        if ctx.store.booking.insert(doc):
            break
    else:
        ctx.store.booking.give_back_place(sid)
        raise RuntimeError("could not find a free short code")
    _publish(ctx, "booking_made", doc, actor, now)
    return {**booking.booking_view(doc, calendar.tz(office), token), "replayed": False}


def _holder(ctx, token):
    found = ctx.store.booking.by_key(token_key(token))
    if found is None:
        raise NotFound("No booking with this token")
    return _settled(ctx, found)


def _settled(ctx, found):
    """The booking, moved to no-show first if its window has closed (lazy)."""
    now = ctx.clock()
    if booking.is_no_show(found, now):
        mark_no_show(ctx, found, now)
        found = ctx.store.booking.get(found["_id"])
    return found


def status(ctx, token):
    found = _holder(ctx, token)
    office = views.office_or_404(ctx.store, found["office_id"])
    return booking.booking_view(found, calendar.tz(office))


def cancel(ctx, token, actor="citizen"):
    found = _holder(ctx, token)
    office = views.office_or_404(ctx.store, found["office_id"])
    now = ctx.clock()
    refused = booking.cancel_refusal(found, now)
    moved = None if refused else ctx.store.booking.move(found["_id"], "booked",
                                                        {"status": "cancelled", "changed_at": now,
                                                         **booking.REMINDER_DROPPED})
    if moved is None:
        current = ctx.store.booking.get(found["_id"])
        raise Conflict(f"A {current['status']} booking cannot be cancelled",
                       reason="illegal_transition", current_status=current["status"])
    ctx.store.booking.give_back_place(moved["slot_id"])  # only the one who moved it gives it back
    _publish(ctx, "booking_cancelled", moved, actor, now)
    return booking.booking_view(moved, calendar.tz(office))


def mark_no_show(ctx, found, now):
    moved = ctx.store.booking.move(found["_id"], "booked", {"status": "no_show", "changed_at": now,
                                                        **booking.REMINDER_DROPPED})
    if moved is not None:
        ctx.store.booking.give_back_place(moved["slot_id"])
        _publish(ctx, "booking_no_show", moved, "system", now)
    return moved


def sweep_no_shows(ctx):
    """Lapsed bookings become no-shows (the timer); returns how many this call moved."""
    now = ctx.clock()
    return sum(mark_no_show(ctx, b, now) is not None
               for b in ctx.store.booking.lapsed(now.timestamp()))


def check_in(ctx, token, channel="web", actor="citizen"):
    return _check_in(ctx, _holder(ctx, token), channel, actor)


def check_in_by_code(ctx, office_id, request, actor="kiosk"):
    """A kiosk types the short code (the gateway has checked the kiosk's key)."""
    req = _load(KioskCheckIn(), request)
    found = ctx.store.booking.by_code(office_id, booking.normal_code(req["code"]))
    if found is None:
        raise NotFound("No booking with this code at this office",
                       errors=[{"field": "code", "message": "unknown code"}])
    return _check_in(ctx, _settled(ctx, found), "kiosk", actor)


def _check_in(ctx, found, channel, actor):
    office = views.office_or_404(ctx.store, found["office_id"])
    now = ctx.clock()
    if found["status"] == "checked_in":
        return _ticket_of(ctx, found, office, channel, actor)
    refused = booking.check_in_refusal(found, now)
    if refused:
        opens, closes = booking.check_in_window(found["slot_start"])
        zone = calendar.tz(office)
        raise Conflict(refused[1], reason=refused[0],
                       check_in_from=opens.astimezone(zone).isoformat(timespec="minutes"),
                       check_in_until=closes.astimezone(zone).isoformat(timespec="minutes"))
    moved = ctx.store.booking.move(found["_id"], "booked", {"status": "checked_in", "changed_at": now,
                                                            "ticket_id": uuid.uuid4().hex,
                                                            **booking.REMINDER_DROPPED})
    if moved is None:  # someone else moved it meanwhile (a second tap, the sweep)
        return _check_in(ctx, ctx.store.booking.get(found["_id"]), channel, actor)
    ticket = _ticket_of(ctx, moved, office, channel, actor, mover=True)
    ctx.store.booking.move(moved["_id"], "checked_in", {"ticket_number": ticket["number"]})
    _publish(ctx, "booking_checked_in", {**moved, "ticket_number": ticket["number"]}, actor, now)
    return ticket


def _ticket_of(ctx, found, office, channel, actor, mover=False):
    """The ticket of a checked-in booking: made now (by the call that checked it in,
    or by a retry once that call has surely died), or the one made before."""
    existing = ctx.store.get_ticket(found["ticket_id"])
    if existing is not None:
        return {**views.ticket_status(ctx, existing, office), "replayed": True,
                "token": ticket_token(ctx.secret, existing["_id"])}
    if not mover and ctx.clock() - found["changed_at"] < IN_PROGRESS:
        # A second tap while the first is still making the ticket: not a second ticket.
        raise Conflict("The check-in is under way; try again in a moment", reason="in_progress")
    start = found["slot_start"]
    session = next(((s, e) for s, e in calendar.sessions_on(office, calendar.local_date(office, start))
                    if s <= start < e), (start, found["slot_end"]))
    return issuing.issue_ticket(
        ctx, office["id"], {"service": found["service"], "priority_reason": found["priority_reason"],
                            "channel": channel},
        actor=actor, booked={"ticket_id": found["ticket_id"], "slot_start": start, "session": session})


def day(ctx, office_id, query):
    """The day's bookings for the office's clerks (phones masked)."""
    q = _load(BookingsQuery(), query)
    office = views.office_or_404(ctx.store, office_id)
    zone = calendar.tz(office)
    return [booking.booking_view(b, zone) for b in ctx.store.booking.of_day(office_id, q["date"].isoformat())]


def _publish(ctx, name, doc, actor, now):
    ctx.publish(name, {"at": now, "actor": actor, "booking_id": doc["_id"],
                       "booking_key": doc["booking_key"], "office_id": doc["office_id"],
                       "service": doc["service"], "slot_start": doc["slot_start"],
                       "status": doc["status"], "has_phone": bool(doc.get("has_phone")),
                       "ticket_number": doc.get("ticket_number")})
