"""Typed calls to the queue service; argument names follow its RPC entrypoints."""
from gateway.clients.base import ServiceClient, loads
from services.queue.booking_schemas import BookingsQuery, BookSlot, KioskCheckIn, SlotsQuery
from services.queue.schemas import CounterAction, IssueTicket, NoticeRequest, OfficeConfig, StatsQuery
from services.queue.subscriptions import Subscribe


class QueueClient(ServiceClient):
    service = "queue"

    def health(self):
        return self._call("health")

    @loads(OfficeConfig, "office", kind="raw")
    def put_office(self, office, actor="system"):
        return self._call("put_office", office, actor=actor)

    def list_offices(self):
        return self._call("list_offices")

    def get_office(self, office_id):
        return self._call("get_office", office_id)

    def list_services(self, office_id):
        return self._call("list_services", office_id)

    @loads(IssueTicket, "request")
    def issue_ticket(self, office_id, request, idempotency_key=None, actor="citizen"):
        return self._call("issue_ticket", office_id, request, idempotency_key=idempotency_key, actor=actor)

    def ticket_status(self, token):
        return self._call("ticket_status", token)

    def active_snapshot(self):
        return self._call("active_snapshot")

    def cancel_ticket(self, token, actor="citizen"):
        return self._call("cancel_ticket", token, actor=actor)

    def list_counters(self, office_id):
        return self._call("list_counters", office_id)

    @loads(CounterAction, "request")
    def act(self, office_id, counter_id, request, actor="staff"):
        """``request``: {action, to_service?} as a clerk's console sends it."""
        return self._call("counter_action", office_id, counter_id, request["action"],
                          to_service=request["to_service"], actor=actor)

    def counter_action(self, office_id, counter_id, action, to_service=None, actor="staff"):
        return self.act(office_id, counter_id, {"action": action, "to_service": to_service}, actor)

    def undo_no_show(self, office_id, counter_id, actor="staff"):
        return self._call("undo_no_show", office_id, counter_id, actor=actor)

    def board(self, office_id):
        return self._call("board", office_id)

    def board_basis(self, office_id):
        return self._call("board_basis", office_id)

    def waiting_list(self, office_id):
        return self._call("waiting_list", office_id)

    @loads(StatsQuery, "date", kind="field")
    def stats(self, office_id, date):
        return self._call("stats", office_id, date.isoformat())

    @loads(NoticeRequest, "request")
    def notice(self, office_id, request, actor="staff"):
        """``request``: {text, hours?}; the notice shows on the board for ``hours``."""
        return self._call("post_notice", office_id, request["text"], hours=request["hours"], actor=actor)

    def post_notice(self, office_id, text, hours=12, actor="staff"):
        return self.notice(office_id, {"text": text, "hours": hours}, actor)

    # bookings (services/queue/bookings.py) ---------------------------------
    @loads(SlotsQuery, "query", kind="raw")
    def slots(self, office_id, query):
        """``query``: {service, date} as a query string gives them."""
        return self._call("booking_slots", office_id, query)

    @loads(BookSlot, "request", kind="raw")
    def book(self, office_id, request, idempotency_key=None, actor="citizen"):
        """``request``: {service, slot_start, priority_reason?, phone?}."""
        return self._call("book_slot", office_id, request, idempotency_key=idempotency_key, actor=actor)

    def booking_status(self, token):
        return self._call("booking_status", token)

    def cancel_booking(self, token, actor="citizen"):
        return self._call("cancel_booking", token, actor=actor)

    def check_in(self, token, channel="web", actor="citizen"):
        return self._call("check_in_booking", token, channel=channel, actor=actor)

    @loads(KioskCheckIn, "request")
    def check_in_by_code(self, office_id, request, actor="kiosk"):
        """``request``: {code} as the kiosk's keyboard typed it."""
        return self._call("check_in_by_code", office_id, request, actor=actor)

    @loads(BookingsQuery, "query", kind="raw")
    def bookings_of_day(self, office_id, query):
        """``query``: {date}."""
        return self._call("bookings_of_day", office_id, query)

    # notifications (services/queue/subscriptions.py) ---------------------
    @loads(Subscribe, "request", kind="raw")
    def subscribe(self, token, request):
        """``request``: a browser's push subscription or a phone, and ``ahead``."""
        return self._call("subscribe", token, request)

    def notification_state(self, office_id):
        return self._call("notification_state", office_id)
