"""What a page does with a request beyond rendering it: concurrent requests
that never see each other's state, form posts that share the API's rate
limits and input rules, and form posts refused when another site sends them."""
import threading

import falcon
import falcon.testing
import pytest

from gateway import errors, web
from gateway.middleware import RequestContext
from gateway.ratelimit import Buckets, Limit, RateLimiter
from gateway.resources import tickets
from gateway.web.base import Page
from tests.unit.test_web_civic_pages import FACILITIES, invalid
from tests.unit.test_web_pages import SERVICES, TOKEN, Deps, office, view

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def methods(deps):
    return [c[0] for c in deps.rpc.calls]


@pytest.fixture
def deps():
    d = Deps()
    d.rpc.answers.update({
        "get_office": lambda office_id: office(),
        "list_services": lambda office_id: SERVICES,
        "office_accessibility": lambda office_id: FACILITIES,
        "issue_ticket": lambda office_id, request, **kw: {**view(), "token": TOKEN, "replayed": False},
    })
    return d


def app_with(deps, limiter=None):
    app = falcon.App(middleware=[RequestContext()] + ([limiter] if limiter else []))
    errors.install(app)
    web.install(app, deps, limiter)
    return app


# no request state on a page instance ------------------------------------------
def test_concurrent_form_posts_each_see_their_own_outcome(deps):
    """Eight citizens report problems at the same moment; every other one is refused.
    All eight calls are inside the service together (a barrier holds them there), so
    a page that kept anything of a request on itself would mix them up."""
    inside = threading.Barrier(8, timeout=10)

    def report_problem(facility_id, report, **kw):
        inside.wait()
        if report["contact"].endswith(("1", "3", "5", "7")):
            raise invalid(("contact", "not an Indonesian phone number"))
        return {"id": f"r{report['contact']}", "state": "open"}

    deps.rpc.answers["report_problem"] = report_problem
    app = app_with(deps)
    page = app._router.find("/access/33.71.02")[0]  # the one instance all requests share
    assert isinstance(page, Page)
    before = dict(vars(page))
    client = falcon.testing.TestClient(app)
    results = {}

    def post(i):
        body = f"facility_id=mgu-ramp-main&description=Masalah+nomor+{i}&contact=081200000{i}"
        results[i] = client.simulate_post("/access/33.71.02", body=body, headers=FORM)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for i, resp in results.items():
        others = [f"Masalah nomor {j}" for j in range(8) if j != i]
        assert f"Masalah nomor {i}<" in resp.text and not any(o + "<" in resp.text for o in others)
        if i % 2:
            assert resp.status_code == 422 and "Tulis nomor telepon Indonesia" in resp.text
            assert "Laporan Anda diterima" not in resp.text
        else:
            assert resp.status_code == 201 and f"Laporan Anda diterima dengan nomor r081200000{i}" in resp.text
            assert "Tulis nomor telepon Indonesia" not in resp.text
    assert len(results) == 8
    assert dict(vars(page)) == before  # nothing about any request was kept on the page


# the same input rules and rate limits as the API --------------------------------
def test_kiosk_form_refuses_an_unknown_priority_reason_visibly(deps):
    client = falcon.testing.TestClient(app_with(deps))
    resp = client.simulate_post("/kiosk/33.71.02", body="service=KTP&priority_reason=vip", headers=FORM)
    assert resp.status_code == 422
    assert "Pilih salah satu pilihan yang tersedia." in resp.text  # shown, not silently dropped
    assert "issue_ticket" not in methods(deps)
    assert 'value="" checked' in resp.text  # the form is there again, ready for another try


def test_form_post_and_json_post_take_from_one_bucket(deps):
    clock = [1000.0]
    limiter = RateLimiter("secret", limits={"issue_ticket": Limit("issue_ticket", 3, 3)},
                          buckets=Buckets(lambda: clock[0]))
    app = app_with(deps, limiter)
    app.add_route("/api/v1/offices/{office_id}/tickets", tickets.Tickets(deps.clients))
    client = falcon.testing.TestClient(app)
    api = "/api/v1/offices/33.71.02/tickets"
    assert client.simulate_post(api, json={"service": "KTP"}).status_code == 201
    assert client.simulate_post("/kiosk/33.71.02", body="service=KTP", headers=FORM).status_code == 303  # a phone: on to the ticket page
    assert client.simulate_post(api, json={"service": "KTP"}).status_code == 201
    page = client.simulate_post("/kiosk/33.71.02", body="service=KTP", headers=FORM)
    assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
    assert page.headers["retry-after"] == "20" and "coba lagi dalam 20 detik" in page.text
    json_twin = client.simulate_post(api, json={"service": "KTP"})
    assert json_twin.status_code == 429 and json_twin.json["reason"] == "rate_limited"
    assert methods(deps).count("issue_ticket") == 3
    # Reading the kiosk is not an operation; another office has its own bucket.
    assert client.simulate_get("/kiosk/33.71.02").status_code == 200
    assert client.simulate_post("/kiosk/33.71.01", body="service=KTP", headers=FORM).status_code == 303
    clock[0] += 20
    assert client.simulate_post("/kiosk/33.71.02", body="service=KTP", headers=FORM).status_code == 303


def test_report_form_shares_the_report_bucket_across_offices(deps):
    """The API's report route has no office in its URL: its bucket is per client, and so is the form's."""
    deps.rpc.answers["report_problem"] = lambda facility_id, report, **kw: {"id": "r1", "state": "open"}
    limiter = RateLimiter("secret", limits={"report_problem": Limit("report_problem", 1, 1)})
    client = falcon.testing.TestClient(app_with(deps, limiter))
    body = "facility_id=mgu-ramp-main&description=Ram+licin"
    assert client.simulate_post("/access/33.71.02", body=body, headers=FORM).status_code == 201
    assert client.simulate_post("/access/33.71.01", body=body, headers=FORM).status_code == 429


# cross-site form posts ----------------------------------------------------------
@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example"}, {"Origin": "null"},
    {"Origin": "http://falconframework.org.evil.example"}])
def test_a_form_post_from_another_site_changes_nothing(deps, headers):
    client = falcon.testing.TestClient(app_with(deps))
    for path, body in (("/kiosk/33.71.02", "service=KTP"), (f"/t/{TOKEN}", ""),
                       ("/access/33.71.02", "facility_id=mgu-ramp-main&description=Ram+licin"),
                       ("/permits", "permit_type=IUMK")):
        resp = client.simulate_post(path, body=body, headers={**FORM, **headers})
        assert resp.status_code == 403, path
        assert "dikirim dari situs lain" in resp.text
    assert not {"issue_ticket", "cancel_ticket", "report_problem", "apply"} & set(methods(deps))


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"},
    {"Origin": "http://falconframework.org"}, {}])
def test_a_form_post_from_our_own_page_goes_through(deps, headers):
    client = falcon.testing.TestClient(app_with(deps))
    resp = client.simulate_post("/kiosk/33.71.02", body="service=KTP", headers={**FORM, **headers})
    assert resp.status_code == 303 and "issue_ticket" in methods(deps)


def test_a_refused_form_whose_page_cannot_load_is_a_503_page(deps):
    """The one error path: refused (409), then the kiosk's own data is unavailable."""
    from tests.unit.test_web_pages import conflict
    from gateway.rpc import ServiceUnavailable
    deps.rpc.answers["issue_ticket"] = conflict(reason="quota")
    deps.rpc.answers["get_office"] = ServiceUnavailable("queue", "timed out")
    resp = falcon.testing.TestClient(app_with(deps)).simulate_post(
        "/kiosk/33.71.02", body="service=KTP", headers=FORM)
    assert resp.status_code == 503 and resp.headers["retry-after"] == "5"
    assert resp.headers["content-type"].startswith("text/html") and "Coba lagi" in resp.text


def test_a_service_failure_or_a_bug_on_a_page_is_an_html_500(deps):
    from nameko.exceptions import RemoteError
    client = falcon.testing.TestClient(app_with(deps))
    deps.rpc.answers["board"] = RemoteError("KeyError", "'calls'")  # the service failed
    deps.rpc.answers["list_offices"] = lambda: [{"id": "33.71.02"}]  # a reply the page cannot read
    for path in ("/display/33.71.02", "/"):
        resp = client.simulate_get(path)
        assert resp.status_code == 500 and resp.headers["content-type"].startswith("text/html"), path
        assert "Terjadi kesalahan" in resp.text


def test_behind_a_proxy_the_public_origin_is_ours(deps, monkeypatch):
    monkeypatch.setenv("SENJA_PUBLIC_URL", "https://antrean.magelangkota.go.id/")
    client = falcon.testing.TestClient(app_with(deps))
    ours = client.simulate_post("/kiosk/33.71.02", body="service=KTP",
                                headers={**FORM, "Origin": "https://antrean.magelangkota.go.id"})
    assert ours.status_code == 303
    theirs = client.simulate_post("/kiosk/33.71.02", body="service=KTP",
                                  headers={**FORM, "Origin": "https://antrean.magelangkota.go.id.evil.example"})
    assert theirs.status_code == 403 and methods(deps).count("issue_ticket") == 1
