"""Book ahead on a phone, check in at the kiosk, be called: headless Chromium
against the real stack (tests/e2e/booking_flow.mjs); axe-core on every page,
screenshots in test-artifacts/screenshots/."""
import re

import pytest

from gateway.ratelimit import kiosk_key
from tests.e2e.conftest import CLERK, OFFICE, PASSWORD, run_flow

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def run(stack):
    return run_flow("booking_flow.mjs", stack, "e2e-booking-results.json", SENJA_CLERK=CLERK,
                    SENJA_PASSWORD=PASSWORD, SENJA_KIOSK_KEY=kiosk_key(stack.secret, OFFICE))


def test_the_scenario_ran_to_the_end(run):
    assert run["ok"], run.get("error")


def test_booked_on_a_phone_with_code_qr_and_calendar_file(run):
    checks = run["checks"]
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{8}", checks["booking_code"])
    assert checks["booking_phone_masked"] and not checks["booking_phone_clear"]
    assert checks["booking_ics"] and checks["booking_qr"]


def test_checked_in_at_the_kiosk_and_called_by_the_clerk(run):
    checks = run["checks"]
    assert re.fullmatch(r"A-\d{3}", checks["kiosk_number"])
    assert checks["ticket_url"].startswith("/t/")
    assert checks["booking_code"] in checks["arrivals_row"] and "Sudah check-in" in checks["arrivals_row"]
    assert checks["office_chosen"] == OFFICE and checks["counter_chosen"] == "2" and checks["counter_current"] == checks["kiosk_number"]
    assert checks["citizen_called_text"] == "Dipanggil! Silakan menuju Loket 2"


def test_axe_clean_reflow_and_screenshots(run):
    assert {"book-slots", "booking", "kiosk-booking", "kiosk-booking-done", "ticket-booked",
            "counter-arrivals"} <= set(run["axe"])
    assert {page: found["serious"] for page, found in run["axe"].items() if found["serious"]} == {}
    assert {page: width for page, width in run["reflow"].items() if width > 320} == {}
    assert not run["console_errors"] and not run["csp_violations"]
    assert len(run["screenshots"]) >= 12
