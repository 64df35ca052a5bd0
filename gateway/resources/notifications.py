"""Notifications: the Web Push key, a ticket's subscriptions, and their delivery
state for the office's supervisor (services/queue/notify.py has the rules)."""
import falcon
from marshmallow import Schema, fields

from gateway.auth import staff
from gateway.clients.errors import NotFound
from gateway.clients.queue import QueueClient
from gateway.contract import operation
from gateway.resources.tickets import _check_token
from services.queue.subscriptions import DeliveryState, SubscriptionView


class PublicKeyView(Schema):
    public_key = fields.String(required=True, metadata={
        "description": "VAPID application server key (base64url P-256 point): "
                       "pushManager.subscribe({applicationServerKey})"})


def vapid_public_key(private_key):
    """The application server key browsers need, derived from the private key (RFC 8292 §3.2)."""
    if not private_key:
        return None
    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid02, b64urlencode
    point = Vapid02.from_raw(private_key.encode()).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64urlencode(point)


class PushPublicKey:
    def __init__(self, settings):
        self.public_key = vapid_public_key(settings.vapid_private_key)

    @operation("The Web Push (VAPID) public key", {200: PublicKeyView}, tags=["notifications"],
               description="404 when Web Push is not configured (VAPID_PRIVATE_KEY).")
    def on_get(self, req, resp):
        if self.public_key is None:
            raise NotFound("Web Push is not configured here")
        resp.set_header("Cache-Control", "public, max-age=3600")
        resp.media = {"public_key": self.public_key}


class TicketSubscriptions:
    rate_limit = {"POST": "subscribe_ticket"}

    def __init__(self, clients):
        self.queue = clients.queue

    @operation("Be told when N people are ahead and when called", {201: SubscriptionView, 200: SubscriptionView},
               body=QueueClient.subscribe, conflicts=True, tags=["notifications"],
               description="The ticket's holder sends either the browser's Web Push subscription "
                           "(`PushSubscription.toJSON()`: `{endpoint, keys: {p256dh, auth}}`) or an "
                           "Indonesian mobile `phone` (`channel` sms or whatsapp), and `ahead` (0-50, "
                           "default 3). 200 when this subscription existed already. 409 when the ticket "
                           "is finished or the channel is not configured (`reason`).")
    def on_post(self, req, resp, token):
        _check_token(token)
        view = self.queue.subscribe(token, req.get_media())
        resp.status = falcon.HTTP_201 if view["created"] else falcon.HTTP_200
        resp.media = view


class OfficeNotifications:
    access = {"GET": staff("supervisor", office="office_id")}

    def __init__(self, clients):
        self.queue = clients.queue

    @operation("Delivery state of the office's notifications", {200: DeliveryState}, tags=["notifications"],
               description="Counts by state (pending, retrying, sent, failed) and the 50 latest "
                           "deliveries; phone numbers masked.")
    def on_get(self, req, resp, office_id):
        resp.media = self.queue.notification_state(office_id)
