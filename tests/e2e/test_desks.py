"""The staff desks end to end in headless Chromium against the real stack
(tests/e2e/desks_flows.mjs): an IUMK applied for on a phone, processed on
/staff/permits to issued, its certificate downloaded, verified with the number in
lower case; a problem report's number revealed and the report closed on
/staff/reports, its answer read by the citizen at /report."""
import os

import pytest

from tests.e2e.conftest import CLERK, OFFICE, PASSWORD, run_flow
from tests.support import http

pytestmark = pytest.mark.stack
SUPERVISOR = "super.desk"
SIGNER = "signer.desk"  # four eyes: whoever approved may not sign
PHONE = "081298765432"


@pytest.fixture(scope="module")
def run(stack):
    for username in (SUPERVISOR, SIGNER):
        made = stack.manage("create-staff", "--username", username, "--office", OFFICE,
                            "--role", "supervisor", stdin=PASSWORD + "\n")
        assert made.returncode == 0, made.stderr
    status, _, report = http("POST", f"{stack.url}/api/v1/facilities/mgu-ramp-main/reports",
                             {"description": "Ramp terhalang sepeda motor", "contact": PHONE})
    assert status == 201, report
    return run_flow("desks_flows.mjs", stack, "e2e-desks-results.json", SENJA_PASSWORD=PASSWORD,
                    SENJA_CLERK=CLERK, SENJA_SUPERVISOR=SUPERVISOR, SENJA_SIGNER=SIGNER,
                    SENJA_REPORT=report["id"])


def test_the_scenario_ran_to_the_end(run):
    assert run["ok"], run.get("error")


def test_apply_form_asks_kbli_once_with_a_lookup_and_keeps_the_secret(run):
    checks = run["checks"]
    assert checks["kbli_fields"] == 1 and checks["kbli_list"] == "kbli-2020" and checks["kbli_options"] >= 20
    assert checks["skdu_kbli_list"] == "kbli-2020"
    assert checks["summary_first"] == "NIK: Wajib diisi."  # the summary names each field
    keep = checks["secret_keep"]
    assert keep["copy"] and keep["print"] and keep["qr"]
    assert keep["save"].startswith("data:image/svg+xml") and keep["download"] == f"senja-{checks['code']}.svg"
    assert checks["upload_status"] == 201


def test_permit_processed_on_the_desk_to_issued(run):
    checks = run["checks"]
    assert checks["list"]["days_left"].endswith("hari kerja lagi")
    detail = checks["detail"]
    assert detail["focus"] == "detail" and detail["heading"].startswith(checks["code"])
    assert "56102" in detail["facts"] and "Warung Siti" in detail["facts"]
    assert "3456" not in detail["facts"]  # the applicant's phone stays masked
    assert detail["actions"] == ["start_intake"]
    assert checks["document"] == {"name": f"{checks['code']}-ktp.pdf", "failure": None}
    assert checks["note_required"]["focus"] == "note" and "catatan" in checks["note_required"]["error"].lower()
    assert checks["steps"] == {"start_intake": "Pemeriksaan berkas", "accept": "Sedang ditinjau",
                               "approve": "Disetujui", "send_to_signing": "Menunggu tanda tangan",
                               "sign": "Izin terbit"}
    assert "approve" not in checks["clerk_after_accept"]  # a clerk does not decide
    assert checks["approver_at_signing"] == []  # four eyes: whoever approved is not offered the signature
    issued = checks["issued"]
    assert issued["focus"] == "certificate" and checks["number"] and len(checks["vcode"]) == 16
    assert checks["staff_certificate"] == {"name": f"izin-{checks['code']}.pdf", "head": "%PDF-"}
    assert checks["desk_phone_width"] <= 360
    english = checks["english"]
    assert english["h1"] == "Permit desk" and english["status"] == "Permit issued"
    assert "Verification code" in english["body"] and "working days" not in english["body"]
    for indonesian in ("Kembali", "Dokumen", "Riwayat", "Catatan", "Unduh", "Pemohon"):
        assert indonesian not in english["body"], indonesian


def test_applicant_downloads_the_certificate_from_the_issued_page(run):
    checks = run["checks"]
    assert checks["applicant_certificate_form"] == {"visible": True, "secret_field_hidden": True}
    assert checks["applicant_certificate"] == {"name": f"izin-{checks['code']}.pdf", "failure": None}


def test_verified_with_the_number_in_lower_case(run):
    checks = run["checks"]
    assert checks["verify_typed"]["title"] == "Asli dan berlaku" and "verify-ok" in checks["verify_typed"]["kind"]
    assert checks["verify_unknown"]["title"] == "Izin tidak ditemukan"
    assert "palsu" not in checks["verify_unknown"]["text"].lower()


def test_report_revealed_closed_and_answer_seen_by_the_citizen(run):
    checks = run["checks"]
    assert "5432" in checks["report_masked"] and "9876" not in checks["report_masked"]
    revealed = checks["report_revealed"]
    assert "98765432" in revealed["number"] and revealed["href"].startswith("tel:") and revealed["focus"] == "A"
    assert any(SUPERVISOR in item for item in revealed["history"])
    assert checks["report_short"] == "Tulis jawaban, paling sedikit 5 huruf."
    assert checks["report_closed"]["live"].startswith("Laporan") and len(checks["report_closed"]["history"]) == 2
    lookup = checks["report_lookup"]
    assert lookup["state"] == "Selesai" and lookup["answer"].startswith("Motor yang menghalangi ramp")
    assert "98765432" not in lookup["body"] and "5432" not in lookup["body"]
    assert checks["report_typo"].startswith("Nomor laporan terdiri")


def test_no_csp_violation_or_console_error(run):
    assert run["csp_violations"] == [] and run["console_errors"] == []


def test_axe_finds_no_serious_or_critical_violation_on_the_new_pages(run):
    assert len(run["axe"]) >= 9 and all(n > 15 for n in run["axe_passes"].values())
    assert {page: found["serious"] for page, found in run["axe"].items() if found["serious"]} == {}


def test_new_pages_reflow_at_320_px_and_screenshots_exist(run):
    assert {page: width for page, width in run["reflow"].items() if width > 320} == {}
    for size in ("360x740", "1280x800"):
        assert sum(size in path and "/desks-" in path for path in run["screenshots"]) >= 9
    assert all(os.path.getsize(path) > 1000 for path in run["screenshots"])
