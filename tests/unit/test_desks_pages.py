"""Server side of the desks' pages and the apply form's KBLI and secret without a
browser or a stack (fake RPC): the staff pages render their login, /report shows an
answer and never a phone, the apply form asks KBLI once with the KBLI 2020 lookup."""
import re

import pytest

from services.permits import domain, kbli
from tests.unit.test_web_civic_pages import CODE, FORM, VALID_APPLICATION, client, deps  # noqa: F401

REPORT = "5bead1b654704df3"


def test_kbli_2020_data_matches_the_regulation():
    # Peraturan BPS No. 2 Tahun 2020 tentang KBLI, Lampiran: titles of these codes.
    codes = {code: title for code, title, _ in kbli.codes()}
    assert codes["56101"] == "Restoran"
    assert codes["56102"] == "Rumah/Warung Makan"
    assert codes["96111"] == "Aktivitas Pangkas Rambut"
    assert codes["62010"] == "Aktivitas Pemrograman Komputer"
    assert len(codes) == len(kbli.codes()) >= 20
    assert all(domain.KBLI_FORM.fullmatch(code) for code in codes)
    assert kbli.title("56102", "en") == "Eating houses (warung makan)" and kbli.title("00000") is None


def test_kbli_is_asked_once_and_fills_the_business():
    assert domain.business_with_kbli({"name": "W"}, {"kbli": "56102"}) == {"name": "W", "kbli": "56102"}
    assert domain.business_with_kbli({"kbli": "47111"}, {"kbli": "56102"})["kbli"] == "47111"
    assert "kbli" not in domain.business_with_kbli({}, {"kbli": "561"})


def test_apply_form_has_one_kbli_field_with_the_lookup(client):
    text = client.simulate_get("/permits?type=IUMK").text
    assert len(re.findall(r'name="[a-z.]*kbli"', text)) == 1 and 'name="answers.kbli"' in text
    assert 'list="kbli-2020"' in text and '<datalist id="kbli-2020">' in text
    assert "56102 · Rumah/Warung Makan" in text
    assert "56102 · Eating houses" in client.simulate_get("/permits?type=IUMK&lang=en").text


def test_the_secret_is_shown_with_copy_print_and_a_qr_code(client, deps):
    deps.rpc.answers["apply"] = lambda application, idempotency_key=None: {
        "tracking_code": CODE, "status": "submitted", "due_date": "2026-11-30", "replayed": False,
        "applicant_secret": "a" * 32, "status_url": f"/api/v1/permits/{CODE}", "permit_type": "IUMK"}
    resp = client.simulate_post("/permits", body=VALID_APPLICATION, headers=FORM)
    assert resp.status_code == 201
    assert 'id="copy-secret"' in resp.text and 'id="print-secret"' in resp.text
    assert re.search(r'id="save-secret-qr" href="data:image/svg\+xml[^"]+" download="senja-' + CODE, resp.text)
    # The QR code for the page that applied with scripts: a POST, never a URL with the secret.
    qr = client.simulate_post("/permits/secret-qr", body=f"code={CODE}&secret={'a' * 32}", headers=FORM)
    assert qr.status_code == 200 and qr.json["data_uri"].startswith("data:image/svg+xml")
    assert client.simulate_post("/permits/secret-qr", body="code=x&secret=y", headers=FORM).status_code == 400


@pytest.mark.parametrize("path", ["/staff/permits", "/staff/reports"])
def test_staff_pages_render_the_login_without_inline_script(client, path):
    resp = client.simulate_get(path)
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    assert 'id="login-form"' in resp.text and 'id="desk"' in resp.text and "noindex" in resp.headers["x-robots-tag"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", resp.text) and " style=" not in resp.text
    en = client.simulate_get(path + "?lang=en").text
    assert ("Permit desk" in en) if path.endswith("permits") else ("Access desk" in en)


def test_the_status_filter_offers_every_status_by_name(client):
    text = client.simulate_get("/staff/permits").text
    assert '<option value="returned_for_revision">' in text and "Izin terbit" in text
    assert text.index('value="active"') < text.index('value=""')  # not yet final, by default


def test_report_lookup_shows_the_answer_and_never_a_phone(client, deps):
    deps.rpc.answers["public_report"] = lambda rid: {
        "id": rid, "facility_id": "mgu-ramp-main", "facility_name": {"id": "Ram utama", "en": "Main ramp"},
        "office_id": "33.71.02", "state": "closed", "at": "2026-12-03T10:00:00+07:00",
        "answer": "Ramp sudah bebas lagi.", "answered_at": "2026-12-03T11:00:00+07:00"}
    resp = client.simulate_get(f"/report?number= {REPORT.upper()} ")
    assert resp.status_code == 200 and ("public_report", (REPORT,), {}) in deps.rpc.calls
    assert "Ramp sudah bebas lagi." in resp.text and "Selesai" in resp.text and "Ram utama" in resp.text
    bad = client.simulate_get("/report?number=xyz")
    assert bad.status_code == 422 and "Periksa lagi tulisannya" in bad.text


def test_an_open_report_says_the_answer_is_coming(client, deps):
    deps.rpc.answers["public_report"] = lambda rid: {
        "id": rid, "facility_id": "f", "facility_name": None, "office_id": "33.71.02", "state": "open",
        "at": "2026-12-03T10:00:00+07:00", "answer": None, "answered_at": None}
    text = client.simulate_get(f"/report?number={REPORT}&lang=en").text
    assert "Being handled" in text and "No answer yet" in text


def test_the_report_form_leads_to_the_answer_lookup(client):
    text = client.simulate_get("/access/33.71.02").text
    assert '<a href="/report">Sudah melapor? Baca jawaban kantor' in text


def test_closing_a_report_checks_the_answer_before_any_rpc():
    from gateway.clients import Clients
    from gateway.clients import errors as client_errors
    from tests.unit.test_clients import Rpc
    rpc = Rpc({})
    clients = Clients(rpc)
    for body in ({}, {"answer": "ok"}, {"answer": "Sudah beres", "phone": "0812"}, {"answer": "a\u202eb" * 3}):
        with pytest.raises(client_errors.Invalid):
            clients.accessibility.close_report(REPORT, body, {"sub": "s", "offices": ["33.71.02"]})
    assert rpc.calls == []
    clients.accessibility.close_report(REPORT, {"answer": "Sudah beres"}, {"sub": "s"})
    assert rpc.calls[-1][1:3] == ("close_report", (REPORT, "Sudah beres", {"sub": "s"}))
