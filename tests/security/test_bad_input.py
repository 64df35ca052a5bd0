"""Attack: bodies meant to make the gateway work hard or fail (huge, deeply
nested, NaN, the wrong type, sent without a length). Each gets its 4xx
problem+json before anything parses it, never a 500."""
import http.client
import json
import urllib.parse

import pytest

from gateway.middleware import MAX_BODY_BYTES, MAX_JSON_DEPTH
from tests.security.conftest import OFFICE, client_ip
from tests.support import http as call

TICKETS = f"/api/v1/offices/{OFFICE}/tickets"
JSON_ROUTES = [TICKETS, "/api/v1/permits", "/api/v1/auth/token"]


def raw(stack, method, path, body, headers):
    """Send exactly these bytes and headers (urllib would add a Content-Type and a length)."""
    parts = urllib.parse.urlsplit(stack.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        if isinstance(body, list):  # chunked
            for chunk in body:
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.send(b"0\r\n\r\n")
        elif body:
            conn.send(body)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.getheader("Content-Type"), json.loads(data) if data else None
    finally:
        conn.close()


def headers(n, **extra):
    return {"X-Forwarded-For": client_ip(200 + n), **extra}


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_an_oversized_body_is_413_from_its_length(stack, path):
    body = b'{"service": "' + b"A" * MAX_BODY_BYTES + b'"}'
    status, ctype, problem = raw(stack, "POST", path, body, headers(
        1, **{"Content-Type": "application/json", "Content-Length": str(len(body))}))
    assert status == 413 and ctype.startswith("application/problem+json"), problem
    assert problem["errors"][0]["field"] == "body"


def test_an_oversized_chunked_body_is_413(stack):
    chunks = [b'{"service": "'] + [b"A" * 8192] * (MAX_BODY_BYTES // 8192 + 2) + [b'"}']
    status, _, problem = raw(stack, "POST", TICKETS, chunks, headers(
        2, **{"Content-Type": "application/json", "Transfer-Encoding": "chunked"}))
    assert status == 413, problem


def test_a_small_chunked_json_body_is_read(stack):
    status, _, made = raw(stack, "POST", TICKETS, [b'{"serv', b'ice": "KTP"}'], headers(
        3, **{"Content-Type": "application/json", "Transfer-Encoding": "chunked"}))
    assert status == 201 and made["number"].startswith("A-"), made


@pytest.mark.parametrize("path", JSON_ROUTES)
@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_a_json_route_refuses_other_media_types(stack, path, content_type):
    body = b'{"service": "KTP"}'
    hdrs = headers(4, **{"Content-Length": str(len(body))})
    if content_type:
        hdrs["Content-Type"] = content_type
    status, _, problem = raw(stack, "POST", path, body, hdrs)
    assert status == 415, problem
    assert problem["errors"] == [{"field": "Content-Type", "message": "must be application/json"}]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(stack, literal):
    status, _, problem = call("POST", f"{stack.url}/api/v1/permits",
                              f'{{"office_id": "{OFFICE}", "x": {literal}}}'.encode(),
                              headers=headers(5))
    assert status == 400, problem
    assert "not a JSON number" in problem["errors"][0]["message"]


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5000])
def test_deep_nesting_is_refused(stack, depth):
    body = b'{"service": ' + b"[" * depth + b"]" * depth + b"}"
    assert len(body) < MAX_BODY_BYTES
    status, _, problem = call("POST", f"{stack.url}{TICKETS}", body, headers=headers(6))
    assert status == 400, problem
    assert "nested deeper" in problem["errors"][0]["message"]


def test_multipart_without_a_length_is_handled(stack):
    boundary = "senjaboundary"
    form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"document\"\r\n\r\nKTP\r\n"
            f"--{boundary}--\r\n").encode()
    status, _, problem = raw(stack, "POST", "/api/v1/permits/SJ-NOPE/documents", [form], headers(
        7, **{"Content-Type": f"multipart/form-data; boundary={boundary}",
              "Transfer-Encoding": "chunked", "X-Applicant-Secret": "x" * 32}))
    assert status in (404, 422), problem
    status, _, problem = raw(stack, "POST", "/api/v1/permits/SJ-NOPE/documents", [], headers(
        7, **{"Content-Type": f"multipart/form-data; boundary={boundary}",
              "Transfer-Encoding": "chunked"}))
    assert status in (400, 422), problem
