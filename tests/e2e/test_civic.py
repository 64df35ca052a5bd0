"""Permits, the accessibility finder and permit verification end to end in
headless Chromium against the real stack (tests/e2e/civic_flows.mjs).

Staff work happens through the API first: a clerk and a supervisor take one
IUMK application all the way to a handed-over permit (its verify_url is what
the printed QR code holds) and revoke a second one; a supervisor records an
accessible toilet so that Magelang Utara is wheelchair accessible for sure.
Then one browser run walks the citizen's side and reports JSON.
"""
import os
import re

import pytest

from tests.e2e.conftest import OFFICE, PASSWORD, run_flow
from tests.support import http

pytestmark = pytest.mark.stack
CLERK = "clerk.utara"
SUPERVISOR = "super.civic"
SIGNER = "signer.civic"  # four eyes: whoever approved may not sign
NIK = "3371024506900001"
ISSUE = [("start_intake", "clerk"), ("accept", "clerk"), ("approve", "supervisor"),
         ("send_to_signing", "clerk"), ("sign", "signer"), ("hand_over", "clerk")]


def token(stack, username):
    status, _, body = http("POST", f"{stack.url}/api/v1/auth/token",
                           {"username": username, "password": PASSWORD})
    assert status == 200, body
    return {"Authorization": f"Bearer {body['access_token']}"}


def issued_permit(stack, staff, business):
    """An IUMK application taken through the whole life cycle by staff; its public view."""
    body = {"office_id": OFFICE, "permit_type": "IUMK",
            "applicant": {"nik": NIK, "name": "Siti Rahayu", "phone": "0812-3456-7890"},
            "business": {"name": business, "address": "Jl. Pahlawan 12, Magelang"},
            "answers": {"kbli": "56102", "capital": 5000000}}
    status, _, made = http("POST", f"{stack.url}/api/v1/permits", body)
    assert status == 201, made
    view = made
    for action, who in ISSUE:
        status, _, view = http("POST", f"{stack.url}/api/v1/permits/{made['tracking_code']}/transitions",
                               {"action": action, "note": ""}, headers=staff[who])
        assert status == 200, (action, view)
    assert view["verify_url"].startswith("/verify?number=")
    return view


@pytest.fixture(scope="module")
def prepared(stack):
    for username in (SUPERVISOR, SIGNER):
        made = stack.manage("create-staff", "--username", username, "--office", OFFICE,
                            "--role", "supervisor", stdin=PASSWORD + "\n")
        assert made.returncode == 0, made.stderr
    staff = {"clerk": token(stack, CLERK), "supervisor": token(stack, SUPERVISOR),
             "signer": token(stack, SIGNER)}
    valid = issued_permit(stack, staff, "Warung Siti")
    revoked = issued_permit(stack, staff, "Toko Lama")
    status, _, body = http("POST", f"{stack.url}/api/v1/permits/{revoked['tracking_code']}/transitions",
                           {"action": "revoke", "note": "usaha tutup"}, headers=staff["supervisor"])
    assert status == 200 and body["status"] == "revoked", body
    status, _, body = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/facilities",
                           {"id": "mgu-toilet-1", "kind": "toilet", "name": {"id": "Toilet aksesibel", "en": "Accessible toilet"},
                            "status": "available", "measurements": {"width_cm": 160, "depth_cm": 230, "door_width_cm": 90}},
                           headers=staff["supervisor"])
    assert status == 201, body
    # the revoked permit's verify_url is the one its printed QR code still carries
    return {"valid_url": valid["verify_url"], "revoked_url": revoked["verify_url"]}


@pytest.fixture(scope="module")
def run(stack, prepared):
    return run_flow("civic_flows.mjs", stack, "e2e-civic-results.json",
                    SENJA_VERIFY_URL=prepared["valid_url"], SENJA_REVOKED_URL=prepared["revoked_url"])


def test_the_scenario_ran_to_the_end(run):
    assert run["ok"], run.get("error")


def test_navigation_and_home_lead_to_the_new_pages(run):
    assert [href for href in run["checks"]["nav"] if not href.startswith("/?")] == \
        ["/", "/permits", "/access", "/verify"]
    assert run["checks"]["home_links"] == ["/permits", "/access", "/verify"]


def test_permit_types_with_time_fee_and_documents(run):
    checks = run["checks"]
    assert checks["permits_types"] == ["IUMK", "SKDU"]
    assert checks["permits_fee_text"] == "Gratis"
    assert "5 hari kerja" in checks["permits_iumk_text"]


def test_form_errors_sit_next_to_their_fields_and_take_focus(run):
    checks = run["checks"]
    assert checks["empty_submit"]["errors"] >= 7 and checks["empty_submit"]["focus"] == "form-errors"
    assert checks["empty_submit"]["nik_error"] == "Wajib diisi."
    bad = checks["bad_nik"]
    assert bad["status"] == 422 and bad["idempotency_key"]
    assert bad["message"] == "Tanggal lahir di NIK tidak valid."
    assert bad["summary"] == "NIK: Tanggal lahir di NIK tidak valid."  # the summary names the field
    assert bad["invalid"] == "true" and "f-applicant-nik-error" in bad["described"].split()
    assert bad["focus"] == "form-errors" and bad["other_errors"] == 1


def test_apply_page_says_by_when_an_application_would_be_decided(run):
    checks = run["checks"]
    assert checks["due_before"].startswith("Pilih kantor kecamatan")
    assert re.fullmatch(r"Jika mengajukan sekarang, diputuskan paling lambat \w+, \d{1,2} \w+ \d{4}\.",
                        checks["due_now"]), checks["due_now"]


def test_application_shows_and_keeps_the_codes(run):
    iumk = run["checks"]["iumk"]
    assert iumk["code"].startswith("IUMK-") and iumk["secret_length"] == 32
    assert iumk["focus"] == "done" and iumk["form_hidden"] and iumk["errors_hidden"]
    assert "Simpan kode rahasia" in iumk["warning"] and "mengunggah dokumen" in iumk["warning"]
    assert iumk["stored"] and iumk["local"]
    assert run["checks"]["mine_links"] == [f"/permits/{iumk['code']}"]
    assert run["timings"]["apply_s"] < 5


def test_tracking_page_is_rendered_by_the_server(run):
    track = run["checks"]["track"]
    assert run["checks"]["permit_track_status"] == 200
    assert track["status"] == "Diajukan" and track["sla"].startswith("Sesuai jadwal")
    assert track["history"] == 1 and track["first"].startswith("Permohonan dikirim")
    assert track["mine"] and track["withdraw"] and not track["claim"]
    assert run["checks"]["track_en"] == {"lang": "en", "status": "Submitted"}


def test_document_upload_with_the_secret(run):
    checks = run["checks"]
    assert checks["skdu_missing_before"] == "Dokumen wajib yang belum diunggah: KTP-el."
    assert checks["upload_wrong"] == {"error": "Berkas harus PDF, JPEG, PNG.", "focus": "doc-ktp"}
    upload = checks["upload"]
    assert upload["status"] == 201 and upload["secret_header"] and upload["multipart"]
    assert upload["done"].startswith("KTP-el terunggah") and upload["error"] == ""
    assert upload["missing"] == "Semua dokumen wajib sudah diunggah."
    assert any(item.startswith("Dokumen diunggah: KTP-el") for item in checks["skdu_history"])


def test_applicant_withdraws(run):
    withdrawn = run["checks"]["withdrawn"]
    assert withdrawn["status"] == "Ditarik oleh pemohon" and withdrawn["done"] == "Permohonan sudah ditarik."
    assert withdrawn["focus"] == "action-done" and withdrawn["withdraw_hidden"] and withdrawn["uploads_hidden"]
    assert withdrawn["history"] == 3


def test_applying_without_javascript(run):
    checks = run["checks"]
    assert checks["noscript_error"] == {"status": 422, "message": "Bentuknya tidak sesuai.", "kept": "Warung Siti"}
    assert checks["noscript_done"]["status"] == 201 and checks["noscript_done"]["secret"] == 32
    assert checks["noscript_done"]["code"].startswith("IUMK-")


def test_verify_says_genuine_revoked_or_not_genuine(run):
    checks = run["checks"]
    assert checks["verify_ok"]["title"] == "Asli dan berlaku" and "verify-ok" in checks["verify_ok"]["kind"]
    assert "S*** R*****" in checks["verify_ok"]["facts"] and "Siti Rahayu" not in checks["verify_ok"]["facts"]
    assert checks["verify_ok"]["doc_title"].startswith("Asli dan berlaku")
    # A real number with a code that is not its own: a mismatch, shown with the number.
    assert checks["verify_fake"]["title"] == "Kode verifikasi tidak cocok"
    assert checks["verify_fake"]["focus"] == "result" and checks["verify_fake"]["facts"] == 1
    assert checks["verify_fake"]["url"].endswith("code=AAAAAAAAAAAAAAAA")
    assert checks["verify_revoked"]["title"] == "Asli, tetapi tidak berlaku lagi (dicabut)"
    assert checks["verify_noscript"] == "Kode verifikasi tidak cocok"


def test_accessibility_search_office_and_report(run):
    checks = run["checks"]
    assert checks["access_initial"] >= 3
    assert checks["export_links"] == ["/api/v1/accessibility/export?format=geojson",
                                      "/api/v1/accessibility/export?format=csv"]
    search = checks["access_search"]
    assert search["api"] == "?needs=wheelchair&open_now=false" and search["url"] == "?needs=wheelchair"
    assert search["offices"] == [OFFICE] and search["count"] == "1 kantor ditemukan."
    assert checks["access_office"]["facilities"] == ["mgu-ramp-main", "mgu-toilet-1"]
    assert "Akses kursi roda\n✓ Ya" in checks["access_office"]["summary"]
    assert "Belum ada data" in checks["access_office"]["summary"] and "Tidak" not in checks["access_office"]["summary"]
    assert checks["report_short"] == {"error": "Tulis paling sedikit 5 karakter.",
                                      "focus": "f-report-mgu-ramp-main-description"}
    assert checks["report_status"] == 201 and checks["report_done"].startswith("Terima kasih.")
    assert "No data yet" in checks["access_en"]


def test_no_csp_violation_or_console_error(run):
    statuses = {k: v for k, v in run["checks"].items() if k.endswith("_csp")}
    assert len(statuses) >= 10 and all(statuses.values()), statuses
    assert run["csp_violations"] == [] and run["console_errors"] == []


def test_axe_finds_no_serious_or_critical_violation(run):
    assert len(run["axe"]) >= 15 and all(n > 20 for n in run["axe_passes"].values())
    assert {page: found["serious"] for page, found in run["axe"].items() if found["serious"]} == {}


def test_pages_reflow_at_320_px_and_screenshots_exist(run):
    assert {page: width for page, width in run["reflow"].items() if width > 320} == {}
    for size in ("360x740", "1280x800"):
        assert sum(size in path for path in run["screenshots"]) >= 15
    assert all(os.path.getsize(path) > 1000 for path in run["screenshots"])
    assert run["timings"]["total_s"] < 60
