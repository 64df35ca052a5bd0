import datetime as dt
import math

import pytest
from marshmallow import ValidationError

from services.accessibility import domain
from services.accessibility.schemas import Facility

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)


def facility(kind, status, verified_days_ago=1, **measurements):
    return {"kind": kind, "status": status, "measurements": measurements,
            "verified_at": NOW - dt.timedelta(days=verified_days_ago)}


def test_missing_or_stale_data_is_unknown_never_no():
    assert domain.summary([], NOW)["wheelchair"] == "unknown"
    stale = [facility("ramp", "available", 400)]
    assert domain.summary(stale, NOW)["wheelchair"] == "unknown"
    assert domain.needs_verification(stale[0], NOW)
    assert domain.needs_verification({"kind": "ramp"}, NOW)
    assert not domain.needs_verification(facility("ramp", "available", 180), NOW)


def test_wheelchair_summary():
    assert domain.summary([facility("ramp", "available"), facility("toilet", "available")], NOW)["wheelchair"] == "yes"
    assert domain.summary([facility("ramp", "available")], NOW)["wheelchair"] == "limited"
    assert domain.summary([facility("ramp", "broken")], NOW)["wheelchair"] == "no"


def test_a_facility_that_breaks_the_standard_lowers_the_summary():
    steep = facility("ramp", "available", slope_degrees=8, location="outside")
    toilet = facility("toilet", "available", width_cm=160, depth_cm=230, door_width_cm=90)
    assert domain.summary([steep, toilet], NOW)["wheelchair"] == "limited"
    fine = facility("ramp", "available", slope_degrees=4.5, location="outside")
    assert domain.summary([fine, toilet], NOW)["wheelchair"] == "yes"
    small = facility("toilet", "available", width_cm=140, depth_cm=200)
    assert domain.summary([fine, small], NOW)["toilets_wheelchair"] == "limited"


def test_stricter_of_degrees_and_ratio_is_the_limit():
    # Permen PUPR 14/PRT/M/2017: inside ≤ 6° or 1:10; outside ≤ 5° or 1:12.
    assert math.isclose(domain.ratio_degrees(1, 10), 5.7106, abs_tol=1e-4)
    assert math.isclose(domain.ratio_degrees(1, 12), 4.7636, abs_tol=1e-4)
    assert domain.RAMP_MAX_DEGREES_INSIDE == domain.ratio_degrees(1, 10)
    assert domain.RAMP_MAX_DEGREES_OUTSIDE == domain.ratio_degrees(1, 12)


# Thresholds of Permen PUPR 14/PRT/M/2017 (annex, accessibility), as DOMAIN.md
# summarises them: each row is one side of one limit.
@pytest.mark.parametrize("kind,measurements,fields", [
    ("ramp", {"slope_degrees": 5.7, "location": "inside"}, set()),         # under 1:10
    ("ramp", {"slope_degrees": 5.8, "location": "inside"}, {"slope_degrees"}),  # over 1:10, under 6°
    ("ramp", {"slope_degrees": 4.7, "location": "outside"}, set()),        # under 1:12
    ("ramp", {"slope_degrees": 4.9, "location": "outside"}, {"slope_degrees"}),  # over 1:12, under 5°
    ("ramp", {"slope_degrees": 4.9}, {"slope_degrees"}),                  # unknown location: outside
    ("ramp", {"width_cm": 95}, set()),
    ("ramp", {"width_cm": 94}, {"width_cm"}),
    ("ramp", {"width_cm": 110, "curb": True}, {"width_cm"}),              # with a curb: 120
    ("ramp", {"width_cm": 120, "curb": True}, set()),
    ("ramp", {"landing_cm": 119}, {"landing_cm"}),
    ("ramp", {"landing_cm": 120}, set()),
    ("ramp", {"handrails": False}, {"handrails"}),
    ("ramp", {"handrails": True, "handrail_height_cm": 90}, {"handrail_height_cm"}),
    ("ramp", {"handrails": True, "handrail_height_cm": 70}, set()),
    ("toilet", {"width_cm": 152.5, "depth_cm": 227.5, "door_width_cm": 90}, set()),
    ("toilet", {"width_cm": 227.5, "depth_cm": 152.5}, set()),             # the other orientation
    ("toilet", {"width_cm": 150, "depth_cm": 230}, {"width_cm"}),
    ("toilet", {"width_cm": 230, "depth_cm": 150}, {"depth_cm"}),
    ("toilet", {"door_width_cm": 89}, {"door_width_cm"}),
    ("entrance", {"door_width_cm": 90}, set()),
    ("entrance", {"door_width_cm": 85}, {"door_width_cm"}),
    ("entrance", {"step_free": False}, {"step_free"}),
    ("entrance", {"step_free": False, "ramp": True}, set()),
    ("priority_counter", {"height_cm": 75}, set()),
    ("priority_counter", {"height_cm": 90}, {"height_cm"}),
])
def test_permen_pupr_thresholds(kind, measurements, fields):
    assert {f for f, _ in domain.standard_issues(kind, measurements)} == fields


@pytest.mark.parametrize("kind,measurements,field", [
    ("ramp", {"slope_degrees": "5"}, "measurements.slope_degrees"),
    ("ramp", {"slope_degrees": 60}, "measurements.slope_degrees"),
    ("ramp", {"slope_degrees": float("nan")}, "measurements.slope_degrees"),
    ("ramp", {"handrails": "yes"}, "measurements.handrails"),
    ("ramp", {"location": "roof"}, "measurements.location"),
    ("ramp", {"colour": "red"}, "measurements.colour"),
    ("toilet", {"width_cm": 5}, "measurements.width_cm"),
    ("toilet", {"width_cm": True}, "measurements.width_cm"),
    ("parking", {"spaces": 2.5}, "measurements.spaces"),
    ("audio_calls", {"volume": 3}, "measurements.volume"),
])
def test_measurements_are_typed_per_kind(kind, measurements, field):
    assert [f for f, _ in domain.measurement_problems(kind, measurements)] == [field]
    with pytest.raises(ValidationError) as err:
        Facility().load({"id": "abc-1", "office_id": "33.71.02", "kind": kind,
                         "name": {"id": "x", "en": "x"}, "measurements": measurements})
    assert field.split(".")[1] in err.value.messages["measurements"]


def test_every_kind_has_its_measurements_declared():
    assert set(domain.MEASUREMENTS) == set(domain.KINDS)
    assert domain.measurement_problems("ramp", {"slope_degrees": 4, "width_cm": 120, "curb": True,
                                                "location": "inside", "handrails": True}) == []
