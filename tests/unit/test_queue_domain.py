import datetime as dt
import uuid

import pytest

from services.queue import domain


def test_numbers_and_tokens():
    assert domain.format_number("A", 1) == "A-001"
    assert domain.format_number("B", 1234) == "B-1234"
    tokens = {domain.ticket_token("k", uuid.uuid4().hex) for _ in range(1000)}
    assert len(tokens) == 1000 and all(len(t) == 32 for t in tokens)  # 192 bits
    assert domain.ticket_token("k", "id-1") == domain.ticket_token("k", "id-1")
    assert domain.ticket_token("k", "id-1") != domain.ticket_token("other-key", "id-1")
    assert domain.token_key("abc") != domain.token_key("abd") and len(domain.token_key("x")) == 64


def test_priority_goes_first_but_cannot_starve_ordinary_tickets():
    t0 = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.timezone.utc)
    ordinary = domain.sort_key(t0, None, 20)
    early_priority = domain.sort_key(t0 + dt.timedelta(minutes=19), "elderly", 20)
    late_priority = domain.sort_key(t0 + dt.timedelta(minutes=21), "disability", 20)
    assert early_priority < ordinary < late_priority


def test_people_ahead_and_estimates():
    assert domain.people_ahead(5.0, [1.0, 2.0, 5.0, 9.0]) == 2
    assert domain.estimate_wait_minutes(6, 300, 2) == 15
    assert domain.estimate_wait_minutes(6, None, 2) is None  # no basis: say so
    assert domain.estimate_wait_minutes(6, 300, 0) is None  # no counter open
    assert domain.estimate_wait_minutes(0, None, 1) == 0


def test_percentile_nearest_rank():
    assert domain.percentile([], 90) is None
    assert domain.percentile(list(range(1, 11)), 90) == 9
    assert domain.percentile([5], 90) == 5


# --- queue fairness on a busy day (issue 10): table-driven ---------------------------
T0 = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))  # a Friday, WIB


def at(hh, mm):
    return T0.replace(hour=hh, minute=mm)


FRIDAY = [(at(8, 0), at(11, 0)), (at(13, 0), at(16, 0)), (at(19, 0), at(21, 0))]  # prayer and evening breaks


@pytest.mark.parametrize("now,rest,ahead,basis,counters,served", [
    # 10 ahead at 6 min with 1 counter need 66 min: 30 min left of the session, but
    # the afternoon and evening sessions follow the breaks: served the same day.
    (at(10, 30), [(at(10, 30), at(11, 0))] + FRIDAY[1:], 10, 360, 1, True),
    # Only the last session is left: 30 min cannot hold 66 min of work.
    (at(20, 30), [(at(20, 30), at(21, 0))], 10, 360, 1, False),
    # A priority ticket judged by its own place: nobody ahead, 6 min fit in 30.
    (at(20, 30), [(at(20, 30), at(21, 0))], 0, 360, 1, True),
    # Before any counter opens, the three counters that serve it are assumed, not one.
    (at(20, 30), [(at(20, 30), at(21, 0))], 12, 360, 3, True),   # (12/3 + 1) x 6 = 30 min
    (at(20, 30), [(at(20, 30), at(21, 0))], 15, 360, 3, False),
    # No basis: no refusal.
    (at(20, 55), [(at(20, 55), at(21, 0))], 50, None, 1, True),
])
def test_can_serve_today(now, rest, ahead, basis, counters, served):
    assert domain.can_serve_today(now, rest, ahead, basis, counters) is served


@pytest.mark.parametrize("today,typical,basis", [
    ([], 6, 360),                               # nothing measured today: the configured time
    ([], None, None),                           # and without one: unknown
    ([300, 10800], None, None),                 # two services are not a basis yet
    ([300, 320, 10800], None, 320),             # a three-hour service moves the median one place
    ([300, 50400, 310, 290], 6, 305),           # a ticket left "called" overnight likewise
    ([300] * 20 + [10800] * 3, None, 300),      # the last 15 count
])
def test_service_time_basis_is_a_robust_median_of_today(today, typical, basis):
    assert domain.service_seconds_basis({"typical_minutes": typical}, today) == basis


def test_equal_call_order_keys_go_by_arrival_then_id():
    ordinary_at = T0
    priority_at = T0 + dt.timedelta(minutes=20)  # exactly the boost later: same sort_key
    ordinary = {"_id": "b", "sort_key": domain.sort_key(ordinary_at, None), "queued_at": ordinary_at}
    priority = {"_id": "a", "sort_key": domain.sort_key(priority_at, "elderly"), "queued_at": priority_at}
    assert ordinary["sort_key"] == priority["sort_key"]
    assert sorted([priority, ordinary], key=domain.call_order_key) == [ordinary, priority]
    e1 = domain.line_entry(ordinary["sort_key"], ordinary_at, 2e9, "b")
    e2 = domain.line_entry(priority["sort_key"], priority_at, 2e9, "a")
    assert e1 < e2  # the line's summary keeps the same order as text
    assert domain.ahead_in_line([e1, e2], e2, 1e9) == 1
    assert domain.ahead_in_line([e1, e2], e2, 3e9) == 0  # their session is over: not waiting


def test_a_no_show_is_undoable_for_two_minutes_only():
    from services.queue.domain import UNDO_NO_SHOW_SECONDS, no_show_undoable
    assert UNDO_NO_SHOW_SECONDS == 120
    assert no_show_undoable(1000.0, 1000.0) and no_show_undoable(1000.0, 1120.0)
    assert not no_show_undoable(1000.0, 1120.5) and not no_show_undoable(None, 1000.0)
    assert no_show_undoable(1000.0, 999.5)  # another instance's clock a little behind
    assert not no_show_undoable(1000.0, 998.0)  # far behind the mark: not trusted
