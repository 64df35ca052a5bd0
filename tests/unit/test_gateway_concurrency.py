"""No request state lives on a resource instance: gunicorn runs many threads
through one resource object. Many concurrent requests, each with its own
office, token, body and staff member, through the real app (middleware,
clients, resources) with a stand-in RPC that answers from the arguments it
receives after a random pause, so requests overlap inside the responders.
Every answer must be its own request's, and no resource's attributes change."""
import concurrent.futures
import random
import threading
import time

import falcon.testing

from gateway.app import create_app
from gateway.auth import TokenSigner
from gateway.clients import Clients
from gateway.readmodel import TicketReadModel
from services.common import config

SECRET = "concurrency-test-secret"
OFFICES = [f"33.71.0{i}" for i in range(1, 4)]


def ticket(token, office_id="33.71.02", service="KTP", **extra):
    return {"id": token[:12], "number": f"A-{token[:3]}", "office_id": office_id, "service": service,
            "status": "waiting", "priority_reason": None, "people_ahead": 1,
            "estimated_wait_minutes": 5, "estimate_available": True, "counter": None,
            "counter_name": None, "from_service": None, "called_at": None, "issued_at": None,
            "recalls": 0, "version": 1, **extra}


class EchoRpc:
    """Answers each call from its own arguments, after a random pause."""

    def __init__(self):
        self.calls = 0
        self._lock = threading.Lock()

    def call(self, service, method, *args, **kwargs):
        with self._lock:
            self.calls += 1
        time.sleep(random.uniform(0, 0.004))
        if method == "ticket_status":
            return ticket(args[0])
        if method == "issue_ticket":
            office_id, request = args
            # The gateway scopes the key per client ("address|key"); tokens are URL-safe.
            token = (f"{office_id}-{request['service']}-{kwargs['idempotency_key']}"
                     .replace(".", "").replace("|", "-"))
            return {**ticket(token, office_id, request["service"]), "token": token, "replayed": False}
        if method == "counter_action":
            office_id, counter_id, action = args
            return {"counter": {"id": counter_id, "name": kwargs["actor"], "services": [office_id],
                                "open": True, "accessible": False, "current": None},
                    "ticket": None, "action": action}
        if method == "list_counters":
            return [{"id": args[0], "name": "Loket", "services": [], "open": True,
                     "accessible": False, "current": None}]
        raise AssertionError(f"unexpected call {method}")


class Deps:
    def __init__(self):
        # Rate limits off: hundreds of tickets come from one test address.
        self.settings = config.from_env({"SENJA_SECRET": SECRET, "RATE_LIMIT_ISSUE_TICKET_PER_MINUTE": "0"})
        self.signer = TokenSigner(SECRET)
        self.rpc = EchoRpc()
        self.clients = Clients(self.rpc)
        self.readmodel = TicketReadModel()  # not synced: every status goes to the RPC
        self.db = self.staff = self.feed = self.login_throttle = None


def _resource_state(app):
    """Every routed resource's attributes, by identity and value."""
    from gateway.openapi import iter_routes
    return {(path, name): (id(value), repr(value) if isinstance(value, (str, int, float, bool, type(None)))
                           else None)
            for path, resource, _ in iter_routes(app) for name, value in vars(resource).items()}


def test_concurrent_requests_each_get_their_own_answer():
    deps = Deps()
    app = create_app(deps)
    client = falcon.testing.TestClient(app)
    before = _resource_state(app)
    clerks = {office: deps.signer.issue({"username": f"clerk-{office}", "role": "clerk",
                                         "office_ids": [office]})[0] for office in OFFICES}

    def status(n):
        token = f"tok{n:04d}" + "x" * 20
        resp = client.simulate_get(f"/api/v1/tickets/{token}")
        return resp.status_code == 200 and resp.json["id"] == token[:12]

    def issue(n):
        office, service = OFFICES[n % 3], ("KTP", "KK", "AKTA")[n % 2]
        key = f"kiosk-{n:06d}"
        resp = client.simulate_post(f"/api/v1/offices/{office}/tickets", json={"service": service},
                                    headers={"Idempotency-Key": key})
        body = resp.json
        return (resp.status_code == 201 and body["office_id"] == office and body["service"] == service
                and body["token"].endswith(key) and body["status_url"] == f"/api/v1/tickets/{body['token']}")

    def act(n):
        office = OFFICES[n % 3]
        resp = client.simulate_post(f"/api/v1/offices/{office}/counters/{n}/actions",
                                    json={"action": "open"},
                                    headers={"Authorization": f"Bearer {clerks[office]}"})
        counter = resp.json["counter"]
        return (resp.status_code == 200 and counter["id"] == str(n) and counter["services"] == [office]
                and counter["name"] == f"staff:clerk-{office}")

    def counters(n):
        office = OFFICES[n % 3]
        resp = client.simulate_get(f"/api/v1/offices/{office}/counters")
        return resp.status_code == 200 and resp.json[0]["id"] == office

    def invalid(n):
        # A bad body in the middle of good ones: its 422 names its own field only.
        resp = client.simulate_post(f"/api/v1/offices/{OFFICES[n % 3]}/tickets",
                                    json={"service": "KTP", f"extra{n}": 1})
        return resp.status_code == 422 and [e["field"] for e in resp.json["errors"]] == [f"extra{n}"]

    kinds = (status, issue, act, counters, invalid)
    jobs = [(kinds[n % len(kinds)], n) for n in range(500)]
    random.Random(11).shuffle(jobs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda job: (job[0].__name__, job[1], job[0](job[1])), jobs))

    wrong = [(name, n) for name, n, ok in results if not ok]
    assert not wrong, wrong[:10]
    assert deps.rpc.calls == 400  # every request but the invalid ones reached the (stand-in) service
    assert _resource_state(app) == before
