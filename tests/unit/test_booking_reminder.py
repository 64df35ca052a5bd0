"""The booking_reminder: its due time (a plain rule), written by the booking's
own insert, sent once when due and not before, and dropped by a cancel, also
when the cancel races the sender's hand-over. Real nx-27017, a fixed clock."""
import datetime as dt
import json

import pytest
from marshmallow import ValidationError

from services.queue import booking, bookings, notify
from services.queue.schemas import BookingConfig
from services.queue.sender import Sender
from tests.unit.test_notify import SECRET, Receiver
from tests.unit.test_queue_workflows import client, hall, server  # noqa: F401 (fixtures)

UTC = dt.timezone.utc
WIB = dt.timezone(dt.timedelta(hours=7))
OFFICE = "33.71.02"
# The hall's clock is 2026-11-23 12:00:00.123 UTC (19:00 WIB): this slot starts two hours later.
SLOT = "2026-11-23T21:00:00+07:00"
DUE = dt.datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 60 minutes before the slot
PHONE = "0812-3456-7890"


def test_the_reminder_is_due_its_lead_before_the_slot_or_at_once_when_booked_later():
    slot = dt.datetime(2026, 11, 23, 21, 0, tzinfo=WIB)
    early = dt.datetime(2026, 11, 20, 9, 0, tzinfo=WIB)
    assert booking.reminder_due(slot, early) == dt.datetime(2026, 11, 23, 20, 0, tzinfo=WIB)
    assert booking.reminder_due(slot, early, 15) == dt.datetime(2026, 11, 23, 20, 45, tzinfo=WIB)
    assert booking.reminder_due(slot, early, 0) == slot
    late = dt.datetime(2026, 11, 23, 20, 30, tzinfo=WIB)  # inside the lead: at once
    assert booking.reminder_due(slot, late) == late
    assert booking.remind_minutes({"booking": {"slot_minutes": 30, "per_slot": 2}}) == 60
    assert booking.remind_minutes({"booking": {"slot_minutes": 30, "per_slot": 2, "remind_minutes": 0}}) == 0
    assert BookingConfig().load({"slot_minutes": 30, "per_slot": 2, "remind_minutes": 0.5})["remind_minutes"] == 0.5
    with pytest.raises(ValidationError) as refused:
        BookingConfig().load({"slot_minutes": 30, "per_slot": 2, "remind_minutes": -1})
    assert "remind_minutes" in refused.value.messages


def test_the_reminder_entry_and_the_webhook_body_carry_the_slot_and_the_code():
    slot = dt.datetime(2026, 11, 23, 21, 0, tzinfo=WIB)
    booked_at = dt.datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    entry = booking.reminder_entry("b1", "7KQ2M9XD", slot, booked_at, 60, WIB)
    assert entry == {"id": "booking_reminder-b1", "event": "booking_reminder", "at": booked_at.timestamp(),
                     "sub": "b1", "due": DUE.timestamp(), "code": "7KQ2M9XD",
                     "slot_start": "2026-11-23T21:00+07:00"}
    assert not notify.reminder_is_due(entry, DUE.timestamp() - 1) and notify.reminder_is_due(entry, DUE.timestamp())
    doc = notify.booking_delivery(entry, {"_id": "b1", "office_id": OFFICE, "phone": "+6281234567890"}, 1.0)
    assert doc["_id"] == "booking_reminder-b1" and doc["channel"] == "sms" and doc["number"] is None
    body = json.loads(notify.webhook_body(doc, "2026-11-23T13:00:00+00:00"))
    assert body == {"id": "booking_reminder-b1", "event": "booking_reminder", "channel": "sms",
                    "office_id": OFFICE, "phone": "+6281234567890", "sent_at": "2026-11-23T13:00:00+00:00",
                    "code": "7KQ2M9XD", "slot_start": "2026-11-23T21:00+07:00"}


def book(ctx, **extra):
    return bookings.book(ctx, OFFICE, {"service": "KTP", "slot_start": SLOT, **extra})


def stored(ctx, made):
    return ctx.store.booking.by_code(OFFICE, made["code"])


def sender(ctx, receiver):
    return Sender(ctx.store.outbox, ctx.clock, "http://provider.test/hook", SECRET, post=receiver)


def at(ctx, when):
    ctx.clock.at = when


def test_a_booking_with_a_phone_is_reminded_once_when_due_and_not_before(hall):
    made = book(hall, phone=PHONE)
    doc = stored(hall, made)
    # Written by the insert that made the booking.
    assert [notify.decode(t)["id"] for t in doc["outbox"]] == [f"booking_reminder-{doc['_id']}"]
    assert doc["reminder_due"] == DUE.timestamp()
    book(hall)  # no phone: no reminder
    receiver = Receiver()
    post = sender(hall, receiver)
    post.tick()
    at(hall, DUE - dt.timedelta(seconds=1))
    post.tick()
    assert receiver.bodies == []  # not before its due time
    at(hall, DUE)
    post.tick()
    assert [(b["event"], b["code"], b["slot_start"], b["phone"], "number" in b) for b in receiver.bodies] == [
        ("booking_reminder", made["code"], "2026-11-23T21:00+07:00", "+6281234567890", False)]
    at(hall, DUE + dt.timedelta(minutes=5))
    post.tick()
    assert len(receiver.bodies) == 1  # never twice
    assert stored(hall, made)["outbox"] == []
    sent = hall.store.outbox.deliveries.find_one({"_id": f"booking_reminder-{doc['_id']}"})
    assert sent["status"] == "sent" and sent["phone"] == "+62812*****890"


def test_a_reminder_the_receiver_refuses_is_retried_with_the_same_id(hall):
    at(hall, DUE + dt.timedelta(minutes=30))  # booked inside the lead: due at once
    book(hall, phone=PHONE)
    receiver = Receiver(500)
    post = sender(hall, receiver)
    post.tick()
    at(hall, hall.clock.at + dt.timedelta(seconds=1.5))  # past the first backoff
    post.tick()
    assert len(receiver.bodies) == 2 and receiver.bodies[0]["id"] == receiver.bodies[1]["id"]


def test_a_cancelled_booking_drops_its_reminder_in_the_same_update(hall):
    made = book(hall, phone=PHONE)
    bookings.cancel(hall, made["token"])
    doc = stored(hall, made)
    assert doc["status"] == "cancelled" and doc["outbox"] == [] and doc["reminder_due"] is None
    receiver = Receiver()
    at(hall, DUE + dt.timedelta(minutes=1))
    sender(hall, receiver).tick()
    assert receiver.bodies == [] and hall.store.outbox.deliveries.count_documents({}) == 0


def test_a_cancel_that_wins_the_race_with_the_hand_over_means_no_reminder(hall):
    made = book(hall, phone=PHONE)
    at(hall, DUE)
    store = hall.store.outbox
    hand_over = store.hand_over_reminder

    def cancelled_first(booking_id, due):
        # The sender has written the held delivery; the citizen cancels before it lets go.
        assert store.deliveries.find_one()["lease_until"] > DUE.timestamp()
        bookings.cancel(hall, made["token"])
        return hand_over(booking_id, due)
    store.hand_over_reminder = cancelled_first
    receiver = Receiver()
    sender(hall, receiver).tick()
    assert receiver.bodies == [] and store.deliveries.count_documents({}) == 0


def test_a_checked_in_booking_is_not_reminded(hall):
    at(hall, dt.datetime(2026, 11, 23, 13, 45, tzinfo=UTC))  # 20:45 WIB: check-in is open, reminder due
    made = book(hall, phone=PHONE)
    bookings.check_in(hall, made["token"])
    assert stored(hall, made)["outbox"] == []
    receiver = Receiver()
    sender(hall, receiver).tick()
    assert receiver.bodies == []
