"""Queue rules: numbering, tokens, call order, waiting estimates. Pure domain.

Call order (stated rule): a ticket's place is its ``sort_key``, the epoch
second it joined the queue; a priority ticket (disability, elderly, pregnant,
child) is placed ``priority_boost_minutes`` earlier (default 20). So priority
tickets go first, yet an ordinary ticket can only ever be overtaken by
priority tickets that arrived less than the boost after it: nobody starves.
Transfers keep the original ``queued_at``. One sorted atomic update picks the
next ticket, which keeps concurrent clerks safe.
"""
import base64
import hashlib
import hmac

DEFAULT_PRIORITY_BOOST_MINUTES = 20
DEFAULT_MAX_RECALLS = 2
ACTIVE = ("waiting", "called", "serving")


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


def mean_service_seconds(durations, window=20):
    """Moving average of the most recent service durations (seconds); None without data."""
    recent = [d for d in durations if d and d > 0][-window:]
    return sum(recent) / len(recent) if recent else None


def estimate_wait_minutes(ahead, avg_service_seconds, counters_open):
    """None when there is no basis: no counter open or no service time known."""
    if ahead == 0 and counters_open:
        return 0
    if not counters_open or avg_service_seconds is None:
        return None
    return round(ahead * avg_service_seconds / counters_open / 60)


def service_seconds_basis(service_config, measured):
    """Measured moving average first; else the office's configured typical time."""
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
            "transfer": "ticket_transferred", "cancel": "ticket_cancelled"}
COUNTER_ACTIONS = ("open", "close", "call_next", "recall", "start", "complete", "no_show",
                   "transfer")


def recall_outcome(recalls, max_recalls):
    """A recall re-announces; once the allowed recalls are spent it is a no-show."""
    return "no_show" if recalls >= max_recalls else "recall"


def can_finish_before_close(now, session_end, ahead, avg_service_seconds, counters_open):
    """Would a new ticket be served before the session closes?

    Judged from the people ahead, the counters open (at least one is assumed,
    as a counter usually opens when people wait) and the service time basis.
    Without a basis we cannot judge, and do not refuse.
    """
    if avg_service_seconds is None:
        return True
    counters = max(counters_open, 1)
    # The new ticket is called after the `ahead` ones are served, then served itself.
    finish = now.timestamp() + (ahead / counters + 1) * avg_service_seconds
    return finish <= session_end.timestamp()


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
