"""Attack: replay someone else's Idempotency-Key. Before, the same key with any
body (or from anyone) handed back the first caller's ticket token or applicant
secret. Now a key is bound to the request it first came with (another body,
office or route: 422), scoped to the client that sent it (another address
gets its own result), and expires after 24 hours."""
import datetime as dt
import uuid

import pytest
from pymongo import MongoClient

from services.common import idempotency
from services.common.errors import Invalid
from tests.security.conftest import OFFICE, OTHER_OFFICE, application, client_ip
from tests.support import http


def post(stack, path, body, key, n):
    return http("POST", f"{stack.url}{path}", body,
                headers={"Idempotency-Key": key, "X-Forwarded-For": client_ip(n)})


def tickets(office=OFFICE):
    return f"/api/v1/offices/{office}/tickets"


def test_a_ticket_key_replays_only_the_same_request_from_the_same_client(stack):
    key = f"kiosk-{uuid.uuid4().hex}"
    status, _, first = post(stack, tickets(), {"service": "KTP"}, key, 60)
    assert status == 201
    status, hdrs, again = post(stack, tickets(), {"service": "KTP"}, key, 60)
    assert status == 201 and hdrs["Idempotent-Replayed"] == "true" and again["token"] == first["token"]

    status, _, problem = post(stack, tickets(), {"service": "UMUM"}, key, 60)
    assert status == 422 and "token" not in problem, problem
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    status, _, problem = post(stack, tickets(OTHER_OFFICE), {"service": "KTP"}, key, 60)
    assert status == 422 and "token" not in problem, problem

    # Another client that saw (or guessed) the key and sends the very same body.
    status, hdrs, other = post(stack, tickets(), {"service": "KTP"}, key, 61)
    assert status == 201 and "Idempotent-Replayed" not in hdrs
    assert other["token"] != first["token"] and other["number"] != first["number"]


def test_an_application_key_never_hands_over_another_applicant_secret(stack):
    key = f"apply-{uuid.uuid4().hex}"
    status, _, first = post(stack, "/api/v1/permits", application("Budi Santoso"), key, 62)
    assert status == 201, first
    status, _, problem = post(stack, "/api/v1/permits", application("Penyerang"), key, 62)
    assert status == 422 and "applicant_secret" not in problem, problem
    status, _, again = post(stack, "/api/v1/permits", application("Budi Santoso"), key, 62)
    assert status == 201 and again["applicant_secret"] == first["applicant_secret"]
    # The same key and body from elsewhere is a new application, with its own secret.
    status, _, other = post(stack, "/api/v1/permits", application("Budi Santoso"), key, 63)
    assert status == 201 and other["tracking_code"] != first["tracking_code"]
    assert other["applicant_secret"] != first["applicant_secret"]


def test_a_report_key_is_bound_to_its_report(stack):
    key = f"report-{uuid.uuid4().hex}"
    path = "/api/v1/facilities/mgu-ramp-main/reports"
    status, _, first = post(stack, path, {"description": "Ram licin sekali"}, key, 64)
    assert status == 201, first
    status, _, problem = post(stack, path, {"description": "Something else entirely"}, key, 64)
    assert status == 422, problem
    status, _, again = post(stack, path, {"description": "Ram licin sekali"}, key, 64)
    assert status == 201 and again["id"] == first["id"]


@pytest.fixture
def keys(stack):
    client = MongoClient(stack.mongo.uri)
    collection = client["senja_security_test"][f"idem_{uuid.uuid4().hex[:8]}"]
    idempotency.ensure_indexes(collection)
    yield collection
    client.close()


def test_keys_expire(keys):
    old = dt.datetime.now(dt.timezone.utc) - idempotency.KEY_TTL - dt.timedelta(minutes=1)
    assert idempotency.claim(keys, "s", "scope", "k", {"a": 1}, "first", now=old) == "first"
    assert idempotency.claim(keys, "s", "scope", "k", {"a": 1}, "second") == "second"
    assert idempotency.claim(keys, "s", "scope", "k", {"a": 1}, "third") == "second"
    with pytest.raises(Invalid):
        idempotency.claim(keys, "s", "scope", "k", {"a": 2}, "fourth")
    assert idempotency.claim(keys, "s", "other scope", "k", {"a": 2}, "fifth") == "fifth"
    assert [ix for ix in keys.index_information().values()
            if ix.get("expireAfterSeconds") == int(idempotency.KEY_TTL.total_seconds())]
