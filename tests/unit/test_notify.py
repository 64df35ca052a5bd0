"""Notifications: which messages a change produces (pure rules, then the queue's
workflows on a real nx-27017), how they are signed, and the sender's states."""
import datetime as dt
import hashlib
import hmac
import json

import pytest

from services.common.errors import Conflict, Invalid
from services.queue import counter_actions, domain, issuing, notify, subscriptions
from services.queue.sender import Sender
from tests.unit.test_queue_workflows import client, hall, server  # noqa: F401 (fixtures)

PUSH_OPTIONS = {"push": True, "phone": True, "push_hosts": ["push.example.net"]}
KEYS = {"p256dh": "B" + "A" * 86, "auth": "A" * 22}
SECRET = "webhook-secret-of-at-least-32-bytes!"


# ---- pure rules ---------------------------------------------------------------

@pytest.mark.parametrize("given, normal", [
    ("0812-3456-7890", "+6281234567890"), ("+62 812 3456 7890", "+6281234567890"),
    ("6281234567890", "+6281234567890"), ("(0812) 345 678", "+62812345678"),
    ("021-5551234", None),           # a Jakarta landline: no SMS
    ("+1 415 555 0100", None),       # not Indonesian
    ("0812345", None),               # too short for a mobile number
    ("+62812345678901234", None),    # beyond E.164's 15 digits
    ("08123abc890", None), ("", None)])
def test_phone_numbers_follow_e164_and_the_indonesian_mobile_plan(given, normal):
    # Sources: ITU-T E.164 §6.1 (at most 15 digits; Indonesia's country code 62) and the
    # numbering plan (mobile 08xx-xxxx-xxxx, 10 to 13 digits with the trunk 0).
    assert notify.E164_MAX_DIGITS == 15 and notify.PHONE_COUNTRY_CODE == "62"
    assert notify.MOBILE_DIGITS_AFTER_CC == (9, 12)
    assert notify.normalize_phone(given) == normal


def test_a_phone_is_masked_everywhere_it_is_shown():
    masked = notify.mask_phone("+6281234567890")
    assert masked == "+62812*****890" and "34567" not in masked


def test_the_signature_is_hmac_sha256_of_the_raw_body():
    # RFC 4231 §4.3, test case 2: key "Jefe", data "what do ya want for nothing?".
    assert notify.signature("Jefe", b"what do ya want for nothing?") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")


def test_the_webhook_body_carries_the_contract_fields_only_when_known():
    doc = {"_id": "called-x-s", "event": "called", "channel": "sms", "office_id": "33.71.02",
           "number": "A-004", "phone": "+6281234567890", "counter_name": "Loket 2", "ahead": None}
    body = json.loads(notify.webhook_body(doc, "2026-11-23T12:00:00+00:00"))
    assert body == {"id": "called-x-s", "event": "called", "channel": "sms", "office_id": "33.71.02",
                    "number": "A-004", "phone": "+6281234567890", "sent_at": "2026-11-23T12:00:00+00:00",
                    "counter_name": "Loket 2"}


def test_retries_back_off_exponentially_up_to_a_cap_then_give_up_after_a_day():
    assert [notify.backoff_seconds(n) for n in range(1, 12)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    doc = {"attempts": 2, "created_at": 1000.0}
    assert notify.after_attempt(doc, "retry", 1010.0, "HTTP 500") == {
        "status": "retrying", "attempts": 3, "last_error": "HTTP 500", "next_at": 1014.0, "lease_until": 0.0}
    assert notify.after_attempt(doc, "ok", 1010.0)["status"] == "sent"
    assert notify.after_attempt(doc, "gone", 1010.0, "HTTP 410")["status"] == "failed"
    assert notify.after_attempt(doc, "retry", 1000.0 + notify.GIVE_UP_SECONDS)["status"] == "failed"


def test_watchers_are_due_when_at_most_their_n_are_ahead():
    line = [f"{k:017.6f}|{k:017d}|{9e9:012.0f}|t{k}" for k in range(1, 6)]  # t1..t5 in call order
    watchers = [notify.watch_entry(2, "s4", line[3]), notify.watch_entry(1, "s5", line[4]),
                notify.watch_entry(3, "s1", line[0])]
    # t1 leaves: t4 has t2, t3 ahead (2: due), t5 has 3 (kept), t1's own watcher goes.
    due, kept = notify.turn_near_due(watchers, line[1:], line[0], 0)
    assert due == [("s4", "t4", 2)] and kept == [watchers[1]]


def test_message_ids_are_stable_per_subscription_and_call():
    turn = notify.turn_near_entry("s1", "t1", 2, 1.0)
    called = notify.called_entry("call9", "Loket 1", 2.0)
    assert notify.delivery_id(turn, "s1") == "turn_near-s1"
    assert notify.delivery_id(called, "s1") == "called-call9-s1" != notify.delivery_id(called, "s2")
    assert notify.decode(notify.encode(called)) == called


def test_a_subscription_names_one_channel_and_a_reason_for_each_bad_field():
    load = subscriptions.Subscribe().load
    assert load({"phone": "0812 3456 7890"})["ahead"] == notify.DEFAULT_AHEAD
    for bad, field in [({"phone": "0812 3456 7890", "endpoint": "https://push.example.net/x", "keys": KEYS},
                        "phone"),
                       ({"endpoint": "https://push.example.net/x"}, "keys"),
                       ({"phone": "021 555 1234"}, "phone"),
                       ({"phone": "0812 3456 7890", "channel": "webpush"}, "channel"),
                       ({"phone": "0812 3456 7890", "ahead": 51}, "ahead"),
                       ({}, "endpoint")]:
        with pytest.raises(Exception) as err:
            load(bad)
        assert field in err.value.messages, (bad, err.value.messages)


def test_only_known_push_services_are_posted_to():
    hosts = ["fcm.googleapis.com", ".push.apple.com"]
    assert subscriptions.push_host_allowed("https://fcm.googleapis.com/fcm/send/abc", hosts)
    assert subscriptions.push_host_allowed("https://web.push.apple.com/Q", hosts)
    assert not subscriptions.push_host_allowed("http://fcm.googleapis.com/fcm/send/abc", hosts)
    assert not subscriptions.push_host_allowed("https://169.254.169.254/latest", hosts)
    assert not subscriptions.push_host_allowed("https://evilpush.apple.com.example/", hosts)


# ---- the workflows on a real database --------------------------------------------

class Receiver:
    """What the sender posts to, answering ``statuses`` in turn (then 200)."""

    def __init__(self, *statuses):
        self.statuses = list(statuses)
        self.bodies = []

    def __call__(self, url, body, headers):
        assert headers["X-Senja-Signature"] == "sha256=" + hmac.new(
            SECRET.encode(), body, hashlib.sha256).hexdigest()
        self.bodies.append(json.loads(body))
        return self.statuses.pop(0) if self.statuses else 200


def sender(ctx, receiver):
    return Sender(ctx.store.outbox, ctx.clock, "http://provider.test/hook", SECRET, post=receiver)


def test_turn_near_and_called_are_written_with_the_change_and_sent_once(hall):
    tickets = [issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"}) for _ in range(5)]
    view, created = subscriptions.subscribe(hall, tickets[3]["token"], {"phone": "0812-3456-7890", "ahead": 1},
                                            PUSH_OPTIONS)
    assert created and view["phone"] == "+62812*****890" and view["channel"] == "sms"
    again, created = subscriptions.subscribe(hall, tickets[3]["token"], {"phone": "+6281234567890", "ahead": 1},
                                             PUSH_OPTIONS)
    assert not created and again["id"] == view["id"]  # a retried request: one subscription
    counter_actions.act(hall, "33.71.02", "2", "open")
    receiver = Receiver()
    post = sender(hall, receiver)
    numbers = []
    for _ in range(4):
        numbers.append(counter_actions.act(hall, "33.71.02", "2", "call_next")["ticket"]["number"])
        hall_doc = hall.store.hall("33.71.02")
        if len(numbers) == 2:
            # The leave that left one ahead wrote the message in the hall itself.
            assert [notify.decode(t)["event"] for t in hall_doc["outbox"]] == ["turn_near"]
        post.tick()
        counter_actions.act(hall, "33.71.02", "2", "complete")
    assert numbers == ["A-001", "A-002", "A-003", "A-004"]
    assert [(b["event"], b.get("ahead"), b.get("counter_name")) for b in receiver.bodies] == [
        ("turn_near", 1, None), ("called", None, "Loket 2")]
    assert all(b["number"] == "A-004" and b["phone"] == "+6281234567890" for b in receiver.bodies)
    post.tick()
    assert len(receiver.bodies) == 2  # nothing twice
    assert not hall.store.outbox.active_subscriptions()  # the ticket is done
    state = subscriptions.delivery_state(hall, "33.71.02")
    assert state["counts"] == {"pending": 0, "retrying": 0, "sent": 2, "failed": 0}
    assert all(d["phone"] == "+62812*****890" for d in state["recent"])
    # Once delivered, the stored delivery keeps no more of the phone than the supervisor sees.
    assert {d["phone"] for d in hall.store.outbox.deliveries.find()} == {"+62812*****890"}


def test_a_failing_receiver_gets_the_same_id_until_it_answers_2xx(hall):
    ticket = issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    subscriptions.subscribe(hall, ticket["token"], {"phone": "081234567890", "channel": "whatsapp"},
                            PUSH_OPTIONS)  # nobody ahead: turn_near is due at once
    receiver = Receiver(500, 503)
    post = sender(hall, receiver)
    post.tick()
    retrying = hall.store.outbox.deliveries.find_one()
    assert retrying["status"] == "retrying" and retrying["attempts"] == 1
    post.tick()  # not due yet: the backoff holds it
    assert len(receiver.bodies) == 1
    for seconds in (1.5, 2.5):  # past each backoff (1 s, then 2 s)
        hall.clock.at += dt.timedelta(seconds=seconds)
        post.tick()
    assert [b["id"] for b in receiver.bodies] == ["turn_near-" + retrying["sub"]] * 3
    done = hall.store.outbox.deliveries.find_one()
    assert done["status"] == "sent" and done["attempts"] == 3 and receiver.bodies[0]["channel"] == "whatsapp"


def test_watchers_of_two_concurrent_leaves_are_not_lost(hall):
    """Two clerks' bookkeeping runs interleaved (both read the hall before either
    writes): the revision makes the second read again, so the watcher fires."""
    tickets = [issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"}) for _ in range(4)]
    subscriptions.subscribe(hall, tickets[3]["token"], {"phone": "081234567890", "ahead": 1}, PUSH_OPTIONS)
    counter_actions.act(hall, "33.71.02", "1", "open")
    counter_actions.act(hall, "33.71.02", "2", "open")
    later = []
    hall.later = later.append
    counter_actions.act(hall, "33.71.02", "1", "call_next")
    counter_actions.act(hall, "33.71.02", "2", "call_next")
    store = hall.store
    real_find_one = store.halls.find_one
    reads = []

    def find_one_then_other_leave(*args, **kwargs):
        found = real_find_one(*args, **kwargs)
        if not reads:  # the first leave has read; the second leaves before it writes
            reads.append(found)
            later.pop()()
        return found
    store.halls.find_one = find_one_then_other_leave
    try:
        later.pop()()
    finally:
        store.halls.find_one = real_find_one
    outbox = [notify.decode(t) for t in store.hall("33.71.02")["outbox"]]
    assert [(e["event"], e["ahead"]) for e in outbox] == [("turn_near", 1)]


def test_subscriptions_are_refused_with_the_reason(hall):
    ticket = issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    with pytest.raises(Invalid) as bad:
        subscriptions.subscribe(hall, ticket["token"], {"endpoint": "https://attacker.example/x", "keys": KEYS},
                                PUSH_OPTIONS)
    assert bad.value.errors == [{"field": "endpoint", "reason": "not a known push service"}] or "endpoint" in str(
        bad.value.errors)
    with pytest.raises(Conflict) as off:
        subscriptions.subscribe(hall, ticket["token"], {"phone": "081234567890"}, {**PUSH_OPTIONS, "phone": False})
    assert off.value.extra["reason"] == "channel_unavailable"
    issuing.cancel_ticket(hall, ticket["token"])
    with pytest.raises(Conflict) as finished:
        subscriptions.subscribe(hall, ticket["token"], {"phone": "081234567890"}, PUSH_OPTIONS)
    assert finished.value.extra["reason"] == "ticket_finished"


def test_a_hall_entry_waits_for_its_subscription_being_stored(hall):
    """subscribe() writes the hall first: a tick in between keeps the entry."""
    ticket = issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    tid = hall.store.find_ticket_by_key(domain.token_key(ticket["token"]))["_id"]
    early = notify.turn_near_entry("s-not-yet", tid, 0, hall.clock().timestamp())
    hall.store.outbox.post_to_hall("33.71.02", early)
    subscriptions.subscribe(hall, ticket["token"], {"phone": "081234567890"}, PUSH_OPTIONS)
    sender(hall, Receiver()).collect()
    assert notify.encode(early) in hall.store.hall("33.71.02")["outbox"]  # kept, not lost
    hall.clock.at += dt.timedelta(seconds=61)
    sender(hall, Receiver()).collect()
    assert hall.store.hall("33.71.02")["outbox"] == []  # nobody ever stored it: dropped


def test_an_expired_push_subscription_is_dropped(hall):
    ticket = issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    view, _ = subscriptions.subscribe(hall, ticket["token"],
                                      {"endpoint": "https://push.example.net/sub/1", "keys": KEYS}, PUSH_OPTIONS)
    assert view["push_service"] == "push.example.net"
    pushed = []
    post = Sender(hall.store.outbox, hall.clock, vapid_private_key="k", vapid_subject="mailto:x@y",
                  webpush=lambda sub, payload, key, subject: pushed.append(json.loads(payload)) or 410)
    post.tick()
    assert pushed[0]["event"] == "turn_near" and pushed[0]["number"] == ticket["number"]
    assert hall.store.outbox.deliveries.find_one()["status"] == "failed"
    assert hall.store.outbox.subscription(view["id"]) is None


def test_the_development_vapid_key_exists_only_on_a_laptop_and_a_webhook_needs_a_real_secret():
    from services.common import config
    strong = "x" * 40
    assert config.from_env({"SENJA_ENV": "local"}).vapid_private_key == config.LOCAL_VAPID_PRIVATE_KEY
    assert config.from_env({"SENJA_SECRET": strong}).vapid_private_key == ""
    assert config.from_env({"SENJA_SECRET": strong, "VAPID_PRIVATE_KEY": "k"}).vapid_private_key == "k"
    with pytest.raises(config.UnsafeConfiguration):
        config.require_safe_settings(config.from_env(
            {"SENJA_SECRET": strong, "NOTIFY_WEBHOOK_URL": "https://sms.example/hook",
             "NOTIFY_WEBHOOK_SECRET": "short"}), "queue")
    # The gateway only needs to know a provider exists (to offer the phone form); it signs nothing.
    config.require_safe_settings(config.from_env(
        {"SENJA_SECRET": strong, "NOTIFY_WEBHOOK_URL": "https://sms.example/hook",
         "SENJA_PUBLIC_URL": "https://senja.example"}), "gateway", needs_public_url=True)
    config.require_safe_settings(config.from_env(
        {"SENJA_SECRET": strong, "NOTIFY_WEBHOOK_URL": "https://sms.example/hook",
         "NOTIFY_WEBHOOK_SECRET": strong}), "queue")
    hosts = config.from_env({"PUSH_SERVICE_HOSTS": "127.0.0.1, .example.net"}).push_service_hosts
    assert hosts == ("127.0.0.1", ".example.net")


def test_the_public_key_is_the_private_keys_point():
    from cryptography.hazmat.primitives.asymmetric import ec
    from gateway.resources.notifications import vapid_public_key
    from services.common.config import LOCAL_VAPID_PRIVATE_KEY
    from tests.notify_receiver import b64url_decode
    point = b64url_decode(vapid_public_key(LOCAL_VAPID_PRIVATE_KEY))
    assert len(point) == 65 and point[0] == 4  # an uncompressed P-256 point (SEC 1 §2.3.3)
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    assert vapid_public_key("") is None


def test_a_hall_from_before_notifications_still_lets_tickets_leave(hall):
    ticket = issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    hall.store.halls.update_one({"_id": "33.71.02"}, {"$unset": {"watch_KTP": "", "watchers_KTP": "",
                                                                 "watchrev_KTP": ""}})
    assert issuing.cancel_ticket(hall, ticket["token"])["status"] == "cancelled"
    assert hall.store.hall("33.71.02")["waiting_KTP"] == []
