"""A citizen's ticket: take one, follow it, cancel it."""
import json
import re

import falcon
from marshmallow import fields

from gateway.clients.errors import Invalid, NotFound
from gateway.clients.queue import QueueClient
from gateway.contract import IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_PATTERN, IF_NONE_MATCH, KIOSK_KEY, Many, operation
from gateway.readmodel import status_etag
from services.queue.domain import token_key
from services.queue.schemas import TOKEN_PATTERN, ServiceView, TicketView

_IDEMPOTENCY = re.compile(IDEMPOTENCY_KEY_PATTERN)
_TOKEN = re.compile(TOKEN_PATTERN)


class TicketIssued(TicketView):
    token = fields.String(required=True, metadata={"description": "Shown once: keep it to follow the ticket"})
    status_url = fields.String(required=True)
    page_url = fields.String(required=True)


_ISSUED = TicketIssued()  # built once: a marshmallow schema per request cost ~0.3 ms


class Services:
    def __init__(self, clients):
        self.queue = clients.queue

    @operation("The office's queue services, waiting and estimated wait", {200: Many(ServiceView)},
               tags=["queue"])
    def on_get(self, req, resp, office_id):
        resp.media = self.queue.list_services(office_id)


class Tickets:
    def __init__(self, clients):
        self.queue = clients.queue

    @operation("Take a queue ticket", {201: TicketIssued}, body=QueueClient.issue_ticket,
               conflicts=True, parameters=[IDEMPOTENCY_KEY, KIOSK_KEY], tags=["queue"],
               description="409 when the office is closed, those waiting fill the time until "
                           "closing, or the day's quota is used up (`reason`: closed, holiday, "
                           "cannot_serve_before_close, quota). A replay of an Idempotency-Key "
                           "answers the first ticket again, with Idempotent-Replayed: true.")
    def on_post(self, req, resp, office_id):
        request = req.get_media()
        channel = request.get("channel", "web") if isinstance(request, dict) else "web"
        ticket = self.queue.issue_ticket(office_id, request, idempotency_key=idempotency_key(req),
                                         actor=channel)
        if ticket.pop("replayed"):
            # A retry (kiosk on a flaky network): the first ticket, not a second one.
            resp.set_header("Idempotent-Replayed", "true")
        resp.status = falcon.HTTP_201
        token = ticket["token"]
        resp.location = f"/api/v1/tickets/{token}"
        resp.media = _ISSUED.dump({**ticket, "status_url": resp.location, "page_url": f"/t/{token}"})


class Ticket:
    def __init__(self, clients, readmodel):
        self.queue = clients.queue
        self.readmodel = readmodel

    @operation("A ticket's status (from the read model)", {200: TicketView, 304: None},
               parameters=[IF_NONE_MATCH], tags=["queue"])
    def on_get(self, req, resp, token):
        _check_token(token)
        # domain.status_view already has TicketView's exact shape (tests/unit/test_readmodel.py
        # holds it to the schema); the read model keeps each ticket's rendered bytes.
        found = self.readmodel.status_body(token_key(token))
        if found is None:
            view = self.queue.ticket_status(token)
            found = (status_etag(view["version"], view["people_ahead"], view["estimated_wait_minutes"]),
                     json.dumps(view).encode())
        etag, data = found
        resp.set_header("Cache-Control", "private, no-cache")
        resp.etag = etag
        if req.get_header("If-None-Match") == etag:
            resp.status = falcon.HTTP_304
            return
        resp.content_type = falcon.MEDIA_JSON
        resp.data = data

    @operation("Cancel a waiting ticket", {200: TicketView}, conflicts=True, tags=["queue"])
    def on_delete(self, req, resp, token):
        _check_token(token)
        resp.media = self.queue.cancel_ticket(token)


def _check_token(token):
    if not _TOKEN.match(token):
        raise NotFound("No ticket with this token")


def idempotency_key(req):
    """The client's Idempotency-Key, scoped to this client (its address, as rate limits
    see it): another client sending the same key never reaches this one's result."""
    value = req.get_header("Idempotency-Key")
    if value is None:
        return None
    if _IDEMPOTENCY.match(value) is None:
        raise Invalid.fields([("Idempotency-Key", "8–128 letters, digits or ._:-")],
                             "Bad Idempotency-Key header")
    # Scoped per client: another address never gets this key's replay (security).
    return f"{req.context.client}|{value}"
