"""Ticket status read model, kept in process memory by queue events.

Citizens' phones poll ticket status; answering from memory keeps that off the
RPC path (docs/architecture.md). Each gateway process binds its own exclusive queue to the
queue service's event exchange, then loads a snapshot of today's tickets; the
events that arrive meanwhile wait in the queue and are applied after it, and
per-ticket versions make replays harmless. On a broker reconnect events may
have been missed, so the model resyncs. A token the model does not know is
looked up by RPC by the caller: the model is a cache, never the authority.
"""
import bisect
import datetime as dt
import logging
import threading
import time
from zoneinfo import ZoneInfo

from kombu import Connection, Exchange, Queue, binding
from kombu.mixins import ConsumerMixin

from services.common import events
from services.queue import domain

log = logging.getLogger(__name__)
KEEP_DAYS = 2
RESYNC_SECONDS = 5


class TicketReadModel:
    def __init__(self):
        self._lock = threading.Lock()
        self._tickets = {}   # ticket_key -> ticket payload (latest version)
        self._waiting = {}   # (office, service, local_date) -> sorted [(sort_key, ticket_key)]
        self._loads = {}     # (office, service) -> (avg_service_seconds, counters_open)
        self._zones = {}     # office_id -> ZoneInfo
        self.synced = False

    # writes (consumer thread) ------------------------------------------
    def reset(self, snapshot):
        with self._lock:
            self._tickets.clear()
            self._waiting.clear()
            self._loads.clear()
            self._zones = {oid: ZoneInfo(name) for oid, name in snapshot["offices"].items()}
            for payload in snapshot["tickets"]:
                self._apply_ticket(events.load("ticket_issued", payload))
            self.synced = True

    def apply(self, name, payload):
        data = events.load(name, payload)
        with self._lock:
            if name in events.TICKET_EVENTS:
                self._apply_ticket(data)
            elif name in ("counter_opened", "counter_closed"):
                for service, load in data["loads"].items():
                    self._loads[(data["office_id"], service)] = (
                        load.get("avg_service_seconds"), load["counters_open"])
            elif name == "office_updated":
                self._zones[data["office_id"]] = ZoneInfo(data["timezone"])

    def _apply_ticket(self, t):
        key = t["ticket_key"]
        old = self._tickets.get(key)
        if old is not None and old["version"] >= t["version"]:
            return  # a replay or an event overtaken by the snapshot
        if old is not None and old["status"] == "waiting":
            self._unlist(old)
        self._tickets[key] = t
        if t["status"] == "waiting":
            bisect.insort(self._waiting.setdefault(_queue_of(t), []), (t["sort_key"], key))
        self._loads[(t["office_id"], t["service"])] = (t["avg_service_seconds"], t["counters_open"])
        if old is None and len(self._tickets) % 1000 == 0:
            self._evict(t["local_date"])

    def _unlist(self, t):
        line = self._waiting.get(_queue_of(t), [])
        i = bisect.bisect_left(line, (t["sort_key"], t["ticket_key"]))
        if i < len(line) and line[i][1] == t["ticket_key"]:
            del line[i]

    def _evict(self, today):
        cutoff = today - dt.timedelta(days=KEEP_DAYS)
        for key in [k for k, t in self._tickets.items() if t["local_date"] < cutoff]:
            t = self._tickets.pop(key)
            if t["status"] == "waiting":
                self._unlist(t)

    # reads (request threads) -------------------------------------------
    def status(self, ticket_key):
        with self._lock:
            t = self._tickets.get(ticket_key)
            if not self.synced or t is None or t["office_id"] not in self._zones:
                return None
            line = self._waiting.get(_queue_of(t), [])
            ahead = bisect.bisect_left(line, (t["sort_key"], ticket_key))
            avg, counters = self._loads.get((t["office_id"], t["service"]), (None, 0))
            zone = self._zones[t["office_id"]]
        return domain.status_view(t, zone, ahead, domain.estimate_wait_minutes(ahead, avg, counters))

    def waiting_count(self, office_id, service, local_date):
        with self._lock:
            return len(self._waiting.get((office_id, service, local_date), ()))


def _queue_of(t):
    return (t["office_id"], t["service"], t["local_date"])


class EventFeed(ConsumerMixin):
    """Feeds a TicketReadModel from the broker, in a daemon thread."""

    EVENTS = events.TICKET_EVENTS + ("counter_opened", "counter_closed", "office_updated")

    def __init__(self, amqp_uri, model, snapshot, name):
        self.connection = Connection(amqp_uri, heartbeat=30)
        self.model = model
        self.snapshot = snapshot  # () -> {"tickets": [...], "offices": {id: tz}}
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

    def _sync(self):
        self._last_try = time.monotonic()
        try:
            self.model.reset(self.snapshot())
            log.info("ticket read model synced")
        except Exception as exc:
            self.model.synced = False
            log.warning("read model snapshot failed (%s); serving by RPC until it works", exc)

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
