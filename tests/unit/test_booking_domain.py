"""Booking rules (services.queue.booking), table-driven."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.queue import booking, domain

WIB = ZoneInfo("Asia/Jakarta")
OFFICE = {
    "id": "33.71.02", "timezone": "Asia/Jakarta", "observe_national_holidays": True,
    # A day session and an evening session, Friday's midday prayer break, no weekend.
    "sessions": {"mon": [["08:00", "12:00"], ["16:00", "21:00"]],
                 "tue": [["08:00", "12:00"], ["16:00", "21:00"]],
                 "wed": [["08:00", "12:00"], ["16:00", "21:00"]],
                 "thu": [["08:00", "12:00"], ["16:00", "21:00"]],
                 "fri": [["08:00", "11:00"], ["13:30", "15:00"], ["16:00", "21:00"]]},
    "closures": [{"date": "2026-12-09", "reason": "Pilkada"}],
    "cuti_bersama": {"2026": ["2026-12-18", "2026-12-24"]},
}
KTP = {"code": "KTP", "prefix": "A", "booking": {"slot_minutes": 30, "per_slot": 2}}
QUOTA = {"code": "IZIN", "prefix": "B", "daily_quota": 5,
         "booking": {"slot_minutes": 60, "per_slot": 2}}
WALK_IN_ONLY = {"code": "UMUM", "prefix": "C"}


def at(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=WIB)


@pytest.mark.parametrize("day, service, count, first, last", [
    # Mon 7 Dec 2026: 08-12 = 8 slots, 16-21 = 10 slots (the evening has slots too).
    ("2026-12-07", KTP, 18, "08:00", "20:30"),
    # Friday: 08-11 = 6, 13:30-15:00 = 3, 16-21 = 10.
    ("2026-12-11", KTP, 19, "08:00", "20:30"),
    ("2026-12-09", KTP, 0, None, None),     # the office's own closure (Pilkada)
    ("2026-12-24", KTP, 0, None, None),     # cuti bersama
    ("2026-12-25", KTP, 0, None, None),     # Christmas: a national holiday
    ("2026-12-12", KTP, 0, None, None),     # Saturday: no sessions
    ("2026-12-07", WALK_IN_ONLY, 0, None, None),  # takes no bookings
    # 60-minute slots: 4 by day, 5 in the evening.
    ("2026-12-07", QUOTA, 9, "08:00", "20:00"),
])
def test_slots_come_from_sessions_and_calendar(day, service, count, first, last):
    slots = booking.slots_on(OFFICE, service, dt.date.fromisoformat(day))
    assert len(slots) == count
    if count:
        assert slots[0][0].strftime("%H:%M") == first
        assert slots[-1][0].strftime("%H:%M") == last
        assert all(end - start == dt.timedelta(minutes=service["booking"]["slot_minutes"])
                   for start, end, _ in slots)


def test_slot_that_would_pass_session_end_is_not_offered():
    svc = {"code": "X", "prefix": "X", "booking": {"slot_minutes": 45, "per_slot": 1}}
    slots = booking.slots_on(OFFICE, svc, dt.date(2026, 12, 7))
    # 08:00..11:15 start (11:15 + 45 = 12:00); evening 16:00..19:45 (20:30 + 45 would pass 21:00).
    starts = [s[0].strftime("%H:%M") for s in slots]
    assert starts[4] == "11:00" and starts[5] == "16:00" and starts[-1] == "19:45"
    assert max(end for _, end, _ in slots) == at("2026-12-07T20:30")


@pytest.mark.parametrize("service, capacities", [
    (KTP, [2] * 18),                                   # no quota: every slot takes per_slot
    (QUOTA, [2, 2, 1, 0, 0, 0, 0, 0, 0]),              # quota 5 caps the day from its first slots
    ({**QUOTA, "booking": {**QUOTA["booking"], "max_per_day": 3}}, [2, 1] + [0] * 7),
])
def test_daily_quota_caps_the_days_places(service, capacities):
    slots = booking.slots_on(OFFICE, service, dt.date(2026, 12, 7))
    assert [c for _, _, c in slots] == capacities


NOW = at("2026-12-07T10:10")


@pytest.mark.parametrize("slot, reason", [
    ("2026-12-07T16:00", None),          # this evening
    ("2026-12-07T10:30", None),          # later this morning
    ("2026-12-07T10:00", "past"),        # started ten minutes ago
    ("2026-12-06T08:00", "past"),        # yesterday
    ("2026-12-21T08:00", None),          # 14 days ahead: the last bookable day
    ("2026-12-22T08:00", "too_far"),     # 15 days ahead
    ("2026-12-09T08:00", "closed"),      # closure
    ("2026-12-18T08:00", "closed"),      # cuti bersama
    ("2026-12-07T08:10", "past"),
    ("2026-12-07T16:10", "no_slot"),     # not a slot start
    ("2026-12-07T13:00", "no_slot"),     # between sessions
])
def test_booking_refusals(slot, reason):
    refused = booking.booking_refusal(OFFICE, KTP, at(slot), NOW)
    assert (refused[0] if refused else None) == reason


def test_service_without_slots_refuses_bookings():
    assert booking.booking_refusal(OFFICE, WALK_IN_ONLY, at("2026-12-07T16:00"), NOW)[0] == "not_bookable"


def test_slot_with_no_place_left_under_the_quota_is_full():
    assert booking.booking_refusal(OFFICE, QUOTA, at("2026-12-07T19:00"), NOW)[0] == "full"


SLOT = at("2026-12-07T16:00")


@pytest.mark.parametrize("now, status, reason", [
    ("2026-12-07T15:29", "booked", "too_early"),   # 31 minutes before
    ("2026-12-07T15:30", "booked", None),          # window opens 30 minutes before
    ("2026-12-07T16:00", "booked", None),
    ("2026-12-07T16:14", "booked", None),
    ("2026-12-07T16:15", "booked", "no_show"),     # window closes 15 minutes after
    ("2026-12-07T16:00", "cancelled", "cancelled"),
    ("2026-12-07T16:00", "no_show", "no_show"),
])
def test_check_in_window(now, status, reason):
    b = {"status": status, "slot_start": SLOT}
    refused = booking.check_in_refusal(b, at(now))
    assert (refused[0] if refused else None) == reason


def test_check_in_window_is_stated_as_30_before_15_after():
    assert booking.check_in_window(SLOT) == (at("2026-12-07T15:30"), at("2026-12-07T16:15"))


@pytest.mark.parametrize("now, status, no_show, cancellable", [
    ("2026-12-07T16:14", "booked", False, True),
    ("2026-12-07T16:15", "booked", True, False),
    ("2026-12-07T16:15", "checked_in", False, False),
    ("2026-12-07T12:00", "cancelled", False, False),
])
def test_no_show_and_cancel(now, status, no_show, cancellable):
    b = {"status": status, "slot_start": SLOT}
    assert booking.is_no_show(b, at(now)) is no_show
    assert (booking.cancel_refusal(b, at(now)) is None) is cancellable


@pytest.mark.parametrize("walk_in_at, priority, booked_first", [
    ("2026-12-07T15:50", None, False),   # came before the slot: keeps their place
    ("2026-12-07T16:05", None, True),    # came after the slot's start: the booking goes first
    ("2026-12-07T16:05", "elderly", False),  # priority boost (20 min) puts them before 16:00
    ("2026-12-07T16:25", "elderly", True),   # boosted to 16:05: still after the slot
])
def test_checked_in_booking_is_placed_at_its_slot_start(walk_in_at, priority, booked_first):
    booked = booking.booked_sort_key(SLOT, None)
    walk_in = domain.sort_key(at(walk_in_at), priority)
    assert (booked < walk_in) is booked_first


def test_booked_priority_gets_the_same_boost():
    assert booking.booked_sort_key(SLOT, "pregnant") == SLOT.timestamp() - 20 * 60


@pytest.mark.parametrize("typed, stored", [
    ("abcd-efgh", "ABCDEFGH"), (" k7m2 q9zx ", "K7M2Q9ZX"), ("o1l0ioLO", "01101010"),
])
def test_codes_typed_at_a_kiosk(typed, stored):
    assert booking.normal_code(typed) == stored


def test_short_code_uses_the_unambiguous_alphabet():
    code = booking.short_code()
    assert len(code) == 8 and set(code) <= set(booking.CODE_ALPHABET)
    assert not set("ILOU") & set(booking.CODE_ALPHABET)


@pytest.mark.parametrize("phone, masked", [
    ("+6281234567890", "+62812*****890"), ("+628123456789", "+62812****789"), (None, None),
])
def test_phone_is_masked(phone, masked):
    assert booking.mask_phone(phone) == masked


def test_token_is_unguessable_and_stable():
    a = booking.booking_token("s" * 32, "id1")
    assert a == booking.booking_token("s" * 32, "id1") != booking.booking_token("s" * 32, "id2")
    assert len(a) == 32 and a != domain.ticket_token("s" * 32, "id1")


def test_slot_id_is_utc():
    assert booking.slot_id("33.71.02", "KTP", SLOT) == "33.71.02|KTP|2026-12-07T09:00Z"


def test_demo_offices_offer_slots_in_the_evening_too():
    import os
    import yaml
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    demo = yaml.safe_load(open(os.path.join(root, "gateway", "data", "kota-magelang.yaml")))
    office_cfg = demo["offices"][0]
    by_code = {s["code"]: s for s in office_cfg["services"]}
    monday = dt.date(2026, 12, 7)
    for code in ("KTP", "IZIN"):
        slots = booking.slots_on(office_cfg, by_code[code], monday)
        evening = [s for s in slots if s[0].hour >= 17 and s[2] > 0]
        assert evening and slots[-1][1].strftime("%H:%M") == "21:00", code
