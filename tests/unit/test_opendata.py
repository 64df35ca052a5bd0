"""Open-data exports: CSV safe in spreadsheets (OWASP CSV injection), GeoJSON
without "unknown" tags, and A11yJSON validated against the published schema
(npm @sozialhelden/a11yjson, by tests/opendata/validate-a11yjson.js)."""
import csv
import io
import json
import os
import subprocess

import pytest

from services.accessibility import opendata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VALIDATOR = os.path.join(ROOT, "tests", "opendata", "validate-a11yjson.js")


def view(fid, kind, status="available", measurements=None, issues=(), name="Fasilitas"):
    return {"id": fid, "kind": kind, "name": {"id": name, "en": name}, "status": status,
            "effective_status": status, "verified_at": "2026-11-23T00:00:00+00:00",
            "measurements": measurements or {},
            "standard_issues": [{"field": f, "message": f"{f} short"} for f in issues]}


OFFICES = [
    {"office_id": "33.71.02", "name": "Magelang Utara", "latitude": -7.4528, "longitude": 110.224,
     "summary": {"wheelchair": "yes", "toilets_wheelchair": "yes", "hearing": "unknown",
                 "vision": "yes", "tactile_paving": "unknown", "hearing_loop": "no",
                 "priority_counter": "yes"},
     "facilities": [
         view("mgu-ramp", "ramp", measurements={"slope_degrees": 4.5, "width_cm": 120, "curb": True,
                                                "location": "outside", "handrails": True}),
         view("mgu-entrance", "entrance", measurements={"step_free": True, "door_width_cm": 100,
                                                        "automatic_door": False}),
         view("mgu-toilet", "toilet", measurements={"width_cm": 160, "depth_cm": 230,
                                                    "door_width_cm": 90, "grab_bars": True}),
         view("mgu-counter", "priority_counter", measurements={"height_cm": 75, "knee_space": True}),
         view("mgu-audio", "audio_calls"), view("mgu-display", "visual_display"),
         view("mgu-parking", "parking", measurements={"spaces": 2}),
         view("mgu-sign", "sign_language", measurements={"staff": 1}),
         view("mgu-loop", "hearing_loop", status="broken"),
         view("mgu-old", "guiding_blocks", status="unknown")]},
    {"office_id": "33.71.01", "name": "=HYPERLINK(\"http://evil\")", "latitude": None, "longitude": None,
     "summary": {k: "unknown" for k in ("wheelchair", "toilets_wheelchair", "hearing", "vision",
                                        "tactile_paving", "hearing_loop", "priority_counter")},
     "facilities": [view("mgs-ramp", "ramp", status="limited", name="@SUM(A1:A9)",
                         measurements={"slope_degrees": 8}, issues=("slope_degrees",))]},
]


@pytest.mark.parametrize("text,expected", [
    ("=1+2", "'=1+2"), ("+62 812", "'+62 812"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Ram utama", "Ram utama"), ("", ""),
    (-7.45, -7.45),  # numbers Senja writes itself stay numbers
])
def test_csv_cells_cannot_become_formulas(text, expected):
    assert opendata.safe_cell(text) == expected


def test_csv_export_neutralises_text_and_keeps_measurements():
    rows = list(csv.DictReader(io.StringIO(opendata.csv_text(OFFICES))))
    selatan = [r for r in rows if r["office_id"] == "33.71.01"][0]
    assert selatan["office_name"].startswith("'=") and selatan["name"] == "'@SUM(A1:A9)"
    ramp = [r for r in rows if r["facility_id"] == "mgu-ramp"][0]
    assert ramp["latitude"] == "-7.4528" and json.loads(ramp["measurements"])["slope_degrees"] == 4.5
    assert selatan["standard_issues"] == "slope_degrees short"


def test_geojson_leaves_unknown_tags_out_and_carries_measurements():
    doc = json.loads(opendata.geojson(OFFICES))
    utara, selatan = (f["properties"] for f in doc["features"])
    assert utara["wheelchair"] == "yes" and utara["hearing_loop"] == "no"
    assert "tactile_paving" not in utara
    assert not {"wheelchair", "toilets:wheelchair", "tactile_paving", "hearing_loop"} & set(selatan)
    assert "unknown" not in json.dumps({k: v for k, v in selatan.items() if k != "facilities"})
    ramp = [f for f in utara["facilities"] if f["id"] == "mgu-ramp"][0]
    assert ramp["measurements"]["width_cm"] == 120
    assert doc["features"][1]["geometry"] is None


def test_a11yjson_maps_the_facilities():
    doc = json.loads(opendata.a11yjson(OFFICES))
    utara = doc["features"][0]["properties"]["accessibility"]
    assert utara["wheelchairAccessibilityGrade"] == "fully" and utara["hasInductionLoop"] is False
    assert "hasTactileGuideStrips" not in utara  # unknown is left out
    ramp = [e for e in utara["entrances"] if e["properties"].get("slopeAngle")][0]
    assert ramp["properties"]["slopeAngle"] == {"value": 4.5, "unit": "deg"}
    assert utara["restrooms"][0]["entrance"]["door"]["width"] == {"value": 90, "unit": "cm"}
    assert utara["desks"][0]["fixedHeight"] == {"value": 75, "unit": "cm"}
    assert utara["queueSystem"]["interactions"]["getOnesTurn"]["perception"] == {
        "speech": "always", "visual": "always"}
    assert utara["parking"] == {"forWheelchairUsers": {"count": 2}}
    assert utara["staff"] == {"isTrainedInSigning": True}
    assert doc["features"][0]["geometry"] == {"type": "Point", "coordinates": [110.224, -7.4528]}


def validate_a11yjson(text):
    done = subprocess.run(["node", VALIDATOR], input=text, capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, (
        f"the A11yJSON validator failed (npm ci installs @sozialhelden/a11yjson): {done.stderr}")
    return json.loads(done.stdout)


def test_a11yjson_export_is_valid_against_the_published_schema():
    result = validate_a11yjson(opendata.a11yjson(OFFICES))
    assert result == {"checked": 2, "errors": []}


def test_the_schema_check_catches_a_wrong_document():
    doc = json.loads(opendata.a11yjson(OFFICES))
    doc["features"][0]["properties"]["accessibility"]["hasInductionLoop"] = "maybe"
    doc["features"][0]["properties"]["accessibility"]["wheelchairAccessibilityGrade"] = "yes"
    result = validate_a11yjson(json.dumps(doc))
    assert {e["name"] for e in result["errors"]} == {
        "properties.accessibility.hasInductionLoop",
        "properties.accessibility.wheelchairAccessibilityGrade"}
