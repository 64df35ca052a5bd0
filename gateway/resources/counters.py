"""The counter hall: counters, clerks' actions, the waiting list, the board, statistics, notices."""
import hashlib
import json

import falcon

from gateway.auth import staff
from gateway.cache import TtlCache
from gateway.clients.queue import QueueClient
from gateway.contract import IF_NONE_MATCH, Many, operation
from services.queue.domain import COUNTER_ACTIONS
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


class WaitingList:
    access = {"GET": staff("clerk", office="office_id")}

    def __init__(self, clients):
        self.queue = clients.queue

    @operation("Who waits, in call order", {200: Many(WaitingEntry)}, tags=["queue"])
    def on_get(self, req, resp, office_id):
        resp.media = self.queue.waiting_list(office_id)


class Board:
    """What the hall's screen shows; polled every few seconds, so ETag/304 and
    a one-second cache: many screens cost at most one RPC a second."""

    def __init__(self, clients, cache_seconds=1.0):
        self.queue = clients.queue
        self.cache = TtlCache(cache_seconds)

    @operation("What the display board shows", {200: BoardView, 304: None},
               parameters=[IF_NONE_MATCH], tags=["queue"])
    def on_get(self, req, resp, office_id):
        board = self.cache.get(office_id, lambda: self.queue.board(office_id))
        stable = {k: v for k, v in board.items() if k != "generated_at"}
        etag = 'W/"%s"' % hashlib.sha1(json.dumps(stable, sort_keys=True).encode()).hexdigest()[:20]
        resp.etag = etag
        resp.set_header("Cache-Control", "no-cache")
        if req.get_header("If-None-Match") == etag:
            resp.status = falcon.HTTP_304
            return
        resp.media = board


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
