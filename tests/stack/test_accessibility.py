"""Accessibility registry over HTTP: facilities, status with reasons and
history, citizens' reports, search and open-data export."""
import csv
import io
import urllib.request

from tests.support import http

OFFICE = "33.71.02"


def test_supervisor_adds_and_changes_facilities_with_reasons_and_history(stack, login):
    sup, clerk = login("super.utara"), login("clerk.utara")
    toilet = {"id": "mgu-toilet-test", "kind": "toilet", "name": {"id": "Toilet difabel", "en": "Accessible toilet"},
              "status": "available", "measurements": {"width_cm": 150, "depth_cm": 230, "door_width_cm": 80}}
    url = f"{stack.url}/api/v1/offices/{OFFICE}/facilities"
    assert http("POST", url, toilet, headers=clerk)[0] == 403
    assert http("POST", url, toilet, headers=login("clerk.selatan"))[0] == 403
    status, _, made = http("POST", url, toilet, headers=sup)
    assert status == 201 and made["effective_status"] == "available"
    assert {i["field"] for i in made["standard_issues"]} == {"width_cm", "door_width_cm"}
    assert http("POST", url, toilet, headers=sup)[0] == 409

    fac = f"{stack.url}/api/v1/facilities/mgu-toilet-test"
    assert http("PATCH", fac, {"status": "broken"}, headers=sup)[0] == 422  # reason required
    assert http("PATCH", fac, {"status": "broken", "reason": "x"}, headers=login("super.jayapura"))[0] == 403
    status, _, changed = http("PATCH", fac, {"status": "broken", "reason": "door lock broken",
                                             "measurements": {"door_width_cm": 95}}, headers=sup)
    assert status == 200 and changed["status"] == "broken"
    assert changed["measurements"] == {"width_cm": 150, "depth_cm": 230, "door_width_cm": 95}
    history = http("GET", f"{fac}/history")[2]
    assert [(h["from"], h["to"]) for h in history] == [(None, "available"), ("available", "broken")]
    assert history[-1]["reason"] == "door lock broken" and history[-1]["actor"] == "staff:supervisor"


def test_citizen_report_is_kept_with_a_masked_contact(stack, login):
    url = f"{stack.url}/api/v1/facilities/mgu-ramp-main/reports"
    assert http("POST", url, {"description": "ok"})[0] == 422
    assert http("POST", url, {"description": "Ramp is blocked by motorbikes", "contact": "12"})[0] == 422
    status, _, report = http("POST", url, {"description": "Ramp is blocked by motorbikes",
                                           "contact": "0812-3456-7890"})
    assert status == 201 and report["state"] == "open" and "contact" not in report
    assert http("POST", f"{stack.url}/api/v1/facilities/nope/reports", {"description": "broken ramp"})[0] == 404
    key = {"Idempotency-Key": "report-retry-0001"}
    once = http("POST", url, {"description": "Handrail loose"}, headers=key)[2]
    assert http("POST", url, {"description": "Handrail loose"}, headers=key)[2]["id"] == once["id"]
    reports = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/facility-reports",
                   headers=login("super.utara"))[2]
    mine = [r for r in reports if r["id"] == report["id"]][0]
    assert mine["contact"] == "0812****7890"


def test_search_and_open_data_export(stack, login):
    url = f"{stack.url}/api/v1/offices/91.71.01/facilities"
    for kind in ("entrance", "toilet"):
        assert http("POST", url, {"id": f"jpu-{kind}", "kind": kind, "status": "available",
                                  "name": {"id": kind, "en": kind}}, headers=login("super.jayapura"))[0] == 201
    found = http("GET", f"{stack.url}/api/v1/accessibility/search?needs=wheelchair,toilets_wheelchair")[2]
    assert [o["office_id"] for o in found] == ["91.71.01"]  # Magelang Utara's ramp alone is "limited"
    assert http("GET", f"{stack.url}/api/v1/accessibility/search?needs=wheelchair&open_now=true")[2] == found
    status, _, problem = http("GET", f"{stack.url}/api/v1/accessibility/search?needs=jetpack")
    assert status == 422 and problem["errors"][0]["field"] == "needs"
    geo = http("GET", f"{stack.url}/api/v1/accessibility/export?format=geojson")[2]
    utara = [f for f in geo["features"] if f["properties"]["ref:kemendagri"] == OFFICE][0]
    assert utara["properties"]["wheelchair"] in ("yes", "limited", "no", "unknown")
    assert any(f["id"] == "mgu-ramp-main" for f in utara["properties"]["facilities"])
    with urllib.request.urlopen(f"{stack.url}/api/v1/accessibility/export?format=csv") as resp:
        assert resp.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(resp.read().decode())))
    assert any(r["facility_id"] == "mgu-ramp-main" and r["office_id"] == OFFICE for r in rows)
    assert http("GET", f"{stack.url}/api/v1/accessibility/export?format=xml")[0] == 422


def test_measurements_are_typed_and_a_bad_one_is_a_422_naming_the_field(stack, login):
    sup = login("super.utara")
    url = f"{stack.url}/api/v1/offices/{OFFICE}/facilities"
    ramp = {"id": "mgu-ramp-typed", "kind": "ramp", "name": {"id": "Ram samping", "en": "Side ramp"},
            "status": "available", "measurements": {"slope_degrees": "steep", "colour": "red"}}
    status, _, problem = http("POST", url, ramp, headers=sup)
    assert status == 422
    assert {e["field"] for e in problem["errors"]} == {"measurements.slope_degrees", "measurements.colour"}
    ramp["measurements"] = {"slope_degrees": 5.5, "location": "inside", "width_cm": 100}
    status, _, made = http("POST", url, ramp, headers=sup)
    assert status == 201 and made["standard_issues"] == []  # 5.5° inside is under 1:10
    fac = f"{stack.url}/api/v1/facilities/mgu-ramp-typed"
    status, _, problem = http("PATCH", fac, {"measurements": {"width_cm": 5000}}, headers=sup)
    assert status == 422 and problem["errors"][0]["field"] == "measurements.width_cm"
    status, _, changed = http("PATCH", fac, {"measurements": {"location": "outside"}}, headers=sup)
    assert status == 200 and [i["field"] for i in changed["standard_issues"]] == ["slope_degrees"]


def test_reload_keeps_verification_and_supervisors_see_what_to_verify(stack, login):
    from tests.support import TEST_OFFICES
    before = {f["id"]: f for f in http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/accessibility")[2]["facilities"]}
    done = stack.manage("load-offices", TEST_OFFICES)
    assert done.returncode == 0, done.stderr
    after = {f["id"]: f for f in http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/accessibility")[2]["facilities"]}
    assert after["mgu-ramp-main"]["verified_at"] == before["mgu-ramp-main"]["verified_at"]

    url = f"{stack.url}/api/v1/offices/{OFFICE}/facilities/unverified"
    assert http("GET", url, headers=login("clerk.utara"))[0] == 403
    assert http("GET", url, headers=login("super.jayapura"))[0] == 403
    # Age one facility's verification past 180 days, straight in its database.
    from pymongo import MongoClient
    import datetime as dt
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=200)
    with MongoClient(stack.mongo.uri) as client:
        facilities = client.senja_accessibility.facilities
        kept = facilities.find_one({"_id": "mgu-ramp-main"})["verified_at"]
        facilities.update_one({"_id": "mgu-ramp-main"}, {"$set": {"verified_at": old}})
        try:
            status, _, todo = http("GET", url, headers=login("super.utara"))
            assert status == 200 and "mgu-ramp-main" in [f["id"] for f in todo]
            assert [f["effective_status"] for f in todo if f["id"] == "mgu-ramp-main"] == ["unknown"]
            assert all(f["id"] != "mgu-toilet-test" for f in todo)  # verified when added
        finally:
            facilities.update_one({"_id": "mgu-ramp-main"}, {"$set": {"verified_at": kept}})


def test_a_bad_stored_record_is_skipped_not_a_failure(stack, login):
    from pymongo import MongoClient
    with MongoClient(stack.mongo.uri) as client:
        client.senja_accessibility.facilities.insert_one(
            {"_id": "mgu-broken-record", "id": "mgu-broken-record", "office_id": OFFICE,
             "kind": "teleporter", "measurements": {"slope_degrees": "steep"}})
    try:
        status, _, office = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/accessibility")
        assert status == 200 and "mgu-broken-record" not in [f["id"] for f in office["facilities"]]
        assert http("GET", f"{stack.url}/api/v1/accessibility/search?needs=wheelchair")[0] == 200
        for fmt in ("geojson", "csv", "a11yjson"):
            status, _, body = http("GET", f"{stack.url}/api/v1/accessibility/export?format={fmt}")
            assert status == 200 and "mgu-broken-record" not in str(body)
        assert "mgu-broken-record" in stack.logs()["accessibility"]  # reported
    finally:
        with MongoClient(stack.mongo.uri) as client:
            client.senja_accessibility.facilities.delete_one({"_id": "mgu-broken-record"})


def test_a11yjson_export_validates_and_csv_is_spreadsheet_safe(stack, login):
    from tests.unit.test_opendata import validate_a11yjson
    sup = login("super.utara")
    made = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/facilities",
                {"id": "mgu-formula", "kind": "braille_forms", "status": "available",
                 "name": {"id": "=HYPERLINK(\"http://x\")", "en": "+cmd"}}, headers=sup)
    assert made[0] == 201, made
    with urllib.request.urlopen(f"{stack.url}/api/v1/accessibility/export?format=a11yjson") as resp:
        assert resp.headers["Content-Type"].startswith("application/geo+json")
        text = resp.read().decode()
    result = validate_a11yjson(text)
    assert result["checked"] >= 3 and result["errors"] == []
    with urllib.request.urlopen(f"{stack.url}/api/v1/accessibility/export?format=csv") as resp:
        rows = list(csv.DictReader(io.StringIO(resp.read().decode())))
    assert [r["name"] for r in rows if r["facility_id"] == "mgu-formula"] == ["'=HYPERLINK(\"http://x\")"]
