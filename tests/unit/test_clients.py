"""The typed clients: input checked with the service's own schema before any
RPC, and every way an RPC can fail mapped once, into the few client errors
the API turns into problem+json (and pages into pages)."""
import json

import falcon
import pytest
from nameko.exceptions import RemoteError

from gateway import errors
from gateway.clients import Clients
from gateway.clients import errors as client_errors
from gateway.rpc import ServiceUnavailable


class Rpc:
    def __init__(self, answer=None):
        self.answer = answer
        self.calls = []

    def call(self, service, method, *args, **kwargs):
        self.calls.append((service, method, args, kwargs))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def remote(exc_type, **body):
    return RemoteError(exc_type, json.dumps({"detail": "no", "errors": [], **body}))


def test_bad_input_is_refused_before_any_rpc():
    rpc = Rpc({})
    clients = Clients(rpc)
    with pytest.raises(client_errors.Invalid) as caught:
        clients.queue.issue_ticket("33.71.02", {"service": "KTP", "priority_reason": "vip", "x": 1})
    assert {e["field"] for e in caught.value.errors} == {"priority_reason", "x"}
    with pytest.raises(client_errors.Invalid):
        clients.queue.act("33.71.02", "1", {"action": "transfer"})  # transfer needs to_service
    with pytest.raises(client_errors.Invalid):
        clients.permits.verify("337102-IUMK-2026-00001", None)  # the code is required
    with pytest.raises(client_errors.Invalid):
        clients.accessibility.add_facility("33.71.02", ["not", "an", "object"], {})
    assert rpc.calls == []


def test_loaded_input_is_sent_with_its_defaults():
    rpc = Rpc({"ok": True})
    clients = Clients(rpc)
    clients.queue.issue_ticket("33.71.02", {"service": "KTP"}, idempotency_key="kiosk-000001")
    clients.queue.counter_action("33.71.02", "1", "call_next", actor="staff:siti")
    clients.queue.stats("33.71.02", "2026-11-23")
    assert rpc.calls == [
        ("queue", "issue_ticket", ("33.71.02", {"service": "KTP", "priority_reason": None, "channel": "web"}),
         {"idempotency_key": "kiosk-000001", "actor": "citizen"}),
        ("queue", "counter_action", ("33.71.02", "1", "call_next"), {"to_service": None, "actor": "staff:siti"}),
        ("queue", "stats", ("33.71.02", "2026-11-23"), {}),
    ]


def test_work_list_only_for_the_callers_offices():
    rpc = Rpc([])
    with pytest.raises(client_errors.Forbidden):
        Clients(rpc).permits.find_work({"office_id": "33.71.02"}, staff={"offices": ["33.71.01"]})
    assert rpc.calls == []


@pytest.mark.parametrize("failure,kind,status", [
    (remote("NotFound"), client_errors.NotFound, 404),
    (remote("Conflict", reason="quota", next_session="2026-11-24T08:00+07:00"), client_errors.Conflict, 409),
    (remote("Invalid", errors=[{"field": "service", "message": "unknown"}]), client_errors.Invalid, 422),
    (remote("Forbidden"), client_errors.Forbidden, 403),
    (RemoteError("ServerSelectionTimeoutError", "no primary"), client_errors.Unavailable, 503),
    (RemoteError("AutoReconnect", "connection reset"), client_errors.Unavailable, 503),
    (ServiceUnavailable("queue", "timed out"), client_errors.Unavailable, 503),
    (RemoteError("KeyError", "'x'"), client_errors.Broken, 500),
])
def test_every_failure_maps_once_to_a_client_error_and_a_problem(failure, kind, status):
    with pytest.raises(kind) as caught:
        Clients(Rpc(failure)).queue.get_office("33.71.02")
    problem = errors.problem(caught.value)
    body = problem.to_dict()
    assert body["status"] == status and problem.status == falcon.code_to_http_status(status)
    if status == 409:
        assert body["reason"] == "quota" and body["next_session"].startswith("2026-11-24")
    if status == 422:
        assert body["errors"] == [{"field": "service", "message": "unknown"}]
    if status == 503:
        assert problem.headers["Retry-After"] == "5"
    if status == 500:
        assert "KeyError" not in json.dumps(body)  # internals stay in the log


def test_one_handler_per_kind_of_route():
    """API routes answer problem+json; other routes go to the pages' handler when there is one."""
    import falcon.testing

    from gateway.app import SenjaApp

    class Missing:
        def on_get(self, req, resp):
            raise client_errors.NotFound("No such office")

    app = SenjaApp()
    errors.install(app)
    app.add_route("/api/v1/thing", Missing())
    app.add_route("/thing", Missing())
    client = falcon.testing.TestClient(app)
    assert client.simulate_get("/thing").headers["content-type"] == "application/problem+json"

    def page(req, resp, exc, params):
        resp.status, resp.content_type, resp.text = falcon.HTTP_404, "text/html", f"<p>{exc.detail}</p>"

    app.page_errors = page
    api, html = client.simulate_get("/api/v1/thing"), client.simulate_get("/thing")
    assert api.status_code == 404 and api.json["detail"] == "No such office"
    assert html.status_code == 404 and html.text == "<p>No such office</p>"
