import datetime as dt
import uuid

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
    assert domain.mean_service_seconds([]) is None
    assert domain.mean_service_seconds([60, 120, 0, None]) == 90
    assert domain.estimate_wait_minutes(6, 300, 2) == 15
    assert domain.estimate_wait_minutes(6, None, 2) is None  # no basis: say so
    assert domain.estimate_wait_minutes(6, 300, 0) is None  # no counter open
    assert domain.estimate_wait_minutes(0, None, 1) == 0
    assert domain.service_seconds_basis({"typical_minutes": 6}, None) == 360
    assert domain.service_seconds_basis({"typical_minutes": 6}, 100) == 100


def test_percentile_nearest_rank():
    assert domain.percentile([], 90) is None
    assert domain.percentile(list(range(1, 11)), 90) == 9
    assert domain.percentile([5], 90) == 5
