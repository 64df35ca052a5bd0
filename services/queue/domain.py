"""Queue rules: numbering, tokens, call order, waiting estimates. Pure domain.

Call order (stated rule): a ticket's place is its ``sort_key``, the epoch
second it joined the queue; a priority ticket (disability, elderly, pregnant,
child) is placed ``priority_boost_minutes`` earlier (default 20). So priority
tickets go first, yet an ordinary ticket can only ever be overtaken by
priority tickets that arrived less than the boost after it: nobody starves.
Booked tickets (services.queue.booking): a booking checked in is placed at its
slot's start (boost included when it has a priority reason), so a walk-in who
came before the slot keeps their place and those who come after it do not.
Transfers keep the original ``queued_at``. One sorted atomic update picks the
next ticket, which keeps concurrent clerks safe.

Tie-break (stated rule): equal ``sort_key``s go by ``queued_at``, earlier
first, so a priority ticket that arrived exactly the boost after an ordinary
one does not overtake it; equal both (the same instant), by the daily serial:
the lower number first.

A ticket belongs to the session it was issued in: it stays callable until
that session ends (``session_end``), even when the session runs past local
midnight; numbers still restart each local day.
"""
import base64
import datetime as dt
import hashlib
import hmac

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
DEFAULT_PRIORITY_BOOST_MINUTES = 20
DEFAULT_MAX_RECALLS = 2
ACTIVE = ("waiting", "called", "serving")
# The call order as a MongoDB sort, and the same order in Python.
CALL_ORDER = [("sort_key", 1), ("queued_at", 1), ("serial", 1)]
# Service-time basis: the median of the last SERVICE_TIME_WINDOW services completed
# today, once there are at least MIN_SERVICE_TIMES of them (see service_seconds_basis).
SERVICE_TIME_WINDOW = 15
MIN_SERVICE_TIMES = 3


def call_order_key(ticket):
    return (ticket["sort_key"], ticket["queued_at"], ticket.get("serial", 0))


def line_entry(sort_key, queued_at, session_end, ticket_id):
    """A ticket's place in its line's summary document: text whose order is the
    call order (fixed-width numbers), then what expires it and whose it is. Entries
    join the line in the order their serials were allocated, so for equal keys
    the earlier entry is the lower number (the tie-break)."""
    arrived_ms = (queued_at - EPOCH) // dt.timedelta(milliseconds=1)  # BSON dates keep ms
    return f"{sort_key:017.6f}|{arrived_ms:017d}|{session_end:012.0f}|{ticket_id}"


PLACE = 35  # the entry's first two fields: sort key and arrival


def entry_session_end(entry):
    return float(entry.split("|")[2])


def ahead_in_line(entries, mine, now_ts):
    """How many tickets of a line come before ``mine`` in the call order; entries
    of sessions already over are not waiting for anyone any more."""
    place = mine[:PLACE]
    mine_at = entries.index(mine) if mine in entries else len(entries)
    return sum(1 for i, e in enumerate(entries)
               if e != mine and entry_session_end(e) > now_ts
               and (e[:PLACE] < place or (e[:PLACE] == place and i < mine_at)))


def entry_ticket(entry):
    return entry.rsplit("|", 1)[1]


def next_in_call_order(lines, now_ts, skip=()):
    """(service, entry) of the first ticket in call order across ``lines``
    ({service: entries}), passing over ``skip`` and sessions that are over; or None."""
    heads = [(e[:PLACE], i, service, e) for service, entries in lines.items()
             for i, e in enumerate(entries) if e not in skip and entry_session_end(e) > now_ts]
    if not heads:
        return None
    _, _, service, entry = min(heads)
    return service, entry


def waiting_in_line(entries, now_ts):
    return sum(1 for e in entries if entry_session_end(e) > now_ts)


def format_number(prefix, serial):
    return f"{prefix}-{serial:03d}"


def ticket_token(secret, ticket_id):
    """The citizen's capability for the status page: 192 bits, URL-safe.

    Derived with a keyed HMAC from the (random) ticket id, so it is as
    unguessable as a random token, is never stored, and an idempotent retry
    of the issue call can hand the same token back.
    """
    digest = hmac.new(secret.encode(), f"ticket|{ticket_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def token_key(token):
    """What we store and send in events instead of the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def sort_key(queued_at, priority_reason, boost_minutes=DEFAULT_PRIORITY_BOOST_MINUTES):
    key = queued_at.timestamp()
    if priority_reason:
        key -= boost_minutes * 60
    return key


def people_ahead(my_key, waiting_keys):
    return sum(1 for k in waiting_keys if k < my_key)


def median_service_seconds(durations, window=SERVICE_TIME_WINDOW, at_least=MIN_SERVICE_TIMES):
    """Median of the most recent service durations (seconds); None with fewer than
    ``at_least``. The median, not the mean: a ticket left "called" overnight or one
    three-hour service moves it by one place, not by hours."""
    recent = sorted(d for d in durations[-window:] if d and d > 0)
    if len(recent) < at_least:
        return None
    mid = len(recent) // 2
    return recent[mid] if len(recent) % 2 else (recent[mid - 1] + recent[mid]) / 2


def estimate_wait_minutes(ahead, avg_service_seconds, counters_open):
    """None when there is no basis: no counter open or no service time known."""
    if ahead == 0 and counters_open:
        return 0
    if not counters_open or avg_service_seconds is None:
        return None
    return round(ahead * avg_service_seconds / counters_open / 60)


def service_seconds_basis(service_config, today_durations):
    """Today's median service time (enough services measured); else the office's
    configured typical time; else None: the estimate is "unknown"."""
    measured = median_service_seconds(today_durations or [])
    if measured is not None:
        return measured
    typical = service_config.get("typical_minutes")
    return typical * 60 if typical else None


def percentile(values, p):
    """Nearest-rank percentile in Python (nx-27017 lacks $percentile)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def status_view(ticket, zone, ahead, estimate):
    """What a citizen sees of a ticket; ``ticket`` is the stored/event shape."""
    waiting = ticket["status"] == "waiting"

    def local(value):
        return value.astimezone(zone).isoformat(timespec="seconds") if value else None

    return {
        "id": ticket["ticket_id"],
        "number": ticket["number"],
        "office_id": ticket["office_id"],
        "service": ticket["service"],
        "status": ticket["status"],
        "priority_reason": ticket.get("priority_reason"),
        "people_ahead": ahead if waiting else 0,
        "estimated_wait_minutes": estimate if waiting else None,
        "estimate_available": (estimate is not None) if waiting else None,
        "counter": ticket.get("counter_id"),
        "counter_name": ticket.get("counter_name"),
        "from_service": ticket.get("from_service"),
        "called_at": local(ticket.get("called_at")),
        "issued_at": local(ticket.get("issued_at")),
        "recalls": ticket.get("recalls", 0),
        "version": ticket["version"],
    }


# Ticket life cycle: action -> (statuses it may start from, status it leads to).
TRANSITIONS = {
    "call": (("waiting",), "called"),
    "recall": (("called",), "called"),
    "start": (("called",), "serving"),
    "complete": (("called", "serving"), "done"),
    "no_show": (("called",), "no_show"),
    "transfer": (("called", "serving"), "waiting"),
    "cancel": (("waiting",), "cancelled"),
}
EVENT_OF = {"call": "ticket_called", "recall": "ticket_recalled", "start": "ticket_started",
            "complete": "ticket_completed", "no_show": "ticket_no_show",
            "transfer": "ticket_transferred", "cancel": "ticket_cancelled",
            "undo_no_show": "ticket_no_show_undone"}
COUNTER_ACTIONS = ("open", "close", "call_next", "recall", "start", "complete", "no_show",
                   "transfer")


# A no-show can be taken back for a short time: the citizen who reaches the
# counter just after the clerk pressed "no-show" is served, not sent to the
# back of a new line. Two minutes covers walking across a hall; longer would
# let a counter hold an old ticket over people who came in time.
UNDO_NO_SHOW_SECONDS = 120
CLOCK_SLACK_SECONDS = 1  # instances' clocks (and a store that rounds floats) differ a little


def no_show_undoable(no_show_at, now_ts, limit=UNDO_NO_SHOW_SECONDS):
    """Is a no-show marked at ``no_show_at`` (epoch seconds) still within the undo time?"""
    return no_show_at is not None and -CLOCK_SLACK_SECONDS <= now_ts - no_show_at <= limit


def recall_outcome(recalls, max_recalls):
    """A recall re-announces; once the allowed recalls are spent it is a no-show."""
    return "no_show" if recalls >= max_recalls else "recall"


def can_serve_today(now, rest_of_day, ahead, avg_service_seconds, counters):
    """Can a new ticket still be served in the day's remaining sessions?

    ``ahead``: tickets before it in the call order (its own place: a priority
    ticket is not judged by the ordinary ones it goes before). ``rest_of_day``:
    today's sessions still to come as (start, end), the current one included;
    breaks between them (lunch, Friday prayer) pause the queue, they do not end
    it, so only the time inside sessions counts. ``counters``: those open for the
    service, or, before any opens, those configured to serve it. Without a
    service-time basis we cannot judge, and do not refuse.
    """
    if avg_service_seconds is None:
        return True
    needed = (ahead / max(counters, 1) + 1) * avg_service_seconds
    available = sum(max(0.0, (end - max(start, now)).total_seconds()) for start, end in rest_of_day)
    return needed <= available


def daily_stats(tickets, zone, session_of):
    """Statistics of one office-day from its tickets (stored shape).

    ``session_of(local_dt)`` names the session ("day"/"evening") a time falls in.
    Waiting = queued -> called; service = started (or called) -> completed.
    """
    def minutes(a, b):
        return (b - a).total_seconds() / 60 if a and b else None

    buckets = {}

    def bucket(key):
        return buckets.setdefault(key, {"issued": 0, "served": 0, "no_shows": 0, "cancelled": 0,
                                        "waits": [], "services": []})

    for t in tickets:
        issued_local = t["issued_at"].astimezone(zone)
        for key in ("all", f"hour:{issued_local.hour:02d}", f"session:{session_of(issued_local)}"):
            b = bucket(key)
            b["issued"] += 1
            if t["status"] == "done":
                b["served"] += 1
            elif t["status"] == "no_show":
                b["no_shows"] += 1
            elif t["status"] == "cancelled":
                b["cancelled"] += 1
            wait = minutes(t.get("queued_at"), t.get("called_at"))
            if wait is not None:
                b["waits"].append(wait)
            service = minutes(t.get("started_at") or t.get("called_at"), t.get("completed_at"))
            if service is not None and t["status"] == "done":
                b["services"].append(service)

    def summarise(b):
        return {
            "issued": b["issued"], "served": b["served"], "no_shows": b["no_shows"],
            "cancelled": b["cancelled"],
            "mean_wait_minutes": _mean(b["waits"]), "p90_wait_minutes": _round(percentile(b["waits"], 90)),
            "p50_wait_minutes": _round(percentile(b["waits"], 50)),
            "mean_service_minutes": _mean(b["services"]),
            "p90_service_minutes": _round(percentile(b["services"], 90)),
        }

    total = summarise(buckets.get("all") or bucket("all"))
    hours = [{"hour": int(k[5:]), **summarise(v)} for k, v in sorted(buckets.items())
             if k.startswith("hour:")]
    sessions = {k[8:]: summarise(v) for k, v in buckets.items() if k.startswith("session:")}
    return {**total, "per_hour": hours, "per_session": sessions}


def _mean(values):
    return round(sum(values) / len(values), 1) if values else None


def _round(value):
    return round(value, 1) if value is not None else None
