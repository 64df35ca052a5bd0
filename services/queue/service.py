"""Queue service entrypoints: thin. The rules live in issuing.py,
counter_actions.py and views.py (workflows over a store, a clock and the
secret) and domain.py (pure)."""
import datetime as dt
import logging
import uuid

from marshmallow import ValidationError
from nameko.dependency_providers import Config
from nameko.events import BROADCAST, EventDispatcher, event_handler
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.timer import timer
from prometheus_client import Gauge

from services.common import calendar, events, regions
from services.common import config as senja_config
from services.common.errors import Invalid, ServiceError, marshmallow_errors
from services.common.mongo import Storage
from services.common.observability import EVENTS_HANDLED, Observable
from services.common.replies import dumped
from services.queue import booking_schemas, bookings, counter_actions, issuing, schemas, subscriptions, views
from services.queue.context import Context, utcnow
from services.queue.schemas import OfficeConfig
from services.queue.sender import Sender
from services.queue.storage import QueueStore

EXPECTED = (ServiceError,)
log = logging.getLogger(__name__)
NOTIFY_POLL_SECONDS = senja_config.from_env().notify_poll_seconds
QUEUE_WAITING = Gauge("senja_queue_waiting", "Tickets waiting (as last counted by this instance)",
                      ["office_id", "service"])


class AfterReply(DependencyProvider):
    """Work a worker leaves for after its answer: nameko sends an RPC reply
    before ``worker_result`` runs, so the caller does not wait for it."""

    def get_dependency(self, worker_ctx):
        worker_ctx._senja_later = []
        return worker_ctx._senja_later.append

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        for task in getattr(worker_ctx, "_senja_later", ()):
            try:
                task()
            except Exception:
                log.exception("work after the reply failed")


class QueueService(Observable):
    name = "queue"

    store = Storage(QueueStore, "senja_queue")
    dispatch = EventDispatcher()
    config = Config()
    later = AfterReply()

    @property
    def ctx(self):
        return Context(store=self.store, secret=self.config["SENJA_SECRET"], clock=utcnow,
                       dispatch=self.dispatch, later=self.later, request_id=self.request_id)

    # offices -------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.OfficeView)
    def put_office(self, office, actor="system"):
        """Create or replace an office's configuration (the queue service owns offices)."""
        try:
            data = OfficeConfig().load(office)
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages), "Invalid office configuration")
        region = regions.kecamatan(data["id"])
        if region is None:
            raise Invalid.fields([("id", "not a Kemendagri kecamatan code")], "Unknown kecamatan")
        data = _plain({**data, "name": data["name"] or region[0], "region_path": region[1]})
        self.store.put_office(data)
        self.store.record({"office_id": data["id"], "event": "office_configured", "actor": actor,
                           "at": utcnow(), "config": data})
        self._publish_office(data, actor)
        return views.office_view(data, utcnow())

    @rpc
    @dumped(schemas.OfficeView, many=True)
    def list_offices(self):
        now = utcnow()
        return [views.office_view(o, now) for o in self.store.list_offices()]

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.OfficeView)
    def get_office(self, office_id):
        return views.office_view(views.office_or_404(self.store, office_id), utcnow())

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.ServiceView, many=True)
    def list_services(self, office_id):
        services = views.list_services(self.ctx, office_id)
        for svc in services:
            QUEUE_WAITING.labels(office_id, svc["code"]).set(svc["waiting"])
        return services

    @event_handler("queue", "office_updated", handler_type=BROADCAST, reliable_delivery=False)
    def on_office_updated(self, payload):
        """Every instance of this service forgets its copy of a changed office."""
        self.store.memory.forget(events.load("office_updated", payload)["office_id"])

    # tickets -------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.IssuedTicket)
    def issue_ticket(self, office_id, request, idempotency_key=None, actor="citizen"):
        return issuing.issue_ticket(self.ctx, office_id, request, idempotency_key, actor)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.TicketView)
    def ticket_status(self, token):
        return views.status_by_token(self.ctx, token)

    @rpc
    def active_snapshot(self):
        return views.active_snapshot(self.ctx)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.TicketView)
    def cancel_ticket(self, token, actor="citizen"):
        return issuing.cancel_ticket(self.ctx, token, actor)

    # bookings (services/queue/bookings.py) ---------------------------------
    @rpc(expected_exceptions=EXPECTED)
    @dumped(booking_schemas.SlotView, many=True)
    def booking_slots(self, office_id, query):
        return bookings.slots(self.ctx, office_id, query)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(booking_schemas.BookedSlot)
    def book_slot(self, office_id, request, idempotency_key=None, actor="citizen"):
        return bookings.book(self.ctx, office_id, request, idempotency_key, actor)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(booking_schemas.BookingView)
    def booking_status(self, token):
        return bookings.status(self.ctx, token)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(booking_schemas.BookingView)
    def cancel_booking(self, token, actor="citizen"):
        return bookings.cancel(self.ctx, token, actor)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(booking_schemas.CheckedIn)
    def check_in_booking(self, token, channel="web", actor="citizen"):
        return bookings.check_in(self.ctx, token, channel, actor)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(booking_schemas.CheckedIn)
    def check_in_by_code(self, office_id, request, actor="kiosk"):
        return bookings.check_in_by_code(self.ctx, office_id, request, actor)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(booking_schemas.BookingView, many=True)
    def bookings_of_day(self, office_id, query):
        return bookings.day(self.ctx, office_id, query)

    @timer(interval=bookings.NO_SHOW_SWEEP_SECONDS)
    def sweep_no_shows(self):
        bookings.sweep_no_shows(self.ctx)

    # counters ------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.CounterView, many=True)
    def list_counters(self, office_id):
        return views.list_counters(self.ctx, office_id)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.CounterActionResult)
    def counter_action(self, office_id, counter_id, action, to_service=None, actor="staff"):
        """A clerk's action at a counter; returns {"counter": ..., "ticket": view or None}."""
        return counter_actions.act(self.ctx, office_id, counter_id, action, to_service, actor)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.CounterActionResult)
    def undo_no_show(self, office_id, counter_id, actor="staff"):
        return counter_actions.undo_no_show(self.ctx, office_id, counter_id, actor)

    # board, waiting list, statistics, notices ------------------------------
    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.BoardView)
    def board(self, office_id):
        return views.board(self.ctx, office_id)

    @rpc(expected_exceptions=EXPECTED)
    def board_basis(self, office_id):
        """What a board read model needs of one office beyond ticket events."""
        return views.board_basis(self.ctx, views.office_or_404(self.store, office_id), utcnow())

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.WaitingEntry, many=True)
    def waiting_list(self, office_id):
        return views.waiting_list(self.ctx, office_id)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.StatsView)
    def stats(self, office_id, date):
        return views.stats(self.ctx, office_id, date)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.NoticeView)
    def post_notice(self, office_id, text, hours=12, actor="staff"):
        views.office_or_404(self.store, office_id)
        now = utcnow()
        notice = {"id": uuid.uuid4().hex[:12], "office_id": office_id, "text": text[:280],
                  "kind": "office", "at": now, "until": now + dt.timedelta(hours=hours), "actor": actor}
        self.store.put_notice(notice)
        self._publish_notices(office_id, now)
        return {k: v for k, v in notice.items() if k not in ("at", "until")}

    # notifications (services/queue/subscriptions.py, sender.py) ------------
    @rpc(expected_exceptions=EXPECTED)
    @dumped(subscriptions.SubscriptionView)
    def subscribe(self, token, request):
        c = self.config
        options = {"push": bool(c.get("VAPID_PRIVATE_KEY")), "phone": bool(c.get("NOTIFY_WEBHOOK_URL")),
                   "push_hosts": c.get("PUSH_SERVICE_HOSTS", ())}
        return subscriptions.subscribe(self.ctx, token, request, options)[0]

    @rpc(expected_exceptions=EXPECTED)
    @dumped(subscriptions.DeliveryState)
    def notification_state(self, office_id):
        return subscriptions.delivery_state(self.ctx, office_id)

    @timer(interval=NOTIFY_POLL_SECONDS)
    def send_notifications(self):
        """The outbox's sender, in the service that owns it (sender.py says why)."""
        c = self.config
        Sender(self.store.outbox, utcnow, c.get("NOTIFY_WEBHOOK_URL", ""), c.get("NOTIFY_WEBHOOK_SECRET", ""),
               c.get("VAPID_PRIVATE_KEY", ""), c.get("VAPID_SUBJECT", "")).tick()

    @event_handler("accessibility", "facility_status_changed")
    def on_facility_status_changed(self, payload):
        """A broken ramp or accessible counter is news for everyone in the hall."""
        change = events.load("facility_status_changed", payload)
        notice_id = f"facility-{change['facility_id']}"
        if change["status"] in ("broken", "under_maintenance", "removed"):
            words = {"broken": "rusak", "under_maintenance": "dalam perbaikan", "removed": "tidak tersedia"}
            self.store.put_notice({
                "id": notice_id, "office_id": change["office_id"], "kind": "accessibility",
                "text": f"{change['name']} sedang {words[change['status']]}. Petugas siap membantu.",
                "at": change["at"], "until": change["at"] + dt.timedelta(days=30), "actor": change["actor"],
                "facility_kind": change["kind"], "facility_status": change["status"]})
        else:
            self.store.remove_notice(notice_id)
        self._publish_notices(change["office_id"], utcnow())
        EVENTS_HANDLED.labels(self.name, "facility_status_changed").inc()

    # helpers -------------------------------------------------------------
    def _publish_notices(self, office_id, now):
        self.ctx.publish("notices_changed", {
            "at": now, "actor": "system", "office_id": office_id,
            "notices": [{"id": n["id"], "text": n["text"], "kind": n["kind"], "until": n["until"],
                         "facility_kind": n.get("facility_kind"), "facility_status": n.get("facility_status")}
                        for n in self.store.notices(office_id, now)]})

    def _publish_office(self, office, actor):
        loc = office.get("location") or {}
        self.ctx.publish("office_updated", {
            "at": utcnow(), "actor": actor, "office_id": office["id"], "name": office["name"],
            "timezone": office["timezone"], "address": office.get("address", ""),
            "latitude": loc.get("lat"), "longitude": loc.get("lon"),
            "region_path": office.get("region_path", ""), **calendar.calendar_facts(office)})


def _plain(data):
    """Marshmallow output -> BSON-safe (dates as ISO text)."""
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    if isinstance(data, dt.date):
        return data.isoformat()
    return data
