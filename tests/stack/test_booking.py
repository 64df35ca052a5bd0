"""Booking a slot and checking in, over HTTP against the real stack: capacity
under many concurrent clients (also with a second queue service instance),
check-in as a ticket at its place, cancel and no-show returning a place once."""
import concurrent.futures
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from zoneinfo import ZoneInfo

import pytest
from pymongo import MongoClient

from gateway.ratelimit import kiosk_key
from tests.support import ROOT, free_port, http, wait_port

OFFICE = "33.72.01"  # Laweyan (Kota Surakarta): configured here through the API, this module's own
WIB = ZoneInfo("Asia/Jakarta")
PER_SLOT = 5
CONFIG = {
    "timezone": "Asia/Jakarta", "observe_national_holidays": False,
    "sessions": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    "services": [
        {"code": "KTP", "prefix": "A", "name": {"id": "KTP-el", "en": "ID card"},
         "booking": {"slot_minutes": 30, "per_slot": PER_SLOT}},
        {"code": "UMUM", "prefix": "C", "name": {"id": "Umum", "en": "General"}}],
    "counters": [{"id": "1", "name": "Loket 1", "services": ["KTP", "UMUM"]}],
}
CLIENTS = 60      # concurrent clients per round
SLOTS = 4         # slots raced for per round (capacity PER_SLOT each)


@pytest.fixture(scope="module")
def office(stack, login):
    status, _, body = http("PUT", f"{stack.url}/api/v1/offices/{OFFICE}", {**CONFIG},
                           headers=login("admin.laweyan"))
    assert status == 200, body
    return OFFICE


def tomorrow():
    return (dt.datetime.now(WIB) + dt.timedelta(days=1)).date()


def slots(stack, day, service="KTP"):
    status, _, body = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/slots?service={service}&date={day}")
    assert status == 200, body
    return body


def book(stack, start, **extra):
    """As a client should: a 503 (a busy machine, RPC timeout) is retried with the same key."""
    key = {"Idempotency-Key": f"book-{uuid.uuid4().hex}"}
    for _ in range(3):
        answer = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/bookings",
                      {"service": "KTP", "slot_start": start, **extra}, headers=key)
        if answer[0] != 503:
            return answer
        time.sleep(1)
    return answer


def race(stack, starts):
    """CLIENTS clients at once spread over ``starts``: {start: [statuses]}."""
    targets = [starts[i % len(starts)] for i in range(CLIENTS)]
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(lambda s: (s, book(stack, s)), targets))
    out = {s: [] for s in starts}
    for start, (status, _, body) in answers:
        assert status in (201, 409), body
        if status == 409:
            assert body["reason"] == "full" and body["type"] and body["status"] == 409
        out[start].append(status)
    return out


def next_slot_start():
    """The next slot's start (30-minute slots): within 30 minutes, so its check-in
    window is open. Not within seconds of now, which would be past by the time it is booked."""
    while True:
        now = dt.datetime.now(WIB)
        start = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0) + dt.timedelta(minutes=30)
        if start - now > dt.timedelta(seconds=10):
            return start
        time.sleep(11)


def rpc_count(port, entrypoint):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        text = resp.read().decode()
    for line in text.splitlines():
        if line.startswith("senja_rpc_seconds_count") and f'entrypoint="{entrypoint}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_slots_of_a_day_and_the_refusals(stack, office):
    day = slots(stack, tomorrow())
    assert len(day) == 48 and all(s["capacity"] == PER_SLOT and s["free"] == PER_SLOT for s in day)
    far = tomorrow() + dt.timedelta(days=20)
    assert http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/slots?service=KTP&date={far}")[0] == 422
    assert http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/slots?service=UMUM&date={tomorrow()}")[0] == 422
    status, _, past = book(stack, dt.datetime.now(WIB).replace(minute=0, second=0, microsecond=0).isoformat())
    assert status == 409 and past["reason"] == "past"
    status, _, odd = book(stack, f"{tomorrow()}T10:10:00+07:00")
    assert status == 409 and odd["reason"] == "no_slot"
    status, _, bad = book(stack, "tomorrow")
    assert status == 422 and bad["errors"][0]["field"] == "slot_start"


def test_many_concurrent_clients_never_exceed_a_slots_capacity(stack, office):
    starts = [s["start"] for s in slots(stack, tomorrow())[16:16 + SLOTS]]
    outcome = race(stack, starts)
    assert {s: v.count(201) for s, v in outcome.items()} == {s: PER_SLOT for s in starts}
    assert sum(v.count(409) for v in outcome.values()) == CLIENTS - SLOTS * PER_SLOT
    left = {s["start"]: s["free"] for s in slots(stack, tomorrow())}
    assert all(left[s] == 0 for s in starts)


def test_capacity_holds_with_two_queue_service_instances(stack, office):
    port = free_port()
    env = stack.env(SERVICE_HTTP_ADDRESS=f"127.0.0.1:{port}")
    log = open(os.path.join(stack.log_dir, "queue-2.log"), "ab")
    second = subprocess.Popen([sys.executable, "-m", "services", "queue"], cwd=ROOT, env=env,
                              stdout=log, stderr=log, start_new_session=True)
    try:
        wait_port(port, timeout=60)
        starts = [s["start"] for s in slots(stack, tomorrow())[24:24 + SLOTS]]
        outcome = race(stack, starts)
        assert {s: v.count(201) for s, v in outcome.items()} == {s: PER_SLOT for s in starts}
        # Both instances took bookings (the broker hands RPCs round robin).
        served = (rpc_count(stack.service_ports["queue"], "book_slot"), rpc_count(port, "book_slot"))
        print(f"book_slot calls served by the first and the second queue instance: {served}")
        assert served[0] > 0 and served[1] > 0
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(30)
        log.close()


def test_check_in_becomes_a_ticket_at_the_slots_place(stack, office, login):
    start = next_slot_start()
    status, _, made = book(stack, start.isoformat(), phone="081234567890")
    assert status == 201, made
    assert made["phone"] == "+62812*****890" and len(made["code"]) == 8
    assert made["check_in_from"] == (start - dt.timedelta(minutes=30)).isoformat(timespec="minutes")
    assert made["check_in_until"] == (start + dt.timedelta(minutes=15)).isoformat(timespec="minutes")
    walk_in = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets", {"service": "KTP"})[2]
    status, _, ticket = http("POST", f"{stack.url}{made['status_url']}/check-in")
    assert status == 201, ticket
    assert set(ticket) >= {"number", "token", "status_url", "page_url", "people_ahead", "status"}
    assert ticket["status"] == "waiting" and ticket["people_ahead"] >= 1  # the walk-in came before
    again = http("POST", f"{stack.url}{made['status_url']}/check-in")[2]
    assert again["number"] == ticket["number"] and again["token"] == ticket["token"]
    queue = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/queue", headers=login("clerk.laweyan"))[2]
    numbers = [w["number"] for w in queue]
    assert numbers.index(walk_in["number"]) < numbers.index(ticket["number"])
    status, _, view = http("GET", f"{stack.url}{ticket['status_url']}")
    assert status == 200 and view["number"] == ticket["number"]
    held = http("GET", f"{stack.url}{made['status_url']}")[2]
    assert held["status"] == "checked_in" and held["ticket_number"] == ticket["number"]
    day = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/bookings?date={start.date()}",
               headers=login("clerk.laweyan"))
    assert day[0] == 200 and any(b["code"] == made["code"] and b["phone"] == "+62812*****890" for b in day[2])
    assert http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/bookings?date={start.date()}")[0] == 401
    # The clerk calls it in its turn: the walk-in first.
    act = f"{stack.url}/api/v1/offices/{OFFICE}/counters/1/actions"
    assert http("POST", act, {"action": "open"}, headers=login("clerk.laweyan"))[0] == 200
    called = []
    for _ in range(len(numbers)):
        body = http("POST", act, {"action": "call_next"}, headers=login("clerk.laweyan"))[2]
        called.append(body["ticket"]["number"])
        http("POST", act, {"action": "complete"}, headers=login("clerk.laweyan"))
        if called[-1] == ticket["number"]:
            break
    assert called.index(walk_in["number"]) < called.index(ticket["number"])


def test_kiosk_checks_in_by_code_with_its_key_only(stack, office):
    start = next_slot_start()
    made = book(stack, start.isoformat())[2]
    url = f"{stack.url}/api/v1/offices/{OFFICE}/bookings/check-in"
    assert http("POST", url, {"code": made["code"]})[0] == 403
    assert http("POST", url, {"code": made["code"]}, headers={"X-Kiosk-Key": kiosk_key(stack.secret, "33.71.02")})[0] == 403
    key = {"X-Kiosk-Key": kiosk_key(stack.secret, OFFICE)}
    assert http("POST", url, {"code": "ZZZZZZZZ"}, headers=key)[0] == 404
    status, _, ticket = http("POST", url, {"code": made["code"].lower()}, headers=key)
    assert status == 201 and ticket["number"].startswith("A-")
    # Too early: a booking of tomorrow.
    later = book(stack, f"{tomorrow()}T20:00:00+07:00")[2]
    status, _, early = http("POST", url, {"code": later["code"]}, headers=key)
    assert status == 409 and early["reason"] == "too_early" and early["check_in_from"].endswith("19:30+07:00")


def test_cancel_returns_the_place_once(stack, office):
    start = slots(stack, tomorrow())[34]["start"]
    made = [book(stack, start)[2] for _ in range(PER_SLOT)]
    assert book(stack, start)[2]["reason"] == "full"
    token_url = made[0]["status_url"]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: http("DELETE", f"{stack.url}{token_url}")[0], range(8)))
    assert statuses.count(200) == 1 and statuses.count(409) == 7
    assert http("GET", f"{stack.url}{token_url}")[2]["status"] == "cancelled"
    free = {s["start"]: s["free"] for s in slots(stack, tomorrow())}
    assert free[start] == 1
    assert book(stack, start)[0] == 201
    assert book(stack, start)[0] == 409


def test_no_show_returns_the_place_once(stack, office):
    start = slots(stack, tomorrow())[36]["start"]
    made = [book(stack, start)[2] for _ in range(PER_SLOT)]
    # Time passes for one booking: its window closed an hour ago (written in the
    # real database as the clock would leave it; the rules read these fields).
    db = MongoClient(stack.mongo.uri)["senja_queue"]
    lapsed = db.bookings.find_one({"office_id": OFFICE, "code": made[0]["code"]})
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)
    db.bookings.update_one({"_id": lapsed["_id"]}, {"$set": {
        "slot_start": past, "window_end": (past + dt.timedelta(minutes=15)).timestamp()}})
    url = f"{stack.url}{made[0]['status_url']}"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        views = list(pool.map(lambda _: http("GET", url)[2], range(8)))
    assert all(v["status"] == "no_show" for v in views)
    assert db.slots.find_one({"_id": lapsed["slot_id"]})["taken"] == PER_SLOT - 1
    assert http("POST", f"{url}/check-in")[2]["reason"] == "no_show"
    assert http("DELETE", url)[0] == 409
    assert db.slots.find_one({"_id": lapsed["slot_id"]})["taken"] == PER_SLOT - 1
    assert book(stack, start)[0] == 201
    assert book(stack, start)[2]["reason"] == "full"


def test_pages_book_show_check_in_without_javascript(stack, office):
    import icalendar
    import requests
    day = tomorrow().isoformat()
    page = requests.get(f"{stack.url}/book/{OFFICE}", params={"service": "KTP", "date": day}, timeout=10)
    assert page.status_code == 200 and 'name="slot_start"' in page.text and "Booking antrean" in page.text
    start = slots(stack, tomorrow())[40]["start"]
    posted = requests.post(f"{stack.url}/book/{OFFICE}", allow_redirects=False, timeout=10,
                           data={"service": "KTP", "date": day, "slot_start": start, "phone": "081234567890",
                                 "key": f"form-{uuid.uuid4().hex[:12]}"})
    assert posted.status_code == 303 and posted.headers["Location"].startswith("/b/")
    booking_url = f"{stack.url}{posted.headers['Location']}"
    shown = requests.get(booking_url, timeout=10)
    assert shown.status_code == 200 and "+62812*****890" in shown.text and "081234567890" not in shown.text
    ics = requests.get(f"{booking_url}/booking.ics", timeout=10)
    assert ics.headers["Content-Type"].startswith("text/calendar")
    event = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == dt.datetime.fromisoformat(start)
    assert requests.get(f"{booking_url}/qr.svg", timeout=10).content.lstrip().startswith(b"<svg")
    early = requests.post(booking_url, data={"action": "check_in"}, allow_redirects=False, timeout=10)
    assert early.status_code == 409 and "Check-in belum dibuka" in early.text
    gone = requests.post(booking_url, data={"action": "cancel"}, allow_redirects=False, timeout=10)
    assert gone.status_code == 303 and "Dibatalkan" in requests.get(booking_url, timeout=10).text
    # Now one whose window is open: checked in from its page, the ticket page follows.
    made = book(stack, next_slot_start().isoformat())[2]
    done = requests.post(f"{stack.url}{made['page_url']}", data={"action": "check_in"},
                         allow_redirects=False, timeout=10)
    assert done.status_code == 303 and done.headers["Location"].startswith("/t/")
    assert requests.get(f"{stack.url}{done.headers['Location']}", timeout=10).status_code == 200


def test_kiosk_page_checks_in_by_code_once_set_up_with_its_key(stack, office):
    import requests
    made = book(stack, next_slot_start().isoformat())[2]
    kiosk = requests.Session()
    url = f"{stack.url}/kiosk/{OFFICE}/booking"
    refused = kiosk.post(url, data={"code": made["code"]}, timeout=10)
    assert refused.status_code == 403
    assert kiosk.get(url, params={"kiosk_key": kiosk_key(stack.secret, OFFICE)}, timeout=10).status_code == 200
    unknown = kiosk.post(url, data={"code": "ZZZZZZZZ"}, timeout=10)
    assert unknown.status_code == 404 and "tidak dikenal" in unknown.text
    done = kiosk.post(url, data={"code": made["code"]}, timeout=10)
    assert done.status_code == 201 and 'class="ticket-number">A-' in done.text
    assert f'href="/kiosk/{OFFICE}/booking"' in requests.get(f"{stack.url}/kiosk/{OFFICE}", timeout=10).text
    # A scanner types the booking QR's address: checked in by its token, at its own office only.
    scanned = book(stack, next_slot_start().isoformat())[2]
    done = kiosk.post(url, data={"code": f"{stack.url}{scanned['page_url']}"}, timeout=10)
    assert done.status_code == 201 and 'class="ticket-number">A-' in done.text
    elsewhere = http("POST", f"{stack.url}/api/v1/offices/33.71.02/bookings",
                     {"service": "KTP", "slot_start": f"{tomorrow()}T09:00:00+07:00"})[2]
    assert kiosk.post(url, data={"code": f"{stack.url}{elsewhere['page_url']}"}, timeout=10).status_code == 404


def test_a_retried_booking_is_the_same_booking(stack, office):
    start = slots(stack, tomorrow())[38]["start"]
    key = {"Idempotency-Key": f"retry-{uuid.uuid4().hex}"}
    url = f"{stack.url}/api/v1/offices/{OFFICE}/bookings"
    first = http("POST", url, {"service": "KTP", "slot_start": start}, headers=key)
    again = http("POST", url, {"service": "KTP", "slot_start": start}, headers=key)
    assert first[0] == again[0] == 201 and again[1]["Idempotent-Replayed"] == "true"
    assert again[2]["code"] == first[2]["code"] and again[2]["token"] == first[2]["token"]
    assert {s["start"]: s["free"] for s in slots(stack, tomorrow())}[start] == PER_SLOT - 1
    other = http("POST", url, {"service": "KTP", "slot_start": slots(stack, tomorrow())[39]["start"]}, headers=key)
    assert other[0] == 422 and other[2]["errors"][0]["field"] == "Idempotency-Key"
