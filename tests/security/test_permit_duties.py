"""Attacks on permits: pushing an application through intake without its
documents, one supervisor approving and signing alone, an applicant secret in
a URL (query strings end up in logs and histories) or one that cannot be
changed once seen, uploads as free storage (no cap, replaced files kept), a
certificate whose QR code points at whatever Host the request named; and
staff who could not open the documents they must review."""
import base64
import hashlib
import re
import zlib

import pytest
from pymongo import MongoClient

from services.permits import domain
from tests.security.conftest import OFFICE, OTHER_OFFICE, application, bearer, client_ip
from tests.support import http

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def upload(stack, code, secret, content=PNG, document="ktp", n=90):
    boundary = "senjaBOUNDARY42"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"document\"\r\n\r\n{document}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"k.png\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + \
        f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
               "X-Forwarded-For": client_ip(n)}
    if secret:
        headers["X-Applicant-Secret"] = secret
    return http("POST", f"{stack.url}/api/v1/permits/{code}/documents", body, headers=headers)


def move(stack, code, action, headers, note=""):
    return http("POST", f"{stack.url}/api/v1/permits/{code}/transitions",
                {"action": action, "note": note}, headers=headers)


def apply(stack, n=91):
    # SKDU asks for one document, the KTP (tests/data/always-open.yaml).
    status, _, made = http("POST", f"{stack.url}/api/v1/permits",
                           application(permit_type="SKDU", answers={}),
                           headers={"X-Forwarded-For": client_ip(n)})
    assert status == 201, made
    return made["tracking_code"], made["applicant_secret"]


@pytest.fixture(scope="module")
def staff(token):
    return {"clerk": bearer(token("clerk")), "supervisor": bearer(token("supervisor")),
            "second supervisor": bearer(token("supervisor", username="supervisor.two")),
            "other office": bearer(token("clerk", offices=[OTHER_OFFICE], username="clerk.other"))}


def test_intake_needs_the_required_documents(stack, staff):
    code, secret = apply(stack)
    assert move(stack, code, "start_intake", staff["clerk"])[0] == 200
    status, _, problem = move(stack, code, "accept", staff["clerk"])
    assert status == 422 and problem["errors"] == [
        {"field": "documents", "message": "required documents missing: ktp"}], problem
    assert upload(stack, code, secret)[0] == 201
    assert move(stack, code, "accept", staff["clerk"])[0] == 200


def test_staff_open_documents_as_attachments_of_the_checked_type(stack, staff):
    code, secret = apply(stack)
    assert upload(stack, code, secret)[0] == 201
    url = f"{stack.url}/api/v1/permits/{code}/documents/ktp"
    import urllib.request
    with urllib.request.urlopen(urllib.request.Request(url, headers=staff["clerk"])) as resp:
        assert resp.read() == PNG
        assert resp.headers["Content-Type"] == "image/png"
        assert resp.headers["Content-Disposition"].startswith("attachment;")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Cache-Control"] == "no-store"
    assert http("GET", url)[0] == 401
    assert http("GET", url, headers={"X-Applicant-Secret": secret})[0] == 401
    assert http("GET", url, headers=staff["other office"])[0] == 403
    assert http("GET", url.replace("/ktp", "/npwp"), headers=staff["clerk"])[0] == 404


def issued_to_signing(stack, staff):
    code, secret = apply(stack)
    assert upload(stack, code, secret)[0] == 201
    for action, who in (("start_intake", "clerk"), ("accept", "clerk"), ("approve", "supervisor"),
                        ("send_to_signing", "clerk")):
        assert move(stack, code, action, staff[who])[0] == 200, action
    return code, secret


def test_whoever_approved_may_not_sign_alone(stack, staff):
    code, secret = issued_to_signing(stack, staff)
    status, _, problem = move(stack, code, "sign", staff["supervisor"])
    assert status == 403 and "may not also sign" in problem["detail"], problem
    status, _, issued = move(stack, code, "sign", staff["second supervisor"])
    assert status == 200 and issued["status"] == "issued"


def test_the_applicant_secret_is_never_taken_from_a_url(stack, staff):
    code, secret = issued_to_signing(stack, staff)
    assert move(stack, code, "sign", staff["second supervisor"])[0] == 200
    url = f"{stack.url}/api/v1/permits/{code}/certificate.pdf"
    assert http("GET", f"{url}?secret={secret}")[0] == 401
    import urllib.request
    with urllib.request.urlopen(urllib.request.Request(
            url, headers={"X-Applicant-Secret": secret})) as resp:
        assert resp.read().startswith(b"%PDF-")
    form = urllib.request.Request(url, data=f"secret={secret}".encode(), method="POST",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(form) as resp:
        assert resp.headers["Content-Type"] == "application/pdf" and resp.read().startswith(b"%PDF-")
    assert http("POST", url, b"secret=wrong", headers={
        "Content-Type": "application/x-www-form-urlencoded"})[0] == 403


def test_the_applicant_can_rotate_the_secret(stack):
    code, old = apply(stack)
    path = f"{stack.url}/api/v1/permits/{code}/applicant-secret"
    assert http("POST", path)[0] == 403
    status, hdrs, body = http("POST", path, headers={"X-Applicant-Secret": old})
    assert status == 200 and hdrs["Cache-Control"] == "no-store"
    new = body["applicant_secret"]
    assert new != old
    assert upload(stack, code, old)[0] == 403
    assert upload(stack, code, new)[0] == 201
    assert http("POST", path, headers={"X-Applicant-Secret": old})[0] == 403


def test_a_replaced_document_leaves_no_file_behind(stack):
    code, secret = apply(stack)
    for n in range(3):
        assert upload(stack, code, secret, PNG + bytes([n]), n=100 + n)[0] == 201
    client = MongoClient(stack.mongo.uri)
    try:
        files = list(client["senja_permits"]["documents.files"].find({"metadata.tracking_code": code}))
    finally:
        client.close()
    assert [f["metadata"]["sha256"] for f in files] == [hashlib.sha256(PNG + bytes([2])).hexdigest()]


def test_uploads_per_application_are_capped(stack):
    code, secret = apply(stack)
    for n in range(domain.MAX_UPLOADS):
        assert upload(stack, code, secret, n=110 + n % 10)[0] == 201
    status, _, problem = upload(stack, code, secret, n=121)
    assert status == 422 and "uploads" in problem["errors"][0]["message"]


def test_uploads_per_address_are_limited(stack):
    code, secret = apply(stack)
    # 20 a minute per address; the buckets live in each of the stack's 2 gunicorn workers, and
    # requests reach them unevenly (and refill while we send), so count up to the first 429.
    statuses = []
    while 429 not in statuses and len(statuses) < 60:
        statuses.append(upload(stack, code, secret, document="x", n=130)[0])
    assert statuses[:20] == [422] * 20  # unknown document: refused, nothing stored
    assert statuses[-1] == 429 and len(statuses) <= 2 * 20 + 10, statuses  # both buckets, a little refill


def test_each_application_has_a_storage_cap():
    big = {"ktp": {"bytes": domain.MAX_APPLICATION_BYTES - 100}}
    assert domain.check_upload_quota(1, big, "npwp", 101)[0][0] == "file"
    assert domain.check_upload_quota(1, big, "npwp", 100) == []
    assert domain.check_upload_quota(1, big, "ktp", domain.MAX_APPLICATION_BYTES) == []


def test_the_certificate_points_at_the_configured_url_whatever_the_host(stack, staff):
    code, secret = issued_to_signing(stack, staff)
    assert move(stack, code, "sign", staff["second supervisor"])[0] == 200
    import urllib.request
    req = urllib.request.Request(f"{stack.url}/api/v1/permits/{code}/certificate.pdf", headers={
        "X-Applicant-Secret": secret, "Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    with urllib.request.urlopen(req) as resp:
        pdf = resp.read()
    # ReportLab writes its page streams ASCII85 then Flate encoded.
    text = b"".join(zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
                    for stream in re.findall(rb"/ASCII85Decode /FlateDecode.*?stream\r?\n(.*?)endstream",
                                             pdf, re.S))
    assert b"evil.example" not in text
    assert f"{stack.url}/verify?number=".encode() in text  # the printed URL (SENJA_ENV=local default)
