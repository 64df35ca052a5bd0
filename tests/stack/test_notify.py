"""Notifications on the running stack: a citizen subscribes a ticket (phone and
Web Push), clerks call, and a local provider webhook and push service (real
HTTP servers in this process, tests/notify_receiver.py) receive turn_near and
called, signed, each id acknowledged once although they refuse the first
attempts."""
import collections
import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest

from gateway.resources.notifications import vapid_public_key
from services.common.config import LOCAL_VAPID_PRIVATE_KEY
from tests.notify_receiver import Receiver
from tests.stack.conftest import NOTIFY_PORT, NOTIFY_SECRET
from tests.support import http

OFFICE, COUNTER = "33.71.02", "2"  # counter 2 serves KTP only
PHONE = "0812-7777-3456"
FAIL_FIRST = 2
WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture(scope="module")
def receiver(stack):
    r = Receiver(NOTIFY_PORT, NOTIFY_SECRET, fail_first=FAIL_FIRST,
                 vapid_public_key=vapid_public_key(LOCAL_VAPID_PRIVATE_KEY)).start()
    yield r
    r.close()


def issue(stack):
    status, _, ticket = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets", {"service": "KTP"})
    assert status == 201, ticket
    return ticket


def subscribe(stack, ticket, body):
    return http("POST", f"{stack.url}/api/v1/tickets/{ticket['token']}/subscriptions", body)


def call_until(stack, login, number):
    """Call (and complete) at counter 2 until ``number`` is called; when each was called."""
    url = f"{stack.url}/api/v1/offices/{OFFICE}/counters/{COUNTER}/actions"
    clerk = login("clerk.utara")
    http("POST", url, {"action": "open"}, clerk)
    called = {}
    for _ in range(100):
        status, _, body = http("POST", url, {"action": "call_next"}, clerk)
        if status == 409:
            assert http("POST", url, {"action": "complete"}, clerk)[0] == 200
            continue
        assert status == 200, (status, body)
        called[body["ticket"]["number"]] = time.monotonic()
        assert http("POST", url, {"action": "complete"}, clerk)[0] == 200
        if body["ticket"]["number"] == number:
            return called
    raise AssertionError(f"{number} never called")


def test_the_push_key_and_bad_subscriptions_answer_problem_json(stack, receiver):
    status, _, body = http("GET", f"{stack.url}/api/v1/push/public-key")
    assert status == 200 and body["public_key"] == vapid_public_key(LOCAL_VAPID_PRIVATE_KEY)
    ticket = issue(stack)
    for bad, field in [({"phone": "12345"}, "phone"), ({}, "endpoint"),
                       ({"phone": PHONE, "ahead": 99}, "ahead"),
                       ({"endpoint": "https://attacker.example/p", "keys": receiver.subscriber("x").subscription()
                         ["keys"]}, "endpoint"),
                       ({"phone": PHONE, "fax": "1"}, "fax")]:
        status, headers, problem = subscribe(stack, ticket, bad)
        assert status == 422 and headers["Content-Type"].startswith("application/problem+json"), problem
        assert field in {e["field"] for e in problem["errors"]}, problem
    status, _, problem = http("POST", f"{stack.url}/api/v1/tickets/{'A' * 32}/subscriptions", {"phone": PHONE})
    assert status == 404, problem
    status, _, first = subscribe(stack, ticket, {"phone": PHONE, "channel": "whatsapp", "ahead": 50})
    assert status == 201 and first["phone"] == "+62812*****456" and first["channel"] == "whatsapp"
    status, _, again = subscribe(stack, ticket, {"phone": "+6281277773456", "channel": "whatsapp"})
    assert status == 200 and again["id"] == first["id"] and not again["created"]


def test_turn_near_and_called_reach_the_webhook_and_the_browser_once_each(stack, login, receiver):
    first, second, third = issue(stack), issue(stack), issue(stack)
    # The third ticket's holder wants a message when one person fewer is ahead.
    near = third["people_ahead"] - 1
    subscribed_at = time.monotonic()
    status, _, sms = subscribe(stack, third, {"phone": PHONE, "ahead": near})
    assert status == 201, sms
    browser = receiver.subscriber("second")
    status, _, push = subscribe(stack, second, {**browser.subscription(), "ahead": 0})
    assert status == 201 and push["channel"] == "webpush" and push["push_service"] == "127.0.0.1", push
    called = call_until(stack, login, third["number"])

    def by(event, number):
        return lambda m: m["event"] == event and m["number"] == number and m.get("phone", "") != ""
    turn = receiver.wait_for(by("turn_near", third["number"]))[0]
    assert turn["ahead"] <= near and turn["phone"] == "+6281277773456" and turn["office_id"] == OFFICE
    call = receiver.wait_for(by("called", third["number"]))[0]
    assert call["counter_name"] == "Loket 2" and call["sent_at"].endswith("+00:00")

    def pushed(event):
        return lambda m: m["event"] == event and m["number"] == second["number"] and "phone" not in m
    pushed_call = receiver.wait_for(pushed("called"))[0]  # decrypted with the browser's keys
    assert pushed_call["counter_name"] == "Loket 2"
    receiver.wait_for(pushed("turn_near"))
    assert receiver.rejected == []  # every signature and every VAPID header was valid
    # At least once, and exactly once acknowledged: each id came back after 500s, with the same id.
    ids = collections.Counter(receiver.acked_ids())
    assert all(n == 1 for n in ids.values()), ids
    assert all(receiver.attempts[i] == FAIL_FIRST + 1 for i in ids), receiver.attempts
    acked_at = {m_id: t for m_id, _, t in receiver.acked}
    latency = {"called (sms)": acked_at[call["id"]] - called[third["number"]],
               "called (push)": acked_at[pushed_call["id"]] - called[second["number"]],
               "turn_near (sms)": acked_at[turn["id"]] - subscribed_at}
    print("change -> acknowledged after", FAIL_FIRST, "refusals:",
          {k: f"{v:.2f} s" for k, v in latency.items()})

    # The supervisor of the office sees the delivery state; a clerk does not; phones masked.
    url = f"{stack.url}/api/v1/offices/{OFFICE}/notifications"
    assert http("GET", url, headers=login("clerk.utara"))[0] == 403
    assert http("GET", f"{stack.url}/api/v1/offices/33.71.01/notifications", headers=login("super.utara"))[0] == 403
    status, _, state = http("GET", url, headers=login("super.utara"))
    assert status == 200 and state["counts"]["sent"] >= 4, state["counts"]
    phones = {d["phone"] for d in state["recent"] if d["phone"]}
    assert phones == {"+62812*****456"}
    assert any(d["attempts"] == FAIL_FIRST + 1 and d["status"] == "sent" for d in state["recent"])
    # Counted in the queue service's /metrics.
    status, _, metrics = http("GET", f"http://127.0.0.1:{stack.service_ports['queue']}/metrics")
    assert 'senja_notify_attempts_total{channel="sms",event="called",outcome="sent"}' in metrics
    assert 'senja_notify_attempts_total{channel="webpush",event="called",outcome="retrying"}' in metrics
    assert "senja_notify_delivery_seconds_bucket" in metrics
    # The phone number is sent to the provider only: never in a log line.
    for name, text in stack.logs().items():
        assert "77773456" not in text and "7777-3456" not in text, name


def test_an_expired_push_subscription_is_dropped(stack, login, receiver):
    ticket = issue(stack)
    browser = receiver.subscriber("expired")
    receiver.gone.add("expired")
    status, _, sub = subscribe(stack, ticket, {**browser.subscription(), "ahead": 50})  # due at once
    assert status == 201, sub
    url = f"{stack.url}/api/v1/offices/{OFFICE}/notifications"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = http("GET", url, headers=login("super.utara"))[2]
        failed = [d for d in state["recent"] if d["number"] == ticket["number"] and d["status"] == "failed"]
        if failed:
            break
        time.sleep(0.2)
    assert failed and failed[0]["attempts"] == 1 and failed[0]["last_error"] == "HTTP 410", state["recent"][:3]
    # Dropped: the same browser subscribing again is a new subscription.
    status, _, again = subscribe(stack, ticket, {**browser.subscription(), "ahead": 50})
    assert status == 201 and again["created"], again


def post_form(url, fields, site="same-origin"):
    import urllib.error
    import urllib.parse
    import urllib.request
    req = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded",
                                          "Sec-Fetch-Site": site})
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:  # follows the 303
            return resp.status, resp.url, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, url, err.read().decode()


def test_the_ticket_page_takes_a_phone_without_javascript(stack, receiver):
    ticket = issue(stack)
    status, _, page = http("GET", f"{stack.url}/t/{ticket['token']}")
    assert status == 200 and 'action="/t/' in page and 'id="notify-form"' in page and "Beri tahu saya" in page
    assert 'autocomplete="tel"' in page and 'for="f-phone"' in page
    status, _, english = http("GET", f"{stack.url}/t/{ticket['token']}?lang=en")
    assert "Notify me" in english and "Mobile number" in english
    url = f"{stack.url}/t/{ticket['token']}/notify"
    status, _, refused = post_form(url, {"phone": "021 555 1234", "channel": "sms", "ahead": "3"})
    assert status == 422 and "Tulis nomor HP Indonesia" in refused and 'aria-invalid="true"' in refused
    assert 'value="021 555 1234"' in refused  # what was typed stays
    assert post_form(url, {"phone": "0812 5555 0001", "ahead": "3"}, site="cross-site")[0] == 403
    status, landed, done = post_form(url, {"phone": "0812 5555 0001", "channel": "whatsapp", "ahead": "50"})
    assert status == 200 and "notify=ok" in landed, landed
    assert "Anda akan menerima pesan" in done
    # ahead 50: due at once, so the provider hears of it.
    message = receiver.wait_for(lambda m: m["number"] == ticket["number"] and m.get("channel") == "whatsapp")[0]
    assert message["event"] == "turn_near" and message["phone"] == "+6281255550001"


# ---- booking_reminder -----------------------------------------------------------
BOOKING_OFFICE = "33.72.02"  # Serengan (Kota Surakarta): configured here, this module's own
REMINDER_PHONE = "0812-7777-8801"
DUE_IN = 8  # seconds from now: the lead makes the reminder due this soon (a cancel comes well before)


def booking_config(remind_minutes):
    return {"timezone": "Asia/Jakarta", "observe_national_holidays": False,
            "sessions": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
            "services": [{"code": "KTP", "prefix": "A", "name": {"id": "KTP-el", "en": "ID card"},
                          "booking": {"slot_minutes": 5, "per_slot": 5, "remind_minutes": remind_minutes}}],
            "counters": [{"id": "1", "name": "Loket 1", "services": ["KTP"]}]}


def next_slot(stack):
    """The first slot starting at least a minute and a half from now (today or tomorrow)."""
    now = dt.datetime.now(dt.timezone.utc)
    for day in (now.astimezone(WIB).date(), now.astimezone(WIB).date() + dt.timedelta(days=1)):
        status, _, found = http("GET", f"{stack.url}/api/v1/offices/{BOOKING_OFFICE}/slots?service=KTP&date={day}")
        assert status == 200, found
        for slot in found:
            if dt.datetime.fromisoformat(slot["start"]) >= now + dt.timedelta(seconds=90):
                return slot["start"]
    raise AssertionError("no slot ahead")


def test_a_booking_with_a_phone_gets_one_signed_reminder_and_a_cancelled_one_none(stack, login, receiver):
    admin = login("admin.serengan")
    assert http("PUT", f"{stack.url}/api/v1/offices/{BOOKING_OFFICE}", booking_config(None), headers=admin)[0] == 200
    start = next_slot(stack)
    # The lead (office configuration) that makes the reminder due DUE_IN seconds from now.
    due = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=DUE_IN)
    lead = (dt.datetime.fromisoformat(start) - due).total_seconds() / 60
    status, _, body = http("PUT", f"{stack.url}/api/v1/offices/{BOOKING_OFFICE}", booking_config(lead), headers=admin)
    assert status == 200, body
    url = f"{stack.url}/api/v1/offices/{BOOKING_OFFICE}/bookings"
    made = {}
    for name, extra in (("reminded", {"phone": REMINDER_PHONE}), ("cancelled", {"phone": REMINDER_PHONE}),
                        ("no phone", {})):
        status, _, made[name] = http("POST", url, {"service": "KTP", "slot_start": start, **extra})
        assert status == 201, made[name]
    status, _, cancelled = http("DELETE", f"{stack.url}{made['cancelled']['status_url']}")
    assert status == 200 and cancelled["status"] == "cancelled", cancelled

    reminder = receiver.wait_for(lambda m: m["event"] == "booking_reminder"
                                 and m.get("code") == made["reminded"]["code"])[0]
    assert reminder["phone"] == "+6281277778801" and reminder["office_id"] == BOOKING_OFFICE
    assert reminder["slot_start"] == start and "number" not in reminder  # no number before check-in
    # Not before its due time (the sender's clock, as it signed the message).
    assert dt.datetime.fromisoformat(reminder["sent_at"]) >= due - dt.timedelta(seconds=1)
    assert receiver.rejected == []  # signed with the webhook secret
    # One message for the office: the reminded booking's, acknowledged once after the refusals.
    # The cancelled booking was due at the same moment, so it would have been posted by now.
    ours = [i for i, m in receiver.messages.items()
            if m["event"] == "booking_reminder" and m["office_id"] == BOOKING_OFFICE]
    assert ours == [reminder["id"]], {i: receiver.messages[i].get("code") for i in ours}
    assert receiver.attempts[reminder["id"]] == FAIL_FIRST + 1
    assert receiver.acked_ids().count(reminder["id"]) == 1
    status, _, metrics = http("GET", f"http://127.0.0.1:{stack.service_ports['queue']}/metrics")
    assert 'senja_notify_attempts_total{channel="sms",event="booking_reminder",outcome="sent"}' in metrics
    print("booking_reminder: lead", f"{lead:.2f} min;", "acknowledged after", FAIL_FIRST, "refusals")
    for name, text in stack.logs().items():
        assert "77778801" not in text and "7777-8801" not in text, name
