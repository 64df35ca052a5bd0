"""Notifications to citizens: which messages a change of the queue produces,
and what a message looks like on the wire. Pure: no database, no network.

Events: ``turn_near`` (N people are ahead of the ticket), ``called`` (a
counter calls it) and ``booking_reminder`` (for bookings; see
``outbox_entry``). A citizen subscribes a ticket on a channel: a browser's
Web Push subscription, or a phone number the provider's webhook turns into an
SMS or a WhatsApp message.

Where the messages come from (docs/architecture.md, "Notifications"):
- ``called``: the ticket's own conditional call update pushes
  ``called_entry`` into the ticket's ``outbox`` (storage.QueueStore.call);
- ``turn_near``: the hall update that takes an entry out of a line also
  writes the ``turn_near`` entries of the watchers that now have N or fewer
  ahead (``turn_near_due``) and drops them from the line's watch list.
The sender (services/queue/sender.py) turns each entry into one delivery per
subscription, with an id that is the same on every retry.
"""
import hashlib
import hmac
import json
import re

from services.queue import domain

EVENTS = ("turn_near", "called", "booking_reminder")
PHONE_CHANNELS = ("sms", "whatsapp")
CHANNELS = ("webpush",) + PHONE_CHANNELS
DELIVERY_STATES = ("pending", "retrying", "sent", "failed")
# A citizen may ask to be told when at most this many are ahead (a hall rarely holds more).
MAX_AHEAD = 50
DEFAULT_AHEAD = 3
# Retries: 1 s, 2 s, 4 s ... at most 5 minutes apart, until the receiver answers 2xx.
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 300.0
# A message nobody acknowledged within a day is about a ticket whose session is over:
# it is marked failed (and shown to the supervisor) instead of being tried for ever.
GIVE_UP_SECONDS = 24 * 3600.0

# Indonesian mobile numbers. Country code 62 and the 15-digit maximum: ITU-T E.164
# (11/2010) §6.1 and the ITU's list of assigned country codes; mobile numbers start
# with 8 after the country code (domestic trunk prefix 0: "08…"), 9 to 12 digits
# after +62 (Permenkominfo 14/2018 numbering plan: 08xx-xxxx-xxxx, 10 to 13 digits
# with the leading 0).
PHONE_COUNTRY_CODE = "62"
E164_MAX_DIGITS = 15
MOBILE_DIGITS_AFTER_CC = (9, 12)
_PHONE_NOISE = re.compile(r"[\s().-]")


def normalize_phone(text):
    """"0812-3456-7890", "+62 812 3456 7890", "6281234567890" -> "+6281234567890";
    None when it is not an Indonesian mobile number."""
    digits = _PHONE_NOISE.sub("", text or "")
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("0"):
        digits = PHONE_COUNTRY_CODE + digits[1:]
    if not digits.isdigit() or not digits.startswith(PHONE_COUNTRY_CODE + "8"):
        return None
    national = len(digits) - len(PHONE_COUNTRY_CODE)
    low, high = MOBILE_DIGITS_AFTER_CC
    if not low <= national <= high or len(digits) > E164_MAX_DIGITS:
        return None
    return "+" + digits


def mask_phone(phone):
    """What responses, logs and the supervisor see: "+62812*****890"."""
    if not phone:
        return phone
    return phone[:6] + "*" * max(len(phone) - 9, 0) + phone[-3:]


def subscription_id(ticket_id, channel, address):
    """The same subscription posted twice is one subscription (a retried request)."""
    return hashlib.sha256(f"{ticket_id}|{channel}|{address}".encode()).hexdigest()[:24]


# Watchers: a line's subscriptions waiting for turn_near, kept in the hall beside
# the line as text (nx-27017 pulls and compares plain values reliably).
def watch_entry(ahead, sub_id, line_entry):
    return f"{ahead:03d}|{sub_id}|{line_entry}"


def parse_watch(watch):
    ahead, sub_id, line_entry = watch.split("|", 2)
    return int(ahead), sub_id, line_entry


def turn_near_due(watchers, waiting, left, now_ts):
    """A ticket's entry ``left`` has left the line; ``waiting`` are the entries
    still in it. Returns (due, kept): ``due`` the (sub_id, ticket_id, ahead) of
    the watchers that now have at most their N ahead, ``kept`` the watchers still
    waiting. A watcher whose own ticket has left is dropped without a message
    (its ticket was called, cancelled or moved: ``called`` says the rest)."""
    due, kept = [], []
    for watch in watchers:
        wanted, sub_id, mine = parse_watch(watch)
        if mine == left or mine not in waiting:
            continue
        ahead = domain.ahead_in_line(waiting, mine, now_ts)
        if ahead <= wanted:
            due.append((sub_id, domain.entry_ticket(mine), ahead))
        else:
            kept.append(watch)
    return due, kept


def outbox_entry(event, message_id, at, **facts):
    """An entry of an outbox. ``facts``: ``sub`` (one subscription; else every
    subscription of the ticket), ``ticket``, ``ahead``, ``counter_name``; a
    booking_reminder (booking.reminder_entry, in the booking document's own
    insert) has ``due``, ``code`` and ``slot_start``."""
    assert event in EVENTS
    return {"id": message_id, "event": event, "at": at,
            **{k: v for k, v in facts.items() if v is not None}}


def encode(entry):
    """Outbox entries are kept as JSON text: nx-27017 keeps a pushed sub-document
    as text anyway, and a text entry is pulled by its exact value on any server."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"))


def decode(text):
    return json.loads(text) if isinstance(text, str) else dict(text)


def turn_near_entry(sub_id, ticket_id, ahead, at):
    # One turn_near per subscription: its id is the subscription's.
    return outbox_entry("turn_near", f"turn_near-{sub_id}", at, sub=sub_id, ticket=ticket_id,
                        ahead=ahead)


def called_entry(call_id, counter_name, at):
    # One per call (a recall is the same call): every subscription of the ticket gets it.
    return outbox_entry("called", f"called-{call_id}", at, counter_name=counter_name)


def delivery_id(entry, sub_id):
    """Stable across retries, restarts and senders: receivers dedupe by it."""
    return entry["id"] if entry.get("sub") == sub_id else f"{entry['id']}-{sub_id}"


def delivery(entry, sub, ticket, now_ts):
    """The delivery document for one subscription of an outbox entry."""
    doc = {"_id": delivery_id(entry, sub["_id"]), "event": entry["event"], "channel": sub["channel"],
           "sub": sub["_id"], "ticket": ticket["_id"], "office_id": ticket["office_id"],
           "number": ticket["number"], "counter_name": entry.get("counter_name"),
           "ahead": entry.get("ahead"), "changed_at": entry["at"], "created_at": now_ts,
           "status": "pending", "attempts": 0, "next_at": now_ts, "lease_until": 0.0,
           "sent_at": None, "last_error": ""}
    if sub["channel"] == "webpush":
        doc["endpoint"], doc["keys"] = sub["endpoint"], sub["keys"]
    else:
        doc["phone"] = sub["phone"]
    return doc


# A booking's phone is told through the provider's webhook as an SMS (the booking
# form asks for a number, not a channel).
BOOKING_CHANNEL = "sms"


def reminder_is_due(entry, now_ts):
    """Not before its due time (booking.reminder_due)."""
    return entry.get("due", entry["at"]) <= now_ts


def booking_delivery(entry, booking, now_ts):
    """The delivery of a booking's reminder: the booking is its own subscription
    (its phone), so the delivery id is the entry's id."""
    doc = delivery(entry, {"_id": booking["_id"], "channel": BOOKING_CHANNEL, "phone": booking["phone"]},
                   {"_id": booking["_id"], "office_id": booking["office_id"], "number": None}, now_ts)
    doc.update(booking=booking["_id"], code=entry.get("code"), slot_start=entry.get("slot_start"))
    return doc


OPTIONAL_FACTS = ("counter_name", "ahead", "code", "slot_start")


def webhook_body(delivery_doc, sent_at_iso):
    """The provider's JSON, byte for byte as signed."""
    body = {"id": delivery_doc["_id"], "event": delivery_doc["event"], "channel": delivery_doc["channel"],
            "office_id": delivery_doc["office_id"], "phone": delivery_doc["phone"], "sent_at": sent_at_iso}
    if delivery_doc.get("number") is not None:  # a booking has no number until it checks in
        body["number"] = delivery_doc["number"]
    for optional in OPTIONAL_FACTS:
        if delivery_doc.get(optional) is not None:
            body[optional] = delivery_doc[optional]
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret, body):
    """X-Senja-Signature: "sha256=" + hex HMAC-SHA256 (RFC 2104, FIPS 180-4) of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def push_payload(delivery_doc):
    """What the service worker shows (encrypted by pywebpush, RFC 8291); it opens
    the ticket page it was registered from (the token is never stored here)."""
    body = {"id": delivery_doc["_id"], "event": delivery_doc["event"], "number": delivery_doc["number"],
            "office_id": delivery_doc["office_id"]}
    for optional in OPTIONAL_FACTS:
        if delivery_doc.get(optional) is not None:
            body[optional] = delivery_doc[optional]
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def backoff_seconds(attempts):
    """Seconds before attempt ``attempts + 1`` after ``attempts`` failed ones."""
    return min(BACKOFF_FIRST_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)


def after_attempt(delivery_doc, outcome, now_ts, error=""):
    """The delivery's next state. ``outcome``: "ok" (2xx), "retry" (anything else,
    a timeout, a refused connection) or "gone" (a push subscription the push
    service no longer knows: 404/410, never retried)."""
    attempts = delivery_doc["attempts"] + 1
    if outcome == "ok":
        return {"status": "sent", "attempts": attempts, "sent_at": now_ts, "last_error": "",
                "lease_until": 0.0}
    if outcome == "gone" or now_ts - delivery_doc["created_at"] >= GIVE_UP_SECONDS:
        return {"status": "failed", "attempts": attempts, "last_error": error[:200], "lease_until": 0.0}
    return {"status": "retrying", "attempts": attempts, "last_error": error[:200],
            "next_at": now_ts + backoff_seconds(attempts), "lease_until": 0.0}
