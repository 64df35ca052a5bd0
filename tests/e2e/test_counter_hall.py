"""The counter hall end to end in headless Chromium: kiosk, counter console,
citizen's ticket page and display board against the real running stack.

One browser run (tests/e2e/flows.mjs) walks the whole scenario and reports
JSON; the tests below each assert one part of it. Screenshots of every page at
phone and desktop width land in test-artifacts/screenshots/ for people to look at.
"""
import os
import re

import pytest

from gateway.ratelimit import kiosk_key
from tests.e2e.conftest import CLERK, OFFICE, PASSWORD, run_flow

pytestmark = pytest.mark.stack
FEW_SECONDS = 8  # the ticket page polls every 4 s, the board every 2.5 s


@pytest.fixture(scope="module")
def run(stack):
    return run_flow("flows.mjs", stack, "e2e-results.json", SENJA_CLERK=CLERK, SENJA_PASSWORD=PASSWORD,
                    SENJA_KIOSK_KEY=kiosk_key(stack.secret, OFFICE))


def test_the_scenario_ran_to_the_end(run):
    assert run["ok"], run.get("error")


def test_kiosk_issues_a_ticket_with_qr_code(run):
    checks = run["checks"]
    assert re.fullmatch(r"A-\d{3}", checks["kiosk_number"])
    assert re.fullmatch(r"/t/[A-Za-z0-9_-]{16,64}", checks["kiosk_page_url"])
    assert checks["kiosk_qr_ok"] and checks["kiosk_focus_on_ticket"]
    # The provisioned kiosk keeps its key in a cookie, not in the address; its ticket shows office, date, time.
    assert checks["kiosk_key_left_the_address"]
    assert checks["kiosk_printed"]["office"] == "Magelang Utara"
    assert re.fullmatch(r"Diambil \w+, \d{1,2} \w+ \d{4}, pukul \d\d\.\d\d", checks["kiosk_printed"]["issued"])
    # Without JavaScript the same form still issues a ticket.
    assert re.fullmatch(r"C-\d{3}", checks["noscript_ticket"])
    assert checks["noscript_qr"].endswith("/qr.svg")


def test_ticket_page_is_rendered_by_the_server(run):
    assert run["checks"]["ticket_server_rendered"] == {"number": run["checks"]["kiosk_number"],
                                                       "status": "waiting"}


def test_clerk_calls_and_citizen_and_board_see_it_within_seconds(run):
    checks, timings = run["checks"], run["timings"]
    number = checks["kiosk_number"]
    assert checks["counter_waiting_shows_ticket"]
    assert checks["counter_current"] == number
    assert checks["citizen_called_text"] == "Dipanggil! Silakan menuju Loket 1"
    assert number in checks["citizen_title"]
    assert timings["citizen_sees_call_s"] < FEW_SECONDS
    assert checks["display_counter"] == "Loket 1"
    assert timings["display_shows_call_s"] < FEW_SECONDS


def test_display_speaks_the_call_in_indonesian(run):
    serial = run["checks"]["kiosk_number"].split("-")[1]
    digits = " ".join(["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
                       "sembilan"][int(d)] for d in serial)
    assert run["checks"]["display_sound_pressed"] == "true"
    assert run["checks"]["display_announcement"] == \
        f"Nomor antrean A {digits}, silakan menuju loket satu"
    assert run["speech"]["phrase"] == "Nomor antrean A nol nol satu, silakan menuju loket dua"
    assert run["speech"]["terbilang"] == ["nol", "tujuh", "sepuluh", "sebelas", "dua belas",
                                          "dua puluh", "dua puluh satu", "seratus",
                                          "seratus lima belas", "dua ratus lima puluh"]
    assert run["speech"]["counters"] == ["loket dua belas", "loket tiga", "loket prioritas", "meja A"]


def test_recall_and_no_show_show_on_the_citizens_page(run):
    checks, timings = run["checks"], run["timings"]
    assert checks["citizen_recall_text"].endswith("Ini panggilan ke-2.")  # as the board counts
    assert checks["display_recall_extra"] == "panggilan ke-2"
    assert timings["citizen_sees_recall_s"] < FEW_SECONDS
    assert checks["citizen_no_show_text"] == "Tidak hadir"
    assert timings["citizen_sees_no_show_s"] < FEW_SECONDS


def test_console_survives_reload_and_network_drop(run):
    checks = run["checks"]
    assert checks["counter_after_reload"] == checks["kiosk_number"]
    assert checks["counter_offline_banner"]
    assert checks["counter_live_after_retry"] == f"{checks['kiosk_number']} dicatat tidak hadir."
    assert re.fullmatch(r"C-\d{3}:called:0", checks["second_call"])
    assert checks["counter_error_text"] == ""


def test_unknown_ticket_and_english(run):
    checks = run["checks"]
    assert checks["ticket_unknown_status"] == 404
    assert checks["unknown_heading"] == "Tiket tidak ditemukan"
    assert checks["english"] == {"lang": "en", "status": "Missed"}
    assert checks["english_remembered"] == "en"


def test_every_page_sends_csp_and_breaks_none_of_it(run):
    statuses = {k: v for k, v in run["checks"].items() if k.endswith("_csp")}
    assert statuses and all(statuses.values()), statuses
    assert run["csp_violations"] == []
    assert run["console_errors"] == []
    assert run["checks"]["static_headers"]["cache"] == "public, max-age=31536000, immutable"


def test_axe_finds_no_serious_or_critical_violation(run):
    assert len(run["axe"]) >= 10 and all(n > 20 for n in run["axe_passes"].values())
    serious = {page: found["serious"] for page, found in run["axe"].items() if found["serious"]}
    assert serious == {}


def test_pages_reflow_at_320_px(run):
    assert {page: width for page, width in run["reflow"].items() if width > 320} == {}


def test_screenshots_at_phone_and_desktop_width(run):
    shots = run["screenshots"]
    for size in ("360x740", "1280x800"):
        assert sum(size in path for path in shots) >= 10
    assert all(os.path.getsize(path) > 1000 for path in shots)
