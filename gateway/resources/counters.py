import hashlib
import json

import falcon
from marshmallow import RAISE, Schema, fields, validate, validates_schema, ValidationError

from gateway.auth import staff
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
    """What the hall's screen shows, polled every few seconds by every screen:
    answered from the event-fed read model (no RPC), with ETag/304. Only while
    the model is not synced yet, or does not know the office yet, is the queue
    service asked."""

    def __init__(self, readmodel, queue):
        self.readmodel = readmodel
        self.queue = queue  # gateway.clients.queue.QueueClient

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
