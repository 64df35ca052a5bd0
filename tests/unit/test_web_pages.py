"""The web client's server side without a browser or a stack: page rendering
with a fake RPC behind the real clients, static files, QR codes, languages. Fast; the browser run
(test_counter_hall.py) covers the scripts against the real stack."""
import glob
import gzip
import json
import os
import re

import falcon
import falcon.testing
import pytest
from nameko.exceptions import RemoteError

from gateway import errors
from gateway.middleware import RequestContext
from gateway.rpc import ServiceUnavailable
from gateway import web
from gateway.clients import Clients
from gateway.web import i18n
from gateway.ratelimit import kiosk_key
from services.common.config import LOCAL_SECRET
from services.queue.domain import token_key

TOKEN = "tok_abcdefghijklmnopqrstuv"
SERVICES = [
    {"code": "KTP", "name": "KTP-el", "names": {"id": "KTP-el", "en": "ID card"}, "prefix": "A",
     "open_now": True, "waiting": 3, "counters_open": 1, "daily_quota": 150, "issued_today": 10,
     "estimated_wait_minutes": 18},
    {"code": "IZIN", "name": "Perizinan", "names": {"id": "Perizinan", "en": "Permits"}, "prefix": "B",
     "open_now": True, "waiting": 0, "counters_open": 0, "daily_quota": 5, "issued_today": 5,
     "estimated_wait_minutes": None},
]


def office(**extra):
    return {"id": "33.71.02", "name": "Magelang Utara", "open_now": True, "evening_service": True,
            "closes_at": "2026-11-23T21:00+07:00", "next_session": "2026-11-24T08:00+07:00",
            "today": {"date": "2026-11-23", "holiday": None,
                      "sessions": [{"start": "2026-11-23T08:00+07:00", "end": "2026-11-23T12:00+07:00"},
                                   {"start": "2026-11-23T13:00+07:00", "end": "2026-11-23T21:00+07:00"}]},
            "services": [{k: s[k] for k in ("code", "name", "names", "prefix")} for s in SERVICES],
            **extra}


def view(**extra):
    return {"id": "t1", "number": "A-007", "office_id": "33.71.02", "service": "KTP", "status": "waiting",
            "people_ahead": 2, "estimated_wait_minutes": 12, "counter": None, "counter_name": None,
            "from_service": None, "called_at": None, "issued_at": "2026-11-23T19:02:11+07:00",
            "recalls": 0, "version": 1, **extra}


def conflict(**body):
    return RemoteError("Conflict", json.dumps({"detail": "no", "errors": [], **body}))


class FakeRpc:
    def __init__(self):
        self.answers = {}
        self.calls = []

    def call(self, service, method, *args, **kwargs):
        self.calls.append((method, args, kwargs))
        answer = self.answers[method]
        if isinstance(answer, Exception):
            raise answer
        return answer(*args, **kwargs) if callable(answer) else answer


class FakeReadModel:
    def __init__(self):
        self.views = {}

    def status(self, key):
        return self.views.get(key)


class Deps:
    def __init__(self):
        self.rpc = FakeRpc()
        self.clients = Clients(self.rpc)
        self.readmodel = FakeReadModel()


@pytest.fixture
def deps():
    d = Deps()
    d.rpc.answers.update({
        "list_offices": lambda: [office(id="33.71.01", name="Magelang Selatan", open_now=False),
                                 office(), office(id="33.71.03", name="Tengah", evening_service=False)],
        "get_office": lambda office_id: office(),
        "list_services": lambda office_id: SERVICES,
        "ticket_status": lambda token: view(),
        "board": lambda office_id: {
            "office_id": office_id, "name": "Magelang Utara", "generated_at": "2026-11-23T19:05:00+07:00",
            "open_now": True, "counters": [], "notices": [{"id": "n1", "text": "Ram rusak", "kind": "accessibility"}],
            "calls": [{"number": "A-007", "counter_id": "2", "counter_name": "Loket 2", "status": "called",
                       "called_at": "2026-11-23T19:04:00+07:00", "recalls": 1, "version": 3}],
            "waiting": [{"service": "KTP", "name": "KTP-el", "names": {"id": "KTP-el", "en": "ID card"}, "waiting": 4}]},
    })
    return d


@pytest.fixture
def client(deps):
    app = falcon.App(middleware=[RequestContext()])
    errors.install(app)
    web.install(app, deps)
    return falcon.testing.TestClient(app)


def test_home_lists_open_offices_first_then_evening(client):
    resp = client.simulate_get("/")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    order = re.findall(r'data-office="([\d.]+)"', resp.text)
    assert order == ["33.71.02", "33.71.03", "33.71.01"]
    assert 'href="/kiosk/33.71.02"' in resp.text and 'href="/display/33.71.02"' in resp.text
    assert "Tutup pukul 21.00" in resp.text and "08.00–12.00, 13.00–21.00" in resp.text
    assert "Buka lagi besok pukul 08.00 WIB" in resp.text
    assert "script-src 'self'" in resp.headers["content-security-policy"]
    assert '<html lang="id">' in resp.text


def test_english_on_request_and_remembered(client):
    resp = client.simulate_get("/", params={"lang": "en"})
    assert '<html lang="en">' in resp.text and "Open now" in resp.text
    assert resp.cookies["senja_lang"].value == "en"
    again = client.simulate_get("/", cookies={"senja_lang": "en"})
    assert '<html lang="en">' in again.text
    assert 'href="/?lang=id"' in again.text  # the switch back


def test_kiosk_shows_services_and_disables_a_full_one(client):
    resp = client.simulate_get("/kiosk/33.71.02")
    assert resp.status_code == 200
    ktp = re.search(r'<button[^>]*data-service="KTP"[^>]*>', resp.text).group(0)
    izin = re.search(r'<button[^>]*data-service="IZIN"[^>]*>', resp.text).group(0)
    assert "disabled" not in ktp and "disabled" in izin
    assert "3 orang menunggu · ± 18 menit · sisa kuota 140" in resp.text
    assert "Kuota hari ini habis" in resp.text
    assert 'method="post" action="/kiosk/33.71.02"' in resp.text


def test_kiosk_when_closed_says_when_it_opens(client, deps):
    deps.rpc.answers["get_office"] = lambda office_id: office(open_now=False)
    resp = client.simulate_get("/kiosk/33.71.02")
    assert "Kantor sedang tutup. Buka lagi besok pukul 08.00 WIB." in resp.text
    assert all("disabled" in b for b in re.findall(r'<button class="service"[^>]*>', resp.text))


KIOSK_KEY = kiosk_key(LOCAL_SECRET, "33.71.02")


def test_kiosk_form_post_without_javascript(client, deps):
    """On the office's kiosk (provisioned with its key) the printed view shows, office, date and time."""
    deps.rpc.answers["issue_ticket"] = lambda office_id, request, **kw: {
        **view(), "token": TOKEN, "replayed": False}
    provisioned = client.simulate_get("/kiosk/33.71.02", params={"kiosk_key": KIOSK_KEY})
    assert provisioned.status_code == 303 and provisioned.headers["location"].endswith("/kiosk/33.71.02")
    assert provisioned.cookies["senja_kiosk"].http_only
    resp = client.simulate_post("/kiosk/33.71.02", body="service=KTP&priority_reason=elderly&key=kiosk-abcdefgh",
                                headers={"Content-Type": "application/x-www-form-urlencoded",
                                         "Cookie": f"senja_kiosk={KIOSK_KEY}"})
    assert resp.status_code == 201
    method, args, kwargs = deps.rpc.calls[-3]
    assert method == "issue_ticket" and args[1] == {"service": "KTP", "channel": "kiosk",
                                                     "priority_reason": "elderly"}
    assert kwargs["idempotency_key"] == "127.0.0.1|kiosk-abcdefgh"  # scoped to the client
    assert ">A-007<" in resp.text and f'src="/t/{TOKEN}/qr.svg"' in resp.text
    assert "2 orang di depan Anda" in resp.text and "Perkiraan menunggu ± 12 menit" in resp.text
    assert 'data-kiosk="1"' in resp.text
    issued = view()["issued_at"]
    assert f"Diambil Senin, 23 November 2026, pukul {issued[11:13]}.{issued[14:16]}" in resp.text
    assert ">Magelang Utara<" in resp.text


def test_a_phone_form_post_goes_to_the_ticket_page(client, deps):
    """Without a kiosk key (a phone), the no-script post answers 303 See Other to /t/{token}."""
    deps.rpc.answers["issue_ticket"] = lambda office_id, request, **kw: {
        **view(), "token": TOKEN, "replayed": False}
    resp = client.simulate_post("/kiosk/33.71.02", body="service=KTP&key=kiosk-abcdefgh",
                                headers={"Content-Type": "application/x-www-form-urlencoded",
                                         "Cookie": "senja_kiosk=not-the-key"})
    assert resp.status_code == 303 and resp.headers["location"].endswith(f"/t/{TOKEN}")
    assert 'data-kiosk="0"' in client.simulate_get("/kiosk/33.71.02").text
    # A wrong key provisions nothing.
    wrong = client.simulate_get("/kiosk/33.71.02", params={"kiosk_key": "guess"})
    assert wrong.status_code == 200 and "senja_kiosk" not in wrong.cookies


def test_kiosk_form_post_refused_says_why_and_when(client, deps):
    deps.rpc.answers["issue_ticket"] = conflict(reason="quota", next_session="2026-11-24T08:00+07:00")
    resp = client.simulate_post("/kiosk/33.71.02", body="service=IZIN",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 409
    assert "Kuota layanan ini untuk hari ini sudah habis. Silakan datang lagi besok pukul 08.00 WIB." in resp.text


def test_unknown_office_is_an_html_404(client, deps):
    deps.rpc.answers["get_office"] = RemoteError("NotFound", json.dumps({"detail": "Unknown office"}))
    resp = client.simulate_get("/kiosk/99.99.99")
    assert resp.status_code == 404 and "Kantor dengan kode ini tidak ditemukan." in resp.text


def test_broker_trouble_is_an_html_503_with_retry_after(client, deps):
    deps.rpc.answers["board"] = ServiceUnavailable("queue", "timed out")
    resp = client.simulate_get("/display/33.71.02")
    assert resp.status_code == 503 and resp.headers["retry-after"] == "5"
    assert "Layanan sedang tidak tersedia" in resp.text


def test_display_renders_calls_waiting_and_notices(client):
    resp = client.simulate_get("/display/33.71.02")
    assert 'data-number="A-007" data-counter="2" data-recalls="1"' in resp.text
    assert "Loket 2" in resp.text and "panggilan ke-2" in resp.text
    assert "Ram rusak" in resp.text and 'id="sound"' in resp.text


def test_ticket_page_from_the_read_model(client, deps):
    deps.readmodel.views[token_key(TOKEN)] = view(status="called", counter="2", counter_name="Loket 2",
                                                        recalls=1, people_ahead=0)
    resp = client.simulate_get(f"/t/{TOKEN}")
    assert resp.status_code == 200
    assert "Dipanggil! Silakan menuju Loket 2" in resp.text and "Ini panggilan ke-2." in resp.text
    assert "ticket_status" not in [c[0] for c in deps.rpc.calls]
    assert resp.headers["cache-control"] == "private, no-cache"


def test_ticket_page_by_rpc_when_the_read_model_lacks_it(client):
    resp = client.simulate_get(f"/t/{TOKEN}")
    assert "Menunggu" in resp.text and 'id="ahead">2<' in resp.text and "± 12 menit" in resp.text
    assert "Diambil pukul 19.02" in resp.text


def test_unknown_or_malformed_ticket_is_a_clear_404(client, deps):
    deps.rpc.answers["ticket_status"] = RemoteError("NotFound", json.dumps({"detail": "No ticket"}))
    for path in (f"/t/{TOKEN}", "/t/short", "/t/has%20space-aaaaaaaaaaaaaaaa"):
        resp = client.simulate_get(path)
        assert resp.status_code == 404 and "Tiket tidak ditemukan" in resp.text, path


def test_cancel_without_javascript(client, deps):
    deps.rpc.answers["cancel_ticket"] = lambda token, **kw: view(status="cancelled")
    resp = client.simulate_post(f"/t/{TOKEN}")
    assert resp.status_code == 303 and resp.headers["location"].endswith(f"/t/{TOKEN}")


def test_qr_code_points_at_the_ticket_page(client):
    resp = client.simulate_get(f"/t/{TOKEN}/qr.svg")
    assert resp.status_code == 200 and resp.headers["content-type"] == "image/svg+xml"
    assert resp.text.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert client.simulate_get("/t/bad/qr.svg").status_code == 404


def test_static_files_are_versioned_cached_and_compressed(client):
    page = client.simulate_get("/counter").text
    src = re.search(r'src="(/static/[0-9a-f]{12}/js/counter\.js)"', page).group(1)
    resp = client.simulate_get(src, headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/javascript")
    assert resp.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert resp.headers["content-encoding"] == "gzip" and b"export" not in resp.content
    assert b"act(" in gzip.decompress(resp.content)
    again = client.simulate_get(src, headers={"If-None-Match": resp.headers["etag"]})
    assert again.status_code == 304
    old = client.simulate_get(src.replace(src.split("/")[2], "0" * 12))
    assert old.status_code == 200 and old.headers["cache-control"] == "public, no-cache"
    assert client.simulate_get(src.replace("counter.js", "nope.js")).status_code == 404


def test_no_inline_script_or_style_anywhere(client):
    for path in ("/", "/kiosk/33.71.02", "/display/33.71.02", "/counter", f"/t/{TOKEN}", "/t/short"):
        text = client.simulate_get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert " style=" not in text and "<style" not in text, path
        assert not re.search(r"<[^>]+\son[a-z]+=", text), path  # no inline event handlers


WEB = os.path.dirname(web.__file__)


def catalog_keys(lang):
    return {m.id[0] if m.pluralizable else m.id for m in i18n.read_catalog(lang) if m.id and not m.context}


def test_both_languages_have_the_same_texts_and_every_used_key_exists():
    assert catalog_keys("id") == catalog_keys("en")
    used = set()
    sources = (glob.glob(os.path.join(WEB, "*.py")) + glob.glob(os.path.join(WEB, "templates", "*.html"))
               + glob.glob(os.path.join(WEB, "static", "js", "*.js")))
    for path in sources:
        with open(path, encoding="utf-8") as fh:
            source = fh.read()
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""", source))
    assert used and used - catalog_keys("id") == set()


def test_templates_escape_what_services_send(client, deps):
    evil = '<script>alert(1)</script>"'
    deps.rpc.answers["list_offices"] = lambda: [office(name=evil)]
    deps.rpc.answers["board"] = lambda office_id: {
        "office_id": office_id, "name": evil, "generated_at": "2026-11-23T19:05:00+07:00", "open_now": True,
        "counters": [], "calls": [], "waiting": [], "notices": [{"id": "n", "text": evil, "kind": evil}]}
    for path in ("/", "/display/33.71.02"):
        text = client.simulate_get(path).text
        assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path
        assert 'notice-<' not in text


def test_features_stand_on_the_base_without_cycles():
    """base, i18n, forms and csrf import no feature; a feature imports no other feature
    (verify reads permit statuses from permits, office the hall's service names: the allowed edges)."""
    import ast
    features = {"hall", "permits", "access", "verify", "office", "booking", "notify"}
    allowed = {("verify", "permits"), ("office", "hall")}  # office: the hall's service names and day
    for path in glob.glob(os.path.join(WEB, "*.py")):
        module = os.path.basename(path)[:-3]
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
        imported = {node.module.rsplit(".", 1)[-1] for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gateway.web.")}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                     and node.module == "gateway.web" for alias in node.names}
        if module == "__init__":
            continue  # install() wires every feature
        wrong = {m for m in imported & features if (module, m) not in allowed} if module in features \
            else imported & features
        assert not wrong, (module, wrong)
