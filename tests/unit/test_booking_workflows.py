"""Booking workflows without nameko: a real nx-27017, a fixed clock, events in a list."""
import datetime as dt
import threading

import pytest

from services.common.errors import Conflict, Invalid, NotFound
from services.queue import bookings, counter_actions, issuing, views
from tests.unit.test_queue_workflows import client, hall, server  # noqa: F401 (fixtures)

UTC = dt.timezone.utc
OFFICE = "33.71.02"
# The hall's clock: 2026-11-23 12:00:00.123 UTC = 19:00 WIB; KTP slots are 30 minutes, 2 places.
SLOT = "2026-11-23T20:00:00+07:00"


def book(ctx, slot=SLOT, **extra):
    return bookings.book(ctx, OFFICE, {"service": "KTP", "slot_start": slot, **extra})


def names(ctx):
    return [n for n, _ in ctx.published]


def test_slots_show_capacity_and_what_is_free(hall):
    book(hall)
    day = bookings.slots(hall, OFFICE, {"service": "KTP", "date": "2026-11-23"})
    assert len(day) == 48 and day[0]["start"] == "2026-11-23T00:00+07:00"
    by_start = {s["start"]: s for s in day}
    assert by_start["2026-11-23T20:00+07:00"] == {"start": "2026-11-23T20:00+07:00",
                                                  "end": "2026-11-23T20:30+07:00", "capacity": 2, "free": 1}
    assert by_start["2026-11-23T18:30+07:00"]["free"] == 0  # started already
    with pytest.raises(Invalid):
        bookings.slots(hall, OFFICE, {"service": "KTP", "date": "2026-12-08"})  # 15 days ahead
    with pytest.raises(Invalid):
        bookings.slots(hall, OFFICE, {"service": "UMUM", "date": "2026-11-23"})  # no bookings


def test_a_slot_takes_its_capacity_and_no_more(hall):
    first, second = book(hall), book(hall)
    assert first["code"] != second["code"] and first["token"] != second["token"]
    full = pytest.raises(Conflict, book, hall)
    assert full.value.extra["reason"] == "full"
    past = pytest.raises(Conflict, book, hall, "2026-11-23T18:30:00+07:00")
    assert past.value.extra["reason"] == "past"
    assert names(hall) == ["booking_made", "booking_made"]


def test_threads_racing_for_one_slot_never_exceed_it(hall):
    results = []

    def attempt():
        try:
            results.append(book(hall, "2026-11-24T09:00:00+07:00")["code"])
        except Conflict as exc:
            results.append(exc.extra["reason"])
    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("full") == 10 and len(set(results) - {"full"}) == 2


def test_idempotent_booking_hands_back_the_first(hall):
    first = bookings.book(hall, OFFICE, {"service": "KTP", "slot_start": SLOT}, idempotency_key="k-00000001")
    again = bookings.book(hall, OFFICE, {"service": "KTP", "slot_start": SLOT}, idempotency_key="k-00000001")
    assert again["replayed"] and again["token"] == first["token"] and again["code"] == first["code"]
    assert bookings.slots(hall, OFFICE, {"service": "KTP", "date": "2026-11-23"})[40]["free"] == 1
    with pytest.raises(Invalid):
        bookings.book(hall, OFFICE, {"service": "KTP", "slot_start": "2026-11-23T20:30:00+07:00"},
                      idempotency_key="k-00000001")


def test_phone_is_kept_normalised_and_shown_masked(hall):
    made = book(hall, phone="0812-3456-7890")
    assert made["phone"] == "+62812*****890"
    stored = hall.store.booking.by_code(OFFICE, made["code"])
    assert stored["phone"] == "+6281234567890"
    assert all("+6281234567890" not in str(p) for _, p in hall.published)
    with pytest.raises(Invalid):
        book(hall, phone="12345678")


@pytest.mark.parametrize("slot", ["9999-12-31T23:59:00-12:00", "2026-11-23T20:00:00", "tomorrow", ""])
def test_bad_slot_times_are_refused_by_field(hall, slot):
    refused = pytest.raises(Invalid, book, hall, slot)
    assert refused.value.errors[0]["field"] == "slot_start"


def test_cancel_returns_the_place_once(hall):
    made = book(hall)
    book(hall)
    assert bookings.cancel(hall, made["token"])["status"] == "cancelled"
    again = pytest.raises(Conflict, bookings.cancel, hall, made["token"])
    assert again.value.extra["reason"] == "illegal_transition"
    assert book(hall)["status"] == "booked"  # the one place came back
    assert pytest.raises(Conflict, book, hall).value.extra["reason"] == "full"


def test_check_in_makes_a_ticket_at_the_slots_start(hall):
    counter_actions.act(hall, OFFICE, "2", "open")  # KTP only
    made = book(hall)
    early = pytest.raises(Conflict, bookings.check_in, hall, made["token"])
    assert early.value.extra["reason"] == "too_early"
    hall.clock.at = dt.datetime(2026, 11, 23, 12, 40, tzinfo=UTC)   # 19:40 WIB
    before = issuing.issue_ticket(hall, OFFICE, {"service": "KTP"})  # came before the slot
    ticket = bookings.check_in(hall, made["token"], channel="kiosk")
    assert ticket["status"] == "waiting" and ticket["number"].startswith("A-") and ticket["token"]
    assert ticket["people_ahead"] == 1
    hall.clock.at = dt.datetime(2026, 11, 23, 13, 5, tzinfo=UTC)    # 20:05: after the slot's start
    after = issuing.issue_ticket(hall, OFFICE, {"service": "KTP"})
    assert after["people_ahead"] == 2
    again = bookings.check_in(hall, made["token"])  # a second tap: the same ticket
    assert again["number"] == ticket["number"] and again["token"] == ticket["token"]
    assert bookings.status(hall, made["token"])["ticket_number"] == ticket["number"]
    order = [counter_actions.act(hall, OFFICE, "2", a)["ticket"]["number"]
             for a in ("call_next", "complete", "call_next", "complete", "call_next")]
    assert order[0] == before["number"] and order[2] == ticket["number"] and order[4] == after["number"]
    assert "booking_checked_in" in names(hall) and "ticket_issued" in names(hall)


def test_no_show_at_window_end_frees_the_place_once(hall):
    made = book(hall)
    hall.clock.at = dt.datetime(2026, 11, 23, 13, 15, tzinfo=UTC)   # 20:15 WIB: the window closed
    assert bookings.sweep_no_shows(hall) == 1
    assert bookings.sweep_no_shows(hall) == 0
    assert bookings.status(hall, made["token"])["status"] == "no_show"
    late = pytest.raises(Conflict, bookings.check_in, hall, made["token"])
    assert late.value.extra["reason"] == "no_show"
    assert pytest.raises(Conflict, bookings.cancel, hall, made["token"]).value.extra["reason"] == "illegal_transition"
    assert names(hall).count("booking_no_show") == 1
    stored = hall.store.booking.by_code(OFFICE, made["code"])
    slot = hall.store.booking.slots.find_one({"_id": stored["slot_id"]})
    assert slot["taken"] == 0


def test_lazy_no_show_on_read(hall):
    made = book(hall)
    hall.clock.at = dt.datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert bookings.status(hall, made["token"])["status"] == "no_show"
    assert bookings.sweep_no_shows(hall) == 0


def test_kiosk_check_in_by_code_and_day_list(hall):
    made = book(hall, priority_reason="elderly")
    hall.clock.at = dt.datetime(2026, 11, 23, 12, 45, tzinfo=UTC)
    ticket = bookings.check_in_by_code(hall, OFFICE, {"code": made["code"].lower()})
    assert ticket["priority_reason"] == "elderly"
    with pytest.raises(NotFound):
        bookings.check_in_by_code(hall, "33.71.01", {"code": made["code"]})  # another office
    day = bookings.day(hall, OFFICE, {"date": "2026-11-23"})
    assert [b["status"] for b in day] == ["checked_in"] and day[0]["ticket_number"] == ticket["number"]
    assert views.status_by_token(hall, ticket["token"])["number"] == ticket["number"]


def test_a_check_in_that_died_half_way_is_finished_by_a_retry_not_doubled(hall):
    made = book(hall)
    hall.clock.at = dt.datetime(2026, 11, 23, 12, 45, tzinfo=UTC)
    stored = hall.store.booking.by_code(OFFICE, made["code"])
    # The first call moved the booking and died before making its ticket.
    hall.store.booking.move(stored["_id"], "booked", {"status": "checked_in", "changed_at": hall.clock.at,
                                                      "ticket_id": "0" * 32})
    busy = pytest.raises(Conflict, bookings.check_in, hall, made["token"])
    assert busy.value.extra["reason"] == "in_progress"
    hall.clock.at += dt.timedelta(seconds=11)
    ticket = bookings.check_in(hall, made["token"])
    assert ticket["id"] == "0" * 32 and bookings.check_in(hall, made["token"])["number"] == ticket["number"]
