"""Typed calls to the queue service; argument names follow its RPC entrypoints."""
from gateway.clients.base import ServiceClient


class QueueClient(ServiceClient):
    service = "queue"

    def put_office(self, office, actor="system"):
        return self._call("put_office", office, actor=actor)

    def republish_offices(self, actor="system"):
        return self._call("republish_offices", actor=actor)

    def list_offices(self):
        return self._call("list_offices")

    def get_office(self, office_id):
        return self._call("get_office", office_id)

    def list_services(self, office_id):
        return self._call("list_services", office_id)

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

    def counter_action(self, office_id, counter_id, action, to_service=None, actor="staff"):
        return self._call("counter_action", office_id, counter_id, action, to_service=to_service, actor=actor)

    def board(self, office_id):
        return self._call("board", office_id)

    def board_basis(self, office_id):
        return self._call("board_basis", office_id)

    def waiting_list(self, office_id):
        return self._call("waiting_list", office_id)

    def stats(self, office_id, date):
        return self._call("stats", office_id, date)

    def post_notice(self, office_id, text, hours=12, actor="staff"):
        return self._call("post_notice", office_id, text, hours=hours, actor=actor)

    def remove_notice(self, notice_id):
        return self._call("remove_notice", notice_id)
