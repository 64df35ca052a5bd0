"""The citizen's phone and the clerk's console end to end in headless Chromium
(tests/e2e/phone_flows.mjs) against the real stack: a phone ticket without a
kiosk key, remembered on the device; the network dropped and restored on the
ticket page; recalls counted alike, the warning before the last one, a
no-show taken back; the office page and /access on a 360 px phone."""
import os
import re

import pytest

from tests.e2e.conftest import CLERK, OFFICE, PASSWORD, run_flow

pytestmark = pytest.mark.stack
POLL_INTERVAL_S = 4  # static/js/ticket.js while waiting


SUPERVISOR = "super.phone"


@pytest.fixture(scope="module")
def run(stack):
    made = stack.manage("create-staff", "--username", SUPERVISOR, "--office", OFFICE,
                        "--role", "supervisor", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    return run_flow("phone_flows.mjs", stack, "e2e-phone-results.json", SENJA_CLERK=CLERK,
                    SENJA_PASSWORD=PASSWORD, SENJA_SUPERVISOR=SUPERVISOR)


def test_the_scenario_ran_to_the_end(run):
    assert run["ok"], run.get("error")


def test_a_phone_ticket_ends_on_its_own_page_and_is_remembered(run):
    checks = run["checks"]
    assert checks["phone_kiosk_flag"] == "0"  # no kiosk key: no 60-second reset here
    assert re.fullmatch(r"/t/[A-Za-z0-9_-]{16,64}", checks["phone_ticket_path"])
    assert re.fullmatch(r"A-\d{3}", checks["phone_number"]) and checks["reload_same_ticket"]
    assert checks["home_my_ticket_links"] == [checks["phone_ticket_path"]]
    assert checks["home_my_ticket_number"] == checks["phone_number"]


def test_without_scripts_the_phone_post_answers_303_to_the_ticket_page(run):
    checks = run["checks"]
    assert checks["noscript_post_status"] == 303
    assert re.fullmatch(r"/t/[A-Za-z0-9_-]{16,64}", checks["noscript_post_location"])
    assert checks["noscript_landed"]["path"] == checks["noscript_post_location"]
    assert re.fullmatch(r"C-\d{3}", checks["noscript_landed"]["number"])


def test_network_dropped_and_restored_the_call_arrives_within_one_polling_interval(run):
    checks = run["checks"]
    assert checks["offline_banner"] == "Koneksi terputus; mencoba lagi…" and checks["offline_banner_on_top"]
    assert checks["called_mine"]
    assert run["timings"]["call_after_network_back_s"] < POLL_INTERVAL_S
    assert checks["offline_banner_gone"]


def test_recalls_are_counted_alike_and_the_clerk_is_warned_before_the_no_show(run):
    checks = run["checks"]
    assert not checks["warning_after_one_recall"]  # max_recalls 2: one more recall is still a recall
    assert checks["warning_before_last_recall"] and checks["recall_described_by"] == "recall-warning"
    assert "panggilan ke-3" in checks["desk_recall_meta"]
    assert checks["phone_recall_text"].endswith("Ini panggilan ke-3.")


def test_a_no_show_is_taken_back_and_the_phone_offers_the_next_step(run):
    checks = run["checks"]
    number = checks["phone_number"]
    assert checks["no_show_announcement"] == f"{number} dicatat tidak hadir."
    assert re.fullmatch(rf"{number} dicatat tidak hadir\. Bila ia datang, batalkan dalam 1\d\d detik\.",
                        checks["undo_text"])
    assert checks["phone_next_step_after_no_show"]
    assert checks["undo_announcement"] == f"{number} dipanggil kembali ke Loket 2."
    assert checks["undo_box_hidden"] and checks["phone_after_undo"] == "Dipanggil! Silakan menuju Loket 2"
    assert checks["phone_next_step_hidden_again"]
    assert checks["phone_next_step_after_done"] == "/kiosk/33.71.02"


def test_console_focus_follows_the_work_and_announcements_are_sentences(run):
    checks = run["checks"]
    assert checks["focus_after_open"] == "call_next" and checks["open_announcement"] == "Loket dibuka."
    assert checks["focus_after_call"] == "start"
    assert checks["focus_after_no_show"] == "call_next"
    assert checks["focus_after_undo"] == "start" and checks["focus_after_start"] == "complete"
    assert checks["focus_after_complete"] == "call_next"
    assert checks["close_announcement"] == "Loket ditutup."
    for key in ("open_announcement", "no_show_announcement", "undo_announcement", "complete_announcement",
                "close_announcement"):
        assert "counter." not in checks[key], key  # never a message key


def test_single_key_shortcuts_can_be_switched_off_and_it_is_remembered(run):
    checks = run["checks"]
    assert checks["shortcut_off_did_nothing"] and checks["kbd_hidden_when_off"]
    assert checks["shortcut_choice_remembered"]


def test_office_page_links_maps_and_access_lands_on_the_results(run):
    checks = run["checks"]
    assert checks["office_geo"].startswith("geo:-7.") and "openstreetmap.org" in checks["office_osm"]
    assert checks["office_foreign_requests"] == []  # no tiles, scripts or fonts from another site
    assert checks["access_results_in_view"]
    assert checks["foreign_requests"] == []


def test_a_broken_ramp_is_spoken_on_the_board_and_shown_in_each_language_with_the_help(run):
    checks = run["checks"]
    assert checks["ramp_broken_status"] == 200 and checks["ramp_fixed_status"] == 200
    assert checks["notice_spoken"] == "Ram sedang rusak. Petugas siap membantu."  # the hall's language
    assert checks["notice_shown_id"] == checks["notice_live"] == \
        "Ram: rusak. Petugas akan membantu Anda masuk; minta bantuan di pintu masuk."
    english = "Ramp: out of order. Staff will help you in; ask at the entrance."
    assert checks["notice_shown_en"] == checks["notice_shown_en_after_poll"] == english


def test_pages_are_axe_clean_csp_clean_and_reflow(run):
    assert run["console_errors"] == [] and run["csp_violations"] == []
    assert len(run["axe"]) >= 8
    assert {page: found["serious"] for page, found in run["axe"].items() if found["serious"]} == {}
    assert {page: width for page, width in run["reflow"].items() if width > 320} == {}
    for size in ("360x740", "1280x800"):
        assert sum(size in path for path in run["screenshots"]) >= 8
    assert all(os.path.getsize(path) > 1000 for path in run["screenshots"])
