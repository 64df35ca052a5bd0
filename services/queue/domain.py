"""Queue rules: numbering, tokens, call order, waiting estimates. Pure domain.

Call order (stated rule): a ticket's place is its ``sort_key``, the epoch
second it joined the queue; a priority ticket (disability, elderly, pregnant,
child) is placed ``priority_boost_minutes`` earlier (default 20). So priority
tickets go first, yet an ordinary ticket can only ever be overtaken by
priority tickets that arrived less than the boost after it: nobody starves.
Transfers keep the original ``queued_at``. One sorted atomic update picks the
next ticket, which keeps concurrent clerks safe.
"""
import hashlib
import secrets

DEFAULT_PRIORITY_BOOST_MINUTES = 20
DEFAULT_MAX_RECALLS = 2
ACTIVE = ("waiting", "called", "serving")


def format_number(prefix, serial):
    return f"{prefix}-{serial:03d}"


def new_token():
    """192 random bits, URL-safe: the citizen's capability for the status page."""
    return secrets.token_urlsafe(24)


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
        "called_at": local(ticket.get("called_at")),
        "issued_at": local(ticket.get("issued_at")),
        "recalls": ticket.get("recalls", 0),
        "version": ticket["version"],
    }
