"""Booking a slot ahead and checking in on arrival. Pure domain: no I/O.

Configuration (per service of an office, ``booking``): ``slot_minutes`` (the
slot length), ``per_slot`` (bookings a slot takes; the rest of the counters'
time stays for walk-ins) and optionally ``max_per_day``. Slots are cut from
every session of the day, day and evening alike (services.common.calendar:
holidays, cuti bersama and the office's closures have no sessions, hence no
slots). A slot is whole: one that would run past its session's end is not
offered.

Daily quota (stated rule): a day's bookable places are capped at the service's
``daily_quota`` (and at ``max_per_day``); the cap is taken from the day's
first slots on, later slots offer fewer places or none. A booked place is a
promise: checking in never meets the quota refusal, while walk-ins are counted
against the quota together with the booked tickets already checked in.

Window (stated rule): a booking may be made for a slot that has not started,
at most ``MAX_DAYS_AHEAD`` days ahead. Check-in is open from
``CHECK_IN_BEFORE`` before the slot's start to ``CHECK_IN_AFTER`` after it
(30 and 15 minutes); a booking not checked in when the window closes is a
no-show.

Call order of a checked-in booking (stated beside the priority rule in
services.queue.domain): its ticket is placed at the slot's start, i.e. its
``sort_key`` is the slot's start (less the priority boost when it has a
priority reason), whenever within the window it checks in. So a walk-in who
joined before the slot started keeps their place ahead of it, and the booking
goes ahead of everyone who walks in after the slot's start.

Reminder (stated rule): a booking made with a phone gets ONE
``booking_reminder`` message, due ``remind_minutes`` (service's ``booking``
configuration, default ``DEFAULT_REMIND_MINUTES`` = 60) before the slot's
start, or at once when the booking is made later than that. It is written
into the booking document's ``outbox`` by the insert that makes the booking
(``reminder_entry``), and dropped by the same update that cancels it, checks
it in or marks it a no-show: only a booking still ``booked`` is reminded.
"""
import base64
import datetime as dt
import hashlib
import hmac
import secrets

from services.common import calendar
from services.queue import domain, notify

MAX_DAYS_AHEAD = 14
CHECK_IN_BEFORE = dt.timedelta(minutes=30)
CHECK_IN_AFTER = dt.timedelta(minutes=15)
DEFAULT_REMIND_MINUTES = 60
# What a move out of ``booked`` also sets, in the same update: the pending reminder is gone.
REMINDER_DROPPED = {"outbox": [], "reminder_due": None}
# Short codes for a kiosk keyboard: Crockford's base32 alphabet (no I, L, O, U),
# 8 characters = 40 bits. Only a kiosk holding its office's key may check in by
# code (gateway), so the code is not a bearer secret on its own.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
STATUSES = ("booked", "checked_in", "cancelled", "no_show")
EVENT_OF = {"booked": "booking_made", "cancelled": "booking_cancelled",
            "checked_in": "booking_checked_in", "no_show": "booking_no_show"}


def rules_of(service_config):
    """The service's booking rules, or None when it takes no bookings."""
    rules = service_config.get("booking")
    if not rules or not rules.get("slot_minutes") or not rules.get("per_slot"):
        return None
    return rules


def day_cap(service_config):
    """How many bookings a day of this service may take in all (None: no cap)."""
    rules = rules_of(service_config) or {}
    caps = [c for c in (rules.get("max_per_day"), service_config.get("daily_quota")) if c]
    return min(caps) if caps else None


def slots_on(office, service_config, day):
    """[(start, end, capacity)] of ``day`` (aware datetimes in the office's zone);
    [] when the service takes no bookings or the office is closed that day."""
    rules = rules_of(service_config)
    if rules is None:
        return []
    length = dt.timedelta(minutes=rules["slot_minutes"])
    left = day_cap(service_config)
    out = []
    for session_start, session_end in calendar.sessions_on(office, day):
        start = session_start
        while start + length <= session_end:
            capacity = rules["per_slot"] if left is None else max(0, min(rules["per_slot"], left))
            if left is not None:
                left -= capacity
            out.append((start, start + length, capacity))
            start += length
    return out


def find_slot(office, service_config, slot_start):
    """(start, end, capacity) of the slot that starts at ``slot_start``, or None."""
    day = calendar.local_date(office, slot_start)
    for slot in slots_on(office, service_config, day):
        if slot[0] == slot_start:
            return slot
    return None


def last_bookable_day(office, now):
    return calendar.local_date(office, now) + dt.timedelta(days=MAX_DAYS_AHEAD)


def date_refusal(office, day, now):
    """Why slots of ``day`` cannot be shown: (reason, message) or None."""
    today = calendar.local_date(office, now)
    if day < today:
        return "past", "That day is over"
    if day > last_bookable_day(office, now):
        return "too_far", f"Slots can be booked at most {MAX_DAYS_AHEAD} days ahead"
    return None


def booking_refusal(office, service_config, slot_start, now):
    """Why a booking for the slot starting at ``slot_start`` is refused before
    its capacity is even looked at: (reason, message) or None. Full is the
    store's to say (one atomic step)."""
    if rules_of(service_config) is None:
        return "not_bookable", "This service takes no bookings"
    day = calendar.local_date(office, slot_start)
    refused = date_refusal(office, day, now)
    if refused:
        return refused
    if slot_start <= now:
        return "past", "That slot has started already"
    closed = calendar.closed_day(office, day)
    if closed:
        return "closed", f"The office is closed that day ({closed['name']})"
    slot = find_slot(office, service_config, slot_start)
    if slot is None:
        return "no_slot", "No slot starts at that time"
    if slot[2] == 0:
        return "full", "The day's bookable places are taken"
    return None


def check_in_window(slot_start):
    """(from, until) of the check-in window of a slot."""
    return slot_start - CHECK_IN_BEFORE, slot_start + CHECK_IN_AFTER


def check_in_refusal(booking, now):
    """Why this booking cannot check in now: (reason, message) or None."""
    if booking["status"] == "cancelled":
        return "cancelled", "The booking was cancelled"
    if booking["status"] == "no_show" or is_no_show(booking, now):
        return "no_show", "The check-in window has closed: the booking lapsed"
    opens, closes = check_in_window(booking["slot_start"])
    if now < opens:
        return "too_early", f"Check-in opens {int(CHECK_IN_BEFORE.total_seconds() // 60)} minutes before the slot"
    return None


def is_no_show(booking, now):
    """A booking still only booked once its check-in window has closed."""
    return booking["status"] == "booked" and now >= check_in_window(booking["slot_start"])[1]


def cancel_refusal(booking, now):
    if booking["status"] == "booked" and not is_no_show(booking, now):
        return None
    status = "no_show" if is_no_show(booking, now) else booking["status"]
    return "illegal_transition", f"A {status} booking cannot be cancelled"


def booked_sort_key(slot_start, priority_reason, boost_minutes=domain.DEFAULT_PRIORITY_BOOST_MINUTES):
    """The checked-in ticket's place: at the slot's start (module docstring)."""
    return domain.sort_key(slot_start, priority_reason, boost_minutes)


def reminder_due(slot_start, booked_at, remind_minutes=DEFAULT_REMIND_MINUTES):
    """When the reminder is due: ``remind_minutes`` before the slot's start, and
    never before the booking was made (a late booking is reminded at once)."""
    return max(slot_start - dt.timedelta(minutes=remind_minutes), booked_at)


def remind_minutes(service_config):
    minutes = (rules_of(service_config) or {}).get("remind_minutes")
    return DEFAULT_REMIND_MINUTES if minutes is None else minutes


def reminder_entry(booking_id, code, slot_start, booked_at, remind, zone):
    """The booking's outbox entry (services.queue.notify's shape): one message per
    booking, its id the same on every retry; ``due`` (a timestamp) holds it back."""
    return notify.outbox_entry("booking_reminder", f"booking_reminder-{booking_id}", booked_at.timestamp(),
                               sub=booking_id, due=reminder_due(slot_start, booked_at, remind).timestamp(),
                               code=code, slot_start=slot_start.astimezone(zone).isoformat(timespec="minutes"))


def slot_id(office_id, service, slot_start):
    """The per-slot counter's key: office, service and the slot's start in UTC."""
    return f"{office_id}|{service}|{slot_start.astimezone(dt.timezone.utc):%Y-%m-%dT%H:%M}Z"


def booking_token(secret, booking_id):
    """The holder's capability: 192 bits derived from the random booking id, as
    ticket tokens are (domain.ticket_token), so a retried booking hands it back."""
    digest = hmac.new(secret.encode(), f"booking|{booking_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def short_code(randbelow=secrets.randbelow):
    return "".join(CODE_ALPHABET[randbelow(len(CODE_ALPHABET))] for _ in range(CODE_LENGTH))


def normal_code(text):
    """What a kiosk keyboard sends, as stored: upper case, no spaces or dashes,
    and the letters Crockford's alphabet reads as digits (O→0, I/L→1)."""
    text = "".join(str(text or "").split()).replace("-", "").upper()
    return text.translate(str.maketrans("OIL", "011"))


def mask_phone(phone):
    """+6281234567890 -> +62812*****890: enough for the holder to recognise it."""
    if not phone:
        return None
    return phone[:6] + "*" * max(0, len(phone) - 9) + phone[-3:]


def booking_view(booking, zone, token=None):
    """What the holder (and a clerk) sees of a booking; the phone only masked."""
    opens, closes = check_in_window(booking["slot_start"])

    def local(value):
        return value.astimezone(zone).isoformat(timespec="minutes") if value else None

    view = {
        "code": booking["code"], "office_id": booking["office_id"], "service": booking["service"],
        "status": booking["status"], "slot_start": local(booking["slot_start"]),
        "slot_end": local(booking["slot_end"]), "check_in_from": local(opens),
        "check_in_until": local(closes), "priority_reason": booking.get("priority_reason"),
        "phone": mask_phone(booking.get("phone")), "ticket_number": booking.get("ticket_number"),
    }
    if token is not None:
        view["token"] = token
    return view
