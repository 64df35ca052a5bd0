"""Server side of the permit, accessibility and verification pages without a
browser or a stack: rendering with a fake RPC, 404/503 pages, forms posted
without JavaScript. Fast; test_civic.py drives the scripts against the real stack."""
import json
import re

import falcon
import falcon.testing
import pytest
from nameko.exceptions import RemoteError

from gateway import errors
from gateway.middleware import RequestContext
from gateway.rpc import ServiceUnavailable
from gateway import web
from gateway.web import i18n
from tests.unit.test_web_pages import Deps, office

CODE = "IUMK-2611-7KQ2M9XA"
IUMK = {"code": "IUMK", "name": {"id": "Izin Usaha Mikro dan Kecil", "en": "Micro and Small Business Licence"},
        "description": {"id": "Izin usaha mikro.", "en": "Micro business licence."}, "sla_working_days": 5,
        "fee": 1500000, "documents": [{"code": "ktp", "name": {"id": "KTP-el", "en": "ID card"}, "required": True,
                                       "formats": ["pdf", "jpeg", "png"], "max_bytes": 100000}],
        "attributes": [
            {"code": "kbli", "datatype": "string", "required": True, "pattern": "^\\d{5}$", "order": 0,
             "description": {"id": "KBLI", "en": "KBLI"}, "values": []},
            {"code": "sector", "datatype": "singlevaluelist", "required": False, "order": 1,
             "description": {"id": "Sektor", "en": "Sector"},
             "values": [{"key": "food", "name": {"id": "Makanan", "en": "Food"}},
                        {"key": "craft", "name": {"id": "Kerajinan", "en": "Craft"}}]}]}


def public(**extra):
    return {"tracking_code": CODE, "office_id": "33.71.02", "permit_type": "IUMK", "status": "submitted",
            "submitted_at": "2026-11-23T19:02:11+07:00", "due_date": "2026-11-30", "sla_paused": False,
            "sla_state": "on_track", "applicant_name": "S*** R*****", "permit_number": None,
            "history": [{"at": "2026-11-23T19:02:11+07:00", "action": "submit", "status": "submitted", "note": ""}],
            "status_url": f"/api/v1/permits/{CODE}", **extra}


def not_found(detail="no"):
    return RemoteError("NotFound", json.dumps({"detail": detail, "errors": []}))


def invalid(*pairs):
    return RemoteError("Invalid", json.dumps({"detail": "Some fields are invalid",
                                              "errors": [{"field": f, "message": m} for f, m in pairs]}))


FACILITIES = {"office_id": "33.71.02", "summary": {"wheelchair": "limited", "toilets_wheelchair": "unknown"},
              "facilities": [
                  {"id": "mgu-ramp-main", "kind": "ramp", "name": {"id": "Ram utama", "en": "Main ramp"},
                   "status": "available", "effective_status": "unknown", "verified_at": "2025-01-02T10:00:00+00:00",
                   "measurements": {"slope_degrees": 7.5, "width_cm": 90, "handrails": False},
                   "standard_issues": [{"field": "slope_degrees", "message": "ramp slope over 5°"},
                                       {"field": "handrails", "message": "ramp without handrails"}]},
                  {"id": "mgu-toilet", "kind": "toilet", "name": {"id": "Toilet", "en": "Toilet"},
                   "status": "unknown", "effective_status": "unknown", "verified_at": None,
                   "measurements": {}, "standard_issues": []}]}


@pytest.fixture
def deps():
    d = Deps()
    d.rpc.answers.update({
        "list_offices": lambda: [office(), office(id="33.71.01", name="Magelang Selatan", open_now=False)],
        "get_office": lambda office_id: office(),
        "list_permit_types": lambda: [IUMK],
        "get_permit_type": lambda code: IUMK if code == "IUMK" else (_ for _ in ()).throw(not_found()),
        "public_status": lambda code: public(),
        "search": lambda needs: [{"office_id": "33.71.02", "name": "Magelang Utara",
                                  "summary": {"wheelchair": "yes", "toilets_wheelchair": "unknown"}}],
        "office_accessibility": lambda office_id: FACILITIES,
        "due_date": lambda code, office_id, at: {"due_date": "2026-12-01"},
        "verify": lambda number, code: {"permit_number": number, "genuine": True, "valid": True,
                                        "status": "issued", "permit_type": "IUMK", "office_id": "33.71.02",
                                        "holder": "S*** R*****", "business": "Warung Siti",
                                        "issued_date": "2026-11-23"},
    })
    return d


@pytest.fixture
def client(deps):
    app = falcon.App(middleware=[RequestContext()])
    errors.install(app)
    web.install(app, deps)
    return falcon.testing.TestClient(app)


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Passes the API's input rules (NIK of a woman born 1 Jan 1990 in 33.71.02), so it reaches the service.
VALID_APPLICATION = ("permit_type=IUMK&key=web-abcdefgh1234&office_id=33.71.02&applicant.nik=3371024101900001"
                     "&applicant.name=Siti+Rahayu&applicant.phone=081234567890&business.name=Warung"
                     "&business.address=Jl.+Pahlawan+1&answers.kbli=12&answers.sector=food")


def methods(deps):
    return [c[0] for c in deps.rpc.calls]


# permits -----------------------------------------------------------------------
def test_permit_types_with_fee_time_and_documents(client):
    resp = client.simulate_get("/permits")
    assert resp.status_code == 200
    assert "Rp 1.500.000" in resp.text and "5 hari kerja" in resp.text and "KTP-el" in resp.text
    assert 'href="/permits?type=IUMK"' in resp.text and 'aria-label="Ajukan Izin Usaha Mikro dan Kecil"' in resp.text
    assert '<a href="/permits" aria-current="page">Izin usaha</a>' in resp.text
    assert "Gratis" in i18n.Texts("id")("permit.free")


def test_tracking_form_redirects_or_says_what_is_wrong(client):
    resp = client.simulate_get("/permits", params={"track": " iumk-2611-7kq2m9xa "})
    assert resp.status_code == 303 and resp.headers["location"].endswith(f"/permits/{CODE}")
    resp = client.simulate_get("/permits", params={"track": "nonsense"})
    assert resp.status_code == 422
    assert re.search(r'id="f-track-error">Kode pelacakan tidak dikenali', resp.text)
    assert re.search(r'<input id="f-track"[^>]*aria-invalid="true"', resp.text)


def test_application_form_has_labelled_fields_and_the_types_questions(client):
    resp = client.simulate_get("/permits", params={"type": "IUMK", "office": "33.71.02"})
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    nik = re.search(r'<input id="f-applicant-nik"[^>]*>', resp.text).group(0)
    assert 'aria-describedby="f-applicant-nik-hint f-applicant-nik-error"' in nik and "required" in nik
    assert '<label for="f-applicant-nik">' in resp.text
    assert 'data-pattern="^\\d{5}$"' in resp.text and 'name="answers.kbli"' in resp.text
    assert '<fieldset class="field" data-field="answers.sector"' in resp.text
    assert 'type="radio" name="answers.sector" value="food"' in resp.text
    assert '<option value="33.71.02" selected>' in resp.text
    assert 'data-doc="ktp"' in resp.text and "paling besar 100 KB" in resp.text
    # The service standard on the chosen office's calendar, before applying.
    assert "Jika mengajukan sekarang, diputuskan paling lambat Selasa, 1 Desember 2026." in resp.text
    assert "Pilih kantor kecamatan" in client.simulate_get("/permits", params={"type": "IUMK"}).text


def test_unknown_permit_type_is_a_404_page(client):
    for code in ("NOPE", "bad code"):
        resp = client.simulate_get("/permits", params={"type": code})
        assert resp.status_code == 404 and "Jenis izin tidak ditemukan" in resp.text


def test_applying_without_javascript_refused_then_accepted(client, deps):
    # The form takes the API's own input rules (the permits client checks them before any call).
    refused = VALID_APPLICATION.replace("applicant.phone=081234567890", "applicant.phone=0812") \
                               .replace("business.address=Jl.+Pahlawan+1", "business.address=")
    resp = client.simulate_post("/permits", body=refused, headers=FORM)
    assert resp.status_code == 422
    assert not [c for c in deps.rpc.calls if c[0] == "apply"]
    assert 'id="f-applicant-phone-error">Panjangnya harus 8–20 karakter.<' in resp.text
    assert 'id="f-business-address-error">Wajib diisi.<' in resp.text
    assert 'value="Siti Rahayu"' in resp.text

    # What only the service can judge comes back from it, field by field.
    deps.rpc.answers["apply"] = invalid(("applicant.nik", "Tanggal lahir di NIK tidak valid."),
                                        ("answers.kbli", "does not have the expected form"))
    body = VALID_APPLICATION
    resp = client.simulate_post("/permits", body=body, headers=FORM)
    assert resp.status_code == 422
    method, args, kwargs = next(c for c in deps.rpc.calls if c[0] == "apply")  # then the page's own calls
    assert kwargs == {"idempotency_key": "127.0.0.1|web-abcdefgh1234"}  # scoped to the client
    assert args[0]["answers"] == {"kbli": "12", "sector": "food"}
    assert 'id="f-applicant-nik-error">Tanggal lahir di NIK tidak valid.<' in resp.text
    assert 'id="f-answers-kbli-error">Bentuknya tidak sesuai.<' in resp.text
    # The summary names each field before its message.
    assert '<a href="#f-applicant-nik">NIK: Tanggal lahir di NIK tidak valid.</a>' in resp.text
    assert 'value="Siti Rahayu"' in resp.text

    deps.rpc.answers["apply"] = lambda application, idempotency_key=None: {
        **public(), "replayed": False, "applicant_secret": "a" * 32}
    resp = client.simulate_post("/permits", body=body, headers=FORM)
    assert resp.status_code == 201
    assert f'id="done-code" class="big-code">{CODE}<' in resp.text and "a" * 32 in resp.text
    assert re.search(r'<form id="apply"[^>]* hidden>', resp.text)
    assert "Target selesai: Senin, 30 November 2026." in resp.text


def test_english_api_messages_are_translated(client, deps):
    deps.rpc.answers["apply"] = invalid(("applicant.nik", "Tanggal lahir di NIK tidak valid."),
                                        ("applicant.name", "Length must be between 2 and 120."))
    resp = client.simulate_post("/permits?lang=en", body=VALID_APPLICATION, headers=FORM)
    assert "This NIK is not valid: check the region code and the birth date." in resp.text
    assert "Must be 2–120 characters long." in resp.text


def test_tracking_page_renders_status_sla_and_history(client, deps):
    deps.rpc.answers["public_status"] = lambda code: public(
        status="returned_for_revision", sla_state="paused", sla_paused=True,
        history=public()["history"] + [
            {"at": "2026-11-24T09:00:00+07:00", "action": "upload:ktp", "status": "submitted", "note": ""},
            {"at": "2026-11-24T10:00:00+07:00", "action": "return", "status": "returned_for_revision",
             "note": "Foto KTP buram"}])
    resp = client.simulate_get(f"/permits/{CODE}")
    assert resp.status_code == 200 and resp.headers["cache-control"] == "private, no-cache"
    assert "Dikembalikan untuk diperbaiki" in resp.text and "Catatan petugas: Foto KTP buram" in resp.text
    assert "Batas waktu berhenti sementara" in resp.text
    assert "Dokumen diunggah: KTP-el" in resp.text and "S*** R*****" in resp.text
    assert 'data-status="returned_for_revision"' in resp.text and 'data-uploadable="true"' in resp.text
    assert ("public_status", (CODE,), {}) in deps.rpc.calls


def test_tracking_page_404_503_and_malformed(client, deps):
    deps.rpc.answers["public_status"] = not_found()
    resp = client.simulate_get(f"/permits/{CODE}")
    assert resp.status_code == 404 and "Permohonan tidak ditemukan" in resp.text
    deps.rpc.answers["public_status"] = ServiceUnavailable("permits", "timed out")
    resp = client.simulate_get(f"/permits/{CODE}")
    assert resp.status_code == 503 and resp.headers["retry-after"] == "5"
    calls = len(deps.rpc.calls)
    assert client.simulate_get("/permits/..%2Fetc").status_code == 404
    assert len(deps.rpc.calls) == calls


def test_issued_permit_links_to_its_verification(client, deps):
    deps.rpc.answers["public_status"] = lambda code: public(
        status="issued", sla_state="closed", permit_number="337102-IUMK-2026-00001",
        verify_url="/verify?number=337102-IUMK-2026-00001&code=ABC")
    resp = client.simulate_get(f"/permits/{CODE}")
    assert 'href="/verify?number=337102-IUMK-2026-00001&amp;code=ABC"' in resp.text
    assert "337102-IUMK-2026-00001" in resp.text and 'class="sla sla-closed"></p>' in resp.text


# accessibility -----------------------------------------------------------------
def test_access_search_renders_results_and_unknown_honestly(client, deps):
    resp = client.simulate_get("/access", params={"needs": ["wheelchair", "bogus"], "open_now": "true"})
    assert resp.status_code == 200
    assert ("search", (["wheelchair"],), {}) in deps.rpc.calls
    assert 'value="wheelchair" checked' in resp.text and 'id="open-now" checked' in resp.text
    assert "1 kantor ditemukan." in resp.text and 'href="/access/33.71.02"' in resp.text
    assert "Belum ada data" in resp.text and "bukan berarti tidak ada" in resp.text
    assert 'href="/api/v1/accessibility/export?format=geojson"' in resp.text
    assert 'href="/api/v1/accessibility/export?format=csv"' in resp.text


def test_access_search_with_nothing_found_explains(client, deps):
    deps.rpc.answers["search"] = lambda needs: []
    resp = client.simulate_get("/access?needs=hearing_loop,vision")
    assert ("search", (["vision", "hearing_loop"],), {}) in deps.rpc.calls
    assert "Belum ada kantor yang pasti memenuhi" in resp.text


def test_office_facilities_with_status_measurements_and_standard(client):
    resp = client.simulate_get("/access/33.71.02")
    assert resp.status_code == 200
    assert "Status: Belum ada data" in resp.text
    assert "Terakhir tercatat “Tersedia” pada Kamis, 2 Januari 2025" in resp.text
    assert "Belum ada yang memeriksa fasilitas ini." in resp.text
    assert "7,5°" in resp.text and "90 cm" in resp.text and "Pegangan tangan" in resp.text
    assert "Ram terlalu curam" in resp.text and "Ram tanpa pegangan tangan." in resp.text
    assert 'data-facility="mgu-ramp-main"' in resp.text and 'name="description"' in resp.text
    assert 'id="f-report-mgu-toilet-description"' in resp.text  # ids unique per facility


def test_unknown_office_is_a_404_page(client, deps):
    deps.rpc.answers["office_accessibility"] = not_found()
    resp = client.simulate_get("/access/99.99.99")
    assert resp.status_code == 404 and "Kantor dengan kode ini tidak ditemukan." in resp.text


def test_problem_report_without_javascript(client, deps):
    deps.rpc.answers["report_problem"] = invalid(("contact", "not an Indonesian phone number"))
    body = "facility_id=mgu-ramp-main&description=Ram+licin&contact=123"
    resp = client.simulate_post("/access/33.71.02", body=body, headers=FORM)
    assert resp.status_code == 422
    assert 'id="f-report-mgu-ramp-main-contact-error">Tulis nomor telepon Indonesia' in resp.text
    assert re.search(r'<details class="report" open>\s*<summary>Laporkan masalah: Ram utama', resp.text)
    deps.rpc.answers["report_problem"] = lambda facility_id, report, **kw: {"id": "r1", "state": "open"}
    resp = client.simulate_post("/access/33.71.02", body=body, headers=FORM)
    assert resp.status_code == 201 and "Laporan Anda diterima dengan nomor r1" in resp.text
    assert deps.rpc.calls[-3] == ("report_problem", ("mgu-ramp-main", {"description": "Ram licin",
                                                                         "contact": "123"}),
                                 {"idempotency_key": None})


# verification ---------------------------------------------------------------------
def test_verify_genuine_and_valid(client, deps):
    resp = client.simulate_get("/verify", params={"number": "337102-IUMK-2026-00001", "code": "ABCDEF"})
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    assert ("verify", ("337102-IUMK-2026-00001", "ABCDEF"), {}) in deps.rpc.calls
    assert '<span id="result-title">Asli dan berlaku</span>' in resp.text
    assert 'aria-hidden="true">✓</span>' in resp.text and "<title>Asli dan berlaku · " in resp.text
    assert "Izin Usaha Mikro dan Kecil" in resp.text and "Magelang Utara" in resp.text


def test_verify_revoked_and_not_genuine(client, deps):
    deps.rpc.answers["verify"] = lambda number, code: {
        "permit_number": number, "genuine": True, "valid": False, "status": "revoked", "permit_type": "IUMK",
        "office_id": "33.71.02", "holder": "S***", "business": "W", "issued_date": "2026-11-23"}
    resp = client.simulate_get("/verify?number=X-1&code=ABC")
    assert "Asli, tetapi tidak berlaku lagi (dicabut)" in resp.text and "verify-invalid" in resp.text
    deps.rpc.answers["verify"] = lambda number, code: {"permit_number": number, "genuine": False,
                                                       "valid": False, "reason": "not_found"}
    resp = client.simulate_get("/verify?number=X-1&code=ABC&lang=en")
    # A number nobody has is a reason to check the typing, never a verdict of forgery.
    assert "Permit not found" in resp.text and "verify-unknown" in resp.text and "verify-fake" not in resp.text
    resp = client.simulate_get("/verify?number=X-1&code=ABC")
    assert "Izin tidak ditemukan" in resp.text and "palsu" not in resp.text
    deps.rpc.answers["verify"] = lambda number, code: {"permit_number": number, "genuine": False,
                                                       "valid": False, "reason": "code_mismatch"}
    resp = client.simulate_get("/verify?number=X-1&code=ABC&lang=en")
    assert "The verification code does not match" in resp.text and "verify-fake" in resp.text


def test_verify_reads_the_number_as_typed_from_paper(client, deps):
    resp = client.simulate_get("/verify", params={"number": " 337102-iumk-2026-00001 ", "code": "abcd efgh"})
    assert resp.status_code == 200
    assert ("verify", ("337102-IUMK-2026-00001", "ABCDEFGH"), {}) in deps.rpc.calls


def test_verify_form_alone_and_with_a_missing_code(client, deps):
    resp = client.simulate_get("/verify")
    assert resp.status_code == 200 and 'id="result"' in resp.text and "verify" not in methods(deps)
    resp = client.simulate_get("/verify?number=337102-IUMK-2026-00001")
    assert resp.status_code == 422 and "verify" not in methods(deps)
    assert 'id="f-code-error">Tulis kode verifikasi.<' in resp.text
    resp = client.simulate_get("/verify?number=a%20b&code=c<d")  # spaces go; '<' is no code
    assert resp.status_code == 422 and "C&lt;D" in resp.text and 'value="AB"' in resp.text


def test_new_pages_have_no_inline_script_or_style(client):
    for path in ("/permits", "/permits?type=IUMK", f"/permits/{CODE}", "/access", "/access/33.71.02",
                 "/verify?number=X-1&code=ABC", "/?lang=en"):
        text = client.simulate_get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert " style=" not in text and "<style" not in text, path
        assert not re.search(r"<[^>]+\son[a-z]+=", text), path


def test_both_languages_name_every_status_need_and_kind():
    for lang in ("id", "en"):
        data = i18n.Texts(lang)
        for status in ("submitted", "intake_check", "in_review", "inspection", "approved", "signing", "issued",
                       "handed_over", "returned_for_revision", "rejected", "withdrawn", "revoked", "expired"):
            assert f"permit.status.{status}" in data
        for need in ("wheelchair", "toilets_wheelchair", "hearing", "vision", "tactile_paving", "hearing_loop",
                     "priority_counter"):
            assert f"need.{need}" in data
    def api_errors(lang):
        return {m.id for m in i18n.read_catalog(lang) if m.context == i18n.API_ERRORS}
    assert api_errors("id") == api_errors("en") and "required" in api_errors("id")
