"""The counter hall: counters, clerks' actions, the waiting list, the board, statistics, notices."""
import hashlib
import json

import falcon

from gateway.auth import staff
from gateway.clients.queue import QueueClient
from gateway.contract import IF_NONE_MATCH, Many, operation
from services.queue.domain import COUNTER_ACTIONS, UNDO_NO_SHOW_SECONDS
from services.queue.schemas import (BoardView, CounterActionResult, CounterView, NoticeView, StatsView,
                                    WaitingEntry)


class Counters:
    def __init__(self, clients):
        self.queue = clients.queue

    @operation("The office's counters", {200: Many(CounterView)}, tags=["queue"])
    def on_get(self, req, resp, office_id):
        resp.media = self.queue.list_counters(office_id)


class CounterActions:
    access = {"POST": staff("clerk", office="office_id")}

    def __init__(self, clients):
        self.queue = clients.queue

    @operation("A clerk's action at a counter", {200: CounterActionResult, 204: None},
               body=QueueClient.act, conflicts=True, tags=["queue"],
               description="call_next answers 204 when nobody waits for the counter's services. "
                           f"Actions: {', '.join(COUNTER_ACTIONS)}.")
    def on_post(self, req, resp, office_id, counter_id):
        result = self.queue.act(office_id, counter_id, req.get_media(),
                                actor=f"staff:{req.context.staff['sub']}")
        if result["action"] == "call_next" and result["ticket"] is None:
            resp.status = falcon.HTTP_204  # nobody waits for this counter's services
            return
        resp.media = result


class UndoNoShow:
    """A clerk takes back the counter's last no-show within a short time (the citizen came after all)."""
    access = {"POST": staff("clerk", office="office_id")}

    def __init__(self, clients):
        self.queue = clients.queue

    @operation("Undo the counter's last no-show", {200: CounterActionResult}, conflicts=True, tags=["queue"],
               description=f"Within {UNDO_NO_SHOW_SECONDS} s of marking it, the counter's last no-show is "
                           "called back to the counter (open, holding no ticket); else 409 nothing_to_undo.")
    def on_post(self, req, resp, office_id, counter_id):
        resp.media = self.queue.undo_no_show(office_id, counter_id, actor=f"staff:{req.context.staff['sub']}")


class WaitingList:
    access = {"GET": staff("clerk", office="office_id")}

    def __init__(self, clients):
        self.queue = clients.queue

    @operation("Who waits, in call order", {200: Many(WaitingEntry)}, tags=["queue"])
    def on_get(self, req, resp, office_id):
        resp.media = self.queue.waiting_list(office_id)


class Board:
    """What the hall's screen shows, polled every few seconds by every screen:
    answered from the event-fed read model (no RPC), with ETag/304. Only while
    the model is not synced yet, or does not know the office yet, is the queue
    service asked."""

    def __init__(self, readmodel, queue):
        self.readmodel = readmodel
        self.queue = queue  # gateway.clients.queue.QueueClient

    @operation("What the display board shows", {200: BoardView, 304: None},
               parameters=[IF_NONE_MATCH], tags=["queue"])
    def on_get(self, req, resp, office_id):
        found = self.readmodel.board(office_id)
        if found is None:
            found = self._from_service(office_id)
        etag, data = found
        resp.etag = etag
        resp.set_header("Cache-Control", "no-cache")
        if req.get_header("If-None-Match") == etag:
            resp.status = falcon.HTTP_304
            return
        resp.content_type = falcon.MEDIA_JSON
        resp.data = data

    def _from_service(self, office_id):
        board = self.queue.board(office_id)  # client errors become problem+json (gateway/errors.py)
        stable = {k: v for k, v in board.items() if k != "generated_at"}
        etag = 'W/"%s"' % hashlib.sha1(json.dumps(stable, sort_keys=True).encode()).hexdigest()[:20]
        return etag, json.dumps(board).encode()


class Stats:
    access = {"GET": staff("supervisor", office="office_id")}

    def __init__(self, clients):
        self.queue = clients.queue

    @operation("A day's statistics", {200: StatsView}, query=QueueClient.stats, tags=["queue"])
    def on_get(self, req, resp, office_id):
        resp.media = self.queue.stats(office_id, req.get_param("date"))


class Notices:
    access = {"POST": staff("supervisor", office="office_id")}

    def __init__(self, clients):
        self.queue = clients.queue

    @operation("Post a notice on the board", {201: NoticeView}, body=QueueClient.notice,
               tags=["queue"])
    def on_post(self, req, resp, office_id):
        resp.status = falcon.HTTP_201
        resp.media = self.queue.notice(office_id, req.get_media(),
                                       actor=f"staff:{req.context.staff['sub']}")
