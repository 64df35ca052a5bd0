import hashlib
import json

import falcon
from marshmallow import RAISE, Schema, fields, validate, validates_schema, ValidationError

from gateway.auth import staff
from gateway.cache import TtlCache
from gateway.validation import body, load
from services.common.text import Text
from services.queue.domain import COUNTER_ACTIONS


class Action(Schema):
    class Meta:
        unknown = RAISE

    action = fields.String(required=True, validate=validate.OneOf(COUNTER_ACTIONS))
    to_service = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=16))

    @validates_schema
    def _transfer_needs_target(self, data, **kwargs):
        if data.get("action") == "transfer" and not data.get("to_service"):
            raise ValidationError({"to_service": ["required for transfer"]})


class Counters:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, office_id):
        resp.media = self.rpc.call("queue", "list_counters", office_id)


class CounterActions:
    access = {"POST": staff("clerk", office="office_id")}

    def __init__(self, rpc):
        self.rpc = rpc

    def on_post(self, req, resp, office_id, counter_id):
        data = body(req, Action())
        result = self.rpc.call("queue", "counter_action", office_id, counter_id, data["action"],
                               to_service=data["to_service"],
                               actor=f"staff:{req.context.staff['sub']}")
        if data["action"] == "call_next" and result["ticket"] is None:
            resp.status = falcon.HTTP_204  # nobody waits for this counter's services
            return
        resp.media = result


class WaitingList:
    access = {"GET": staff("clerk", office="office_id")}

    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, office_id):
        resp.media = self.rpc.call("queue", "waiting_list", office_id)


class Board:
    """What the hall's screen shows; polled every few seconds, so ETag/304 and
    a one-second cache: many screens cost at most one RPC a second."""

    def __init__(self, rpc, cache_seconds=1.0):
        self.rpc = rpc
        self.cache = TtlCache(cache_seconds)

    def on_get(self, req, resp, office_id):
        board = self.cache.get(office_id, lambda: self.rpc.call("queue", "board", office_id))
        stable = {k: v for k, v in board.items() if k != "generated_at"}
        etag = 'W/"%s"' % hashlib.sha1(json.dumps(stable, sort_keys=True).encode()).hexdigest()[:20]
        resp.etag = etag
        resp.set_header("Cache-Control", "no-cache")
        if req.get_header("If-None-Match") == etag:
            resp.status = falcon.HTTP_304
            return
        resp.media = board


class StatsQuery(Schema):
    class Meta:
        unknown = RAISE

    date = fields.Date(required=True)


class Stats:
    access = {"GET": staff("supervisor", office="office_id")}

    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, office_id):
        query = load(StatsQuery(), dict(req.params))
        resp.media = self.rpc.call("queue", "stats", office_id, query["date"].isoformat())


class Notice(Schema):
    class Meta:
        unknown = RAISE

    text = Text(required=True, validate=validate.Length(min=1, max=280))
    hours = fields.Integer(load_default=12, validate=validate.Range(min=1, max=24 * 14))


class Notices:
    access = {"POST": staff("supervisor", office="office_id")}

    def __init__(self, rpc):
        self.rpc = rpc

    def on_post(self, req, resp, office_id):
        data = body(req, Notice())
        resp.status = falcon.HTTP_201
        resp.media = self.rpc.call("queue", "post_notice", office_id, data["text"], data["hours"],
                                   actor=f"staff:{req.context.staff['sub']}")
