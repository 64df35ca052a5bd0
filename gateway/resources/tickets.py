import re

import falcon
from marshmallow import RAISE, Schema, fields, validate

from gateway.errors import Problem
from gateway.validation import body
from services.common.events import PRIORITY_REASONS
from services.queue.domain import token_key

_IDEMPOTENCY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


class IssueRequest(Schema):
    class Meta:
        unknown = RAISE

    service = fields.String(required=True, validate=validate.Length(min=1, max=16))
    priority_reason = fields.String(load_default=None, allow_none=True,
                                    validate=validate.OneOf(PRIORITY_REASONS))
    channel = fields.String(load_default="web", validate=validate.OneOf(("kiosk", "web", "counter")))


class Services:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, office_id):
        resp.media = self.rpc.call("queue", "list_services", office_id)


class Tickets:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_post(self, req, resp, office_id):
        data = body(req, IssueRequest())
        ticket = self.rpc.call("queue", "issue_ticket", office_id, data,
                               idempotency_key=idempotency_key(req),
                               actor=data["channel"])
        token = ticket.pop("token")
        if ticket.pop("replayed"):
            # A retry (kiosk on a flaky network): the first ticket, not a second one.
            resp.set_header("Idempotent-Replayed", "true")
        resp.status = falcon.HTTP_201
        ticket["token"] = token
        ticket["status_url"] = f"/api/v1/tickets/{token}"
        ticket["page_url"] = f"/t/{token}"
        resp.location = ticket["status_url"]
        resp.media = ticket


class Ticket:
    def __init__(self, rpc, readmodel):
        self.rpc = rpc
        self.readmodel = readmodel

    def on_get(self, req, resp, token):
        _check_token(token)
        view = self.readmodel.status(token_key(token))
        if view is None:
            view = self.rpc.call("queue", "ticket_status", token)
        etag = f'W/"{view["version"]}-{view["people_ahead"]}-{view["estimated_wait_minutes"]}"'
        resp.set_header("Cache-Control", "private, no-cache")
        resp.etag = etag
        if req.get_header("If-None-Match") == etag:
            resp.status = falcon.HTTP_304
            return
        resp.media = view

    def on_delete(self, req, resp, token):
        _check_token(token)
        resp.media = self.rpc.call("queue", "cancel_ticket", token)


def _check_token(token):
    if not (16 <= len(token) <= 64) or not token.replace("-", "").replace("_", "").isalnum():
        raise Problem(falcon.HTTP_404, "Not found", "No ticket with this token")


def idempotency_key(req):
    """The client's Idempotency-Key, scoped to this client (its address, as rate limits
    see it): another client sending the same key never reaches this one's result."""
    value = req.get_header("Idempotency-Key")
    if value is None:
        return None
    if _IDEMPOTENCY.match(value) is None:
        raise Problem(falcon.HTTP_422, "Invalid input", "Bad Idempotency-Key header",
                      errors=[{"field": "Idempotency-Key", "message": "8–128 letters, digits or ._:-"}])
    return f"{req.context.client}|{value}"
