"""Ticket status and display boards, kept in process memory by queue events.

Citizens' phones poll ticket status and every hall's screen polls its board;
answering both from memory keeps them off the RPC path (docs/architecture.md). Each
gateway process binds its own exclusive queue to the queue service's event
exchange, then loads a snapshot (tickets still in play, office time zones,
what each board shows beyond tickets); the events that arrive meanwhile wait
in the queue and are applied after it, and per-ticket versions make replays
harmless. On a broker reconnect events may have been missed, so the model
resyncs; a changed office is fetched again on its own. A token or office the
model does not know is looked up by RPC by the caller: the model is a cache,
never the authority.
"""
import bisect
import datetime as dt
import hashlib
import json
import logging
import threading
import time
from zoneinfo import ZoneInfo

from kombu import Connection, Exchange, Queue, binding
from kombu.mixins import ConsumerMixin

from services.common import broker, calendar, events
from services.queue import domain

log = logging.getLogger(__name__)
KEEP_DAYS = 2
RESYNC_SECONDS = 5
BOARD_EVENTS = ("counter_opened", "counter_closed", "office_updated", "notices_changed")


class TicketReadModel:
    def __init__(self, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._tickets = {}   # ticket_key -> ticket payload (latest version)
        self._lines = {}     # (office, service) -> sorted [(sort_key, queued_at, serial, ticket_key)]
        self._loads = {}     # (office, service) -> (avg_service_seconds, counters_open)
        self._zones = {}     # office_id -> ZoneInfo
        self._boards = {}    # office_id -> what the board shows beyond tickets (board_basis)
        self._at_counters = {}  # office_id -> {ticket_key} called or serving
        self._changes = {}   # office_id -> how often its board changed
        self._rendered = {}  # office_id -> (stamp, etag, body)
        self._statuses = {}  # ticket_key -> (stamp, etag, body): a status poll reuses its bytes
        self.stale_offices = set()  # changed offices whose board basis is to be fetched again
        self.synced = False

    # writes (consumer thread) ------------------------------------------
    def reset(self, snapshot):
        with self._lock:
            for part in (self._tickets, self._lines, self._loads, self._at_counters, self._rendered,
                         self._statuses):
                part.clear()
            self._zones = {oid: ZoneInfo(name) for oid, name in snapshot["offices"].items()}
            self._boards = {oid: _basis(b) for oid, b in snapshot.get("boards", {}).items()}
            for payload in snapshot["tickets"]:
                self._apply_ticket(events.load("ticket_issued", payload))
            self.stale_offices.clear()
            self.synced = True

    def set_board_basis(self, basis):
        with self._lock:
            self._boards[basis["office_id"]] = _basis(basis)
            self._zones[basis["office_id"]] = ZoneInfo(basis["timezone"])
            self._changed(basis["office_id"])

    def apply(self, name, payload):
        data = events.load(name, payload)
        with self._lock:
            if name in events.TICKET_EVENTS:
                self._apply_ticket(data)
            elif name in ("counter_opened", "counter_closed"):
                for service, load in data["loads"].items():
                    self._loads[(data["office_id"], service)] = (
                        load.get("avg_service_seconds"), load["counters_open"])
                counter = self._boards.get(data["office_id"], {}).get("counters", {}).get(data["counter_id"])
                if counter is not None:
                    counter["open"] = name == "counter_opened"
                self._changed(data["office_id"])
            elif name == "office_updated":
                self._zones[data["office_id"]] = ZoneInfo(data["timezone"])
                self.stale_offices.add(data["office_id"])
            elif name == "notices_changed" and data["office_id"] in self._boards:
                self._boards[data["office_id"]]["notices"] = data["notices"]
                self._changed(data["office_id"])

    def _apply_ticket(self, t):
        key = t["ticket_key"]
        old = self._tickets.get(key)
        if old is not None and old["version"] >= t["version"]:
            return  # a replay or an event overtaken by the snapshot
        if old is not None:
            self._unlist(old)
        self._tickets[key] = t
        if t["status"] == "waiting":
            bisect.insort(self._lines.setdefault(_line_of(t), []), _place(t))
        elif t["status"] in ("called", "serving"):
            self._at_counters.setdefault(t["office_id"], set()).add(key)
        self._loads[(t["office_id"], t["service"])] = (t["avg_service_seconds"], t["counters_open"])
        self._changed(t["office_id"])
        if old is None and len(self._tickets) % 1000 == 0:
            self._evict(t["local_date"])

    def _unlist(self, t):
        if t["status"] == "waiting":
            line = self._lines.get(_line_of(t), [])
            i = bisect.bisect_left(line, _place(t))
            if i < len(line) and line[i][-1] == t["ticket_key"]:
                del line[i]
        else:
            self._at_counters.get(t["office_id"], set()).discard(t["ticket_key"])

    def _evict(self, today):
        cutoff = today - dt.timedelta(days=KEEP_DAYS)
        for key in [k for k, t in self._tickets.items() if t["local_date"] < cutoff]:
            self._unlist(self._tickets.pop(key))
            self._statuses.pop(key, None)

    def _changed(self, office_id):
        self._changes[office_id] = self._changes.get(office_id, 0) + 1

    def _live(self, key, now):
        end = self._tickets[key].get("session_end")
        return end is None or end > now

    # reads (request threads) -------------------------------------------
    def status(self, ticket_key):
        found = self._status_basis(ticket_key)
        return None if found is None else domain.status_view(*found)

    def status_body(self, ticket_key):
        """(etag, JSON bytes) of a ticket's status, or None when the model cannot
        answer. The body changes only with the ticket's version, the people ahead
        and the estimate (the ETag's parts), so a poll in between reuses the bytes:
        thousands of phones poll, and building the view was most of a poll's cost."""
        found = self._status_basis(ticket_key)
        if found is None:
            return None
        t, zone, ahead, estimate = found
        stamp = (t["version"], ahead, estimate, zone)  # an office moved to another zone shows its times anew
        cached = self._statuses.get(ticket_key)
        if cached is not None and cached[0] == stamp:
            return cached[1], cached[2]
        etag = status_etag(t["version"], ahead, estimate)
        data = json.dumps(domain.status_view(t, zone, ahead, estimate)).encode()
        with self._lock:
            if ticket_key in self._tickets:  # not evicted meanwhile
                self._statuses[ticket_key] = (stamp, etag, data)
        return etag, data

    def _status_basis(self, ticket_key):
        now = self._clock()
        with self._lock:
            t = self._tickets.get(ticket_key)
            if not self.synced or t is None or t["office_id"] not in self._zones:
                return None
            line = self._lines.get(_line_of(t), [])
            before = line[:bisect.bisect_left(line, _place(t))] if t["status"] == "waiting" else ()
            ahead = sum(1 for place in before if self._live(place[-1], now))
            avg, counters = self._loads.get((t["office_id"], t["service"]), (None, 0))
            zone = self._zones[t["office_id"]]
        waiting = t["status"] == "waiting"
        estimate = domain.estimate_wait_minutes(ahead, avg, counters) if waiting else None
        return t, zone, ahead if waiting else 0, estimate

    def waiting_count(self, office_id, service):
        now = self._clock()
        with self._lock:
            return sum(1 for place in self._lines.get((office_id, service), ())
                       if self._live(place[-1], now))

    def board(self, office_id):
        """(etag, body) of what the office's board shows, or None when the model
        cannot answer (not synced, or an office it does not know yet)."""
        now = self._clock()
        with self._lock:
            basis = self._boards.get(office_id)
            if not self.synced or basis is None:
                return None
            # Rebuilt when something changed, and at most once a second (generated_at,
            # open_now and notices that expire move with the clock).
            stamp = (self._changes.get(office_id, 0), int(now))
            cached = self._rendered.get(office_id)
            if cached is not None and cached[0] == stamp:
                return cached[1], cached[2]
            at = dt.datetime.fromtimestamp(now, basis["zone"])
            open_now = calendar.current_session(basis["calendar"], at) is not None
            notices = [n for n in basis["notices"] if n["until"].timestamp() > now]
            body = self._board_body(office_id, basis, at, open_now, notices, now)
        stable = {k: v for k, v in body.items() if k != "generated_at"}
        etag = 'W/"%s"' % hashlib.sha1(json.dumps(stable, sort_keys=True).encode()).hexdigest()[:20]
        data = json.dumps(body).encode()
        with self._lock:
            self._rendered[office_id] = (stamp, etag, data)
        return etag, data

    def _board_body(self, office_id, basis, at, open_now, notices, now):
        zone = basis["zone"]
        calls = sorted((self._tickets[k] for k in self._at_counters.get(office_id, ())),
                       key=lambda t: t["called_at"], reverse=True)
        return {
            "office_id": office_id, "name": basis["name"],
            "generated_at": at.isoformat(timespec="seconds"), "open_now": open_now,
            "calls": [{"number": t["number"], "service": t["service"], "status": t["status"],
                       "counter_id": t["counter_id"],
                       "counter_name": basis["counters"].get(t["counter_id"], {}).get(
                           "name", t["counter_name"] or t["counter_id"]),
                       "called_at": t["called_at"].astimezone(zone).isoformat(timespec="seconds"),
                       "recalls": t.get("recalls", 0), "version": t["version"]} for t in calls],
            "waiting": [{**s, "waiting": sum(1 for place in self._lines.get((office_id, s["service"]), ())
                                             if self._live(place[-1], now))}
                        for s in basis["services"]],
            "counters": [{"id": cid, "name": c["name"], "open": c["open"]}
                         for cid, c in basis["counters"].items()],
            "notices": [{"id": n["id"], "text": n["text"], "kind": n["kind"], "facility_kind": n.get("facility_kind"),
                         "facility_status": n.get("facility_status")} for n in notices],
        }


def _line_of(t):
    return (t["office_id"], t["service"])


def _place(t):
    """A ticket's place in its line: the call order (services.queue.domain)."""
    return (t["sort_key"], t["queued_at"], t["serial"], t["ticket_key"])


def status_etag(version, ahead, estimate):
    return f'W/"{version}-{ahead}-{estimate}"'


def _basis(board):
    """The queue service's board_basis, ready for reads."""
    zone = ZoneInfo(board["timezone"])
    return {
        "name": board["name"], "zone": zone,
        "calendar": {"timezone": board["timezone"], **board["calendar"]},
        "services": [{"service": s["code"], "name": s["name"], "names": s["names"]}
                     for s in board["services"]],
        "counters": {c["id"]: {"name": c["name"], "open": bool(c["open"])} for c in board["counters"]},
        "notices": [{**n, "until": _aware(n["until"])} for n in board["notices"]],
    }


def _aware(value):
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


class EventFeed(ConsumerMixin):
    """Feeds a TicketReadModel from the broker, in a daemon thread."""

    EVENTS = events.TICKET_EVENTS + BOARD_EVENTS
    establish_connection = broker.establish_connection  # back within 2 s of the broker's return

    def __init__(self, amqp_uri, model, snapshot, name, board_basis=None):
        self.connection = Connection(amqp_uri, heartbeat=30)
        self.model = model
        self.snapshot = snapshot  # () -> {"tickets": [...], "offices": {id: tz}, "boards": {...}}
        self.board_basis = board_basis  # (office_id) -> one office's board basis
        exchange = Exchange("queue.events", type="topic", durable=True)
        self.queue = Queue(f"senja-gateway-readmodel-{name}", exclusive=True, auto_delete=True,
                           bindings=[binding(exchange, routing_key=rk) for rk in self.EVENTS])
        self.thread = None
        self._last_try = 0.0

    def get_consumers(self, Consumer, channel):
        return [Consumer(queues=[self.queue], callbacks=[self.on_message],
                         accept=["json"], prefetch_count=200)]

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        # Subscribed first, snapshot second: nothing falls between the two.
        self._sync()

    def on_iteration(self):
        if not self.model.synced and time.monotonic() - self._last_try > RESYNC_SECONDS:
            self._sync()
        elif self.model.stale_offices and self.board_basis is not None:
            self._refresh_offices()

    def _sync(self):
        self._last_try = time.monotonic()
        try:
            self.model.reset(self.snapshot())
            log.info("ticket read model synced")
        except Exception as exc:
            self.model.synced = False
            log.warning("read model snapshot failed (%s); serving by RPC until it works", exc)

    def _refresh_offices(self):
        # Subscribed already, so a change after this fetch comes as an event too.
        for office_id in list(self.model.stale_offices):
            try:
                self.model.set_board_basis(self.board_basis(office_id))
                self.model.stale_offices.discard(office_id)
            except Exception as exc:
                log.warning("board of %s not refreshed (%s); will try again", office_id, exc)
                return

    def on_connection_revived(self):
        self.model.synced = False

    def on_message(self, body, message):
        name = message.delivery_info.get("routing_key")
        try:
            if name in self.EVENTS:
                self.model.apply(name, body)
        except Exception:
            log.exception("could not apply event %s", name)
        message.ack()

    def start(self):
        self.thread = threading.Thread(target=self.run, name="readmodel", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.should_stop = True
