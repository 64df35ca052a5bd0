"""No NIK or phone number in clear in any log of the security run.

Runs last (file name): by then the stack has logged everything the other
security tests provoked, with SENJA_LOG_LEVEL=DEBUG. This test adds requests
that carry a NIK and phone numbers in paths, query strings, headers and
bodies, on public and staff routes, valid and invalid, so that a component
that echoes its input would be caught. Then every captured log is scanned:
for the values sent, and for anything shaped like a NIK or an Indonesian
mobile number.
"""
import re
import time

from tests.security.conftest import OFFICE, PASSWORD, bearer
from tests.support import http

NIK = "3371024107900002"          # structurally valid: Magelang Utara, a woman born 1 Jul 1990
NIK_GROUPED = "337102.410790.0002"
PHONE = "081234567890"
PHONE_INTL = "+6281298765432"
PHONE_SPACED = "0812 3456 7891"
SENT = [NIK, PHONE, PHONE_INTL.lstrip("+"), "81298765432", "81234567890", "081234567891"]

# Anything that looks like personal data, whatever the test sent.
PII_PATTERNS = [
    ("NIK", re.compile(r"(?<![\w.])\d{16}(?![\w.])")),
    ("NIK grouped", re.compile(r"(?<![\w.])\d{6}[ .-]\d{6}[ .-]\d{4}(?![\w.])")),
    ("phone", re.compile(r"(?<![\w.])(?:\+?62|0)[ -]?8\d{2}[ -]?\d{3,4}[ -]?\d{3,5}(?![\w.])")),
]


# Random ids (uuid4 call and correlation ids, hex request ids) are not personal data, but a
# uuid's last group can be twelve digits starting 08: a phone shape (seen once in a run).
RANDOM_IDS = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{32}\b")


def find_pii(text, sent=SENT):
    """[(kind, excerpt)] for every NIK or phone number in clear in ``text``."""
    found = []
    digits_only = re.sub(r"[ .\-+]", "", text)
    for value in sent:
        if value in text or value in digits_only:
            i = text.find(value)
            found.append(("sent value", text[max(0, i - 80):i + 80] if i >= 0 else value))
    shapes = RANDOM_IDS.sub("<id>", text)
    for kind, pattern in PII_PATTERNS:
        for m in pattern.finditer(shapes):
            found.append((kind, shapes[max(0, m.start() - 80):m.end() + 80]))
    return found


def _tomorrow_10():
    import datetime as dt
    day = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date() + dt.timedelta(days=1)
    return f"{day}T10:00:00+07:00"


def _provoke(stack, token):
    url = stack.url
    clerk = bearer(token("clerk"))
    pii_headers = {"X-Request-Id": NIK, "User-Agent": f"kiosk {PHONE}", "X-Phone": PHONE_SPACED,
                   "X-Forwarded-For": "198.51.100.200", "Idempotency-Key": f"nik-{NIK}"}
    calls = [
        ("POST", f"/api/v1/offices/{OFFICE}/tickets", {"service": "KTP", "nik": NIK, "phone": PHONE}),
        ("POST", f"/api/v1/offices/{OFFICE}/tickets", {"service": NIK}),
        ("POST", f"/api/v1/offices/{OFFICE}/tickets", {"service": "KTP"}),
        ("POST", f"/api/v1/offices/{NIK}/tickets", {"service": "KTP"}),
        ("GET", f"/api/v1/tickets/{NIK}{NIK}", None),
        ("DELETE", f"/api/v1/tickets/{PHONE}{PHONE}", None),
        ("GET", f"/api/v1/offices/{OFFICE}/services?phone={PHONE}&nik={NIK}", None),
        ("GET", f"/api/v1/permits?nik={NIK}", None),
        ("POST", "/api/v1/permits", {"office_id": OFFICE, "permit_type": "SKDU",
                                     "applicant": {"nik": NIK, "name": "Siti Aminah", "phone": PHONE_INTL},
                                     "business": {"name": "Warung Siti", "phone": PHONE_SPACED},
                                     "answers": {"nik_pemilik": NIK_GROUPED}}),
        ("POST", "/api/v1/facilities/mgu-ramp-main/reports",
         {"description": f"Ram rusak, hubungi {PHONE}", "contact": PHONE_INTL, "nik": NIK}),
        ("POST", "/api/v1/auth/token", {"username": PHONE, "password": NIK}),
        ("POST", "/api/v1/auth/token", {"username": "clerk.sec", "password": NIK}),
        ("POST", f"/api/v1/offices/{OFFICE}/notices", {"text": f"Hubungi {PHONE}", "nik": NIK}),
        ("GET", f"/api/v1/offices/{OFFICE}/stats?date={NIK}", None),
        ("GET", f"/{NIK}?phone={PHONE}", None),
        ("GET", f"/t/{NIK}", None),
        # Bookings keep a phone for a reminder: never logged (branch booking).
        ("POST", f"/api/v1/offices/{OFFICE}/bookings", {"service": "KTP", "slot_start": _tomorrow_10(),
                                                       "phone": PHONE}),
        ("POST", f"/api/v1/offices/{OFFICE}/bookings", {"service": "KTP", "slot_start": _tomorrow_10(),
                                                       "phone": PHONE_SPACED + "99"}),
        ("POST", f"/api/v1/offices/{OFFICE}/bookings/check-in", {"code": PHONE}),
    ]
    for method, path, body in calls:
        for headers in (pii_headers, {**pii_headers, **clerk}):
            status, _, _ = http(method, url + path, body, headers=headers)
            assert status < 500, (method, path, status)
    # Malformed JSON that contains the values, and a broken Authorization header.
    raw = f'{{"service": "KTP", "nik": "{NIK}", "phone": "{PHONE}"'.encode()
    assert http("POST", f"{url}/api/v1/offices/{OFFICE}/tickets", raw, headers=pii_headers)[0] == 400
    assert http("GET", f"{url}/api/v1/auth/me", headers={"Authorization": f"Bearer {NIK}.{PHONE}"})[0] == 401
    # A staff login that works, then a counter action carrying personal data.
    status, _, body = http("POST", f"{url}/api/v1/auth/token", {"username": "clerk.sec", "password": PASSWORD},
                           headers=pii_headers)
    assert status == 200
    http("POST", f"{url}/api/v1/offices/{OFFICE}/counters/1/actions",
         {"action": "transfer", "to_service": PHONE, "note": NIK},
         headers={**pii_headers, **bearer(body["access_token"])})


def test_no_personal_data_in_any_log(stack, token):
    _provoke(stack, token)
    time.sleep(1.0)  # let services flush what the last calls logged
    logs = stack.logs()
    assert set(logs) == {"queue", "permits", "accessibility", "survey", "gateway"}
    assert sum(len(text) for text in logs.values()) > 10_000, "the run should have logged plenty"
    # The logs did see the request: the request id was masked, not dropped.
    assert "[NIK]" in logs["gateway"]
    leaks = {name: find_pii(text)[:5] for name, text in logs.items() if find_pii(text)}
    assert not leaks, leaks


def test_the_scanner_finds_what_it_should():
    assert find_pii(f'{{"msg": "x {NIK} y"}}')
    assert find_pii(f'{{"msg": "call {PHONE_SPACED}"}}')
    assert find_pii('"+62 812-3456-7890"')
    assert not find_pii('{"request_id": "4f1c2b9e0d8a7f6e5d4c3b2a19087f6e", "ts": "2026-11-23T19:00:00.123Z"}')
    assert not find_pii('{"msg": "POST /api/v1/offices/{office_id}/tickets 201 12.3ms"}')
    # A uuid4 whose last group happens to be all digits from 08 is an id, not a phone...
    assert not find_pii('{"call_id": "queue.issue_ticket.5b0e51d2-9c1f-4a8e-b3d7-086472281072"}')
    # ...but a phone written beside it is still found.
    assert find_pii('{"call_id": "5b0e51d2-9c1f-4a8e-b3d7-086472281072", "msg": "0812-3456-7890"}')
