import datetime as dt

from services.accessibility import domain

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)


def facility(kind, status, verified_days_ago=1):
    return {"kind": kind, "status": status, "verified_at": NOW - dt.timedelta(days=verified_days_ago)}


def test_missing_or_stale_data_is_unknown_never_no():
    assert domain.summary([], NOW)["wheelchair"] == "unknown"
    stale = [facility("ramp", "available", 400)]
    assert domain.summary(stale, NOW)["wheelchair"] == "unknown"


def test_wheelchair_summary():
    assert domain.summary([facility("ramp", "available"), facility("toilet", "available")], NOW)["wheelchair"] == "yes"
    assert domain.summary([facility("ramp", "available")], NOW)["wheelchair"] == "limited"
    assert domain.summary([facility("ramp", "broken")], NOW)["wheelchair"] == "no"


def test_permen_pupr_checks():
    issues = dict(domain.standard_issues("ramp", {"slope_degrees": 7, "width_cm": 90, "location": "inside"}))
    assert set(issues) == {"slope_degrees", "width_cm"}
    assert domain.standard_issues("ramp", {"slope_degrees": 6, "location": "inside"}) == []
    assert [f for f, _ in domain.standard_issues("toilet", {"door_width_cm": 80})] == ["door_width_cm"]
