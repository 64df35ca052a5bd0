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
