"""A citizen subscribes a ticket to notifications; a supervisor reads how they
are delivered. Workflows over the queue's store (see notify.py for the rules)."""
import urllib.parse

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.common.errors import Conflict, Invalid, NotFound, marshmallow_errors
from services.queue import domain, notify, views
from services.queue.storage import line_of

_B64URL = r"^[A-Za-z0-9_-]+={0,2}$"
# The browser's PushSubscription.toJSON(): p256dh is a P-256 point (65 bytes: 87
# base64url characters), auth 16 bytes (22) (RFC 8291 §3).
P256DH = validate.Regexp(_B64URL, error="must be base64url text")
ENDPOINT_MAX = 1024


class PushKeys(Schema):
    class Meta:
        unknown = RAISE

    p256dh = fields.String(required=True, validate=[validate.Length(min=80, max=100), P256DH])
    auth = fields.String(required=True, validate=[validate.Length(min=16, max=32), P256DH])


class Subscribe(Schema):
    """Either a browser's Web Push subscription ``{endpoint, keys}`` or a ``phone``."""

    class Meta:
        unknown = RAISE

    endpoint = fields.String(load_default=None, validate=validate.Length(min=12, max=ENDPOINT_MAX))
    keys = fields.Nested(PushKeys, load_default=None)
    expirationTime = fields.Raw(load_default=None, allow_none=True)  # sent by browsers, unused
    phone = fields.String(load_default=None, validate=validate.Length(min=8, max=24),
                          metadata={"description": "Indonesian mobile number, e.g. 0812-3456-7890"})
    channel = fields.String(load_default=None, validate=validate.OneOf(notify.CHANNELS),
                            metadata={"description": "webpush (with endpoint), sms or whatsapp (with phone)"})
    ahead = fields.Integer(load_default=notify.DEFAULT_AHEAD,
                           validate=validate.Range(min=0, max=notify.MAX_AHEAD),
                           metadata={"description": "Tell me when this many people (or fewer) are ahead"})

    @validates_schema
    def one_channel(self, data, **kwargs):
        if data["endpoint"] and data["phone"]:
            raise ValidationError("send either a push subscription or a phone, not both", "phone")
        if data["endpoint"]:
            if data["keys"] is None:
                raise ValidationError("a push subscription needs its keys (p256dh, auth)", "keys")
            if urllib.parse.urlsplit(data["endpoint"]).scheme not in ("https", "http"):
                raise ValidationError("must be the push service's https URL", "endpoint")
            if data["channel"] not in (None, "webpush"):
                raise ValidationError("a push subscription is channel webpush", "channel")
        elif data["phone"]:
            if notify.normalize_phone(data["phone"]) is None:
                raise ValidationError("must be an Indonesian mobile number (08… or +628…)", "phone")
            if data["channel"] not in (None,) + notify.PHONE_CHANNELS:
                raise ValidationError("a phone takes sms or whatsapp", "channel")
        else:
            raise ValidationError("send a push subscription (endpoint, keys) or a phone", "endpoint")


class SubscriptionView(Schema):
    id = fields.String(required=True)
    channel = fields.String(required=True)
    ahead = fields.Integer(required=True)
    phone = fields.String(allow_none=True, metadata={"description": "masked"})
    push_service = fields.String(allow_none=True, metadata={"description": "the push service's host"})
    created = fields.Boolean(required=True, metadata={"description": "false: this subscription existed"})


class DeliveryView(Schema):
    id = fields.String(required=True)
    event = fields.String(required=True)
    channel = fields.String(required=True)
    number = fields.String(required=True, allow_none=True,
                           metadata={"description": "none for a booking_reminder (see code)"})
    code = fields.String(allow_none=True, metadata={"description": "a booking_reminder's booking code"})
    status = fields.String(required=True)
    attempts = fields.Integer(required=True)
    ahead = fields.Integer(allow_none=True)
    phone = fields.String(allow_none=True, metadata={"description": "masked"})
    last_error = fields.String()
    created_at = fields.Float(required=True, metadata={"description": "epoch seconds"})
    sent_at = fields.Float(allow_none=True)


class DeliveryState(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "pending, retrying, sent, failed"})
    recent = fields.List(fields.Nested(DeliveryView), required=True)


def push_host_allowed(endpoint, allowed_hosts):
    """Only known push services are posted to (a citizen's endpoint is a URL we call:
    without this it could point the queue service at anything). ``allowed_hosts``:
    names, or ".suffix" for a domain and its subdomains."""
    parts = urllib.parse.urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    for allowed in allowed_hosts:
        allowed = allowed.strip().lower()
        if allowed and (host == allowed or (allowed.startswith(".") and host.endswith(allowed))):
            return parts.scheme == "https" or host in ("127.0.0.1", "localhost")
    return False


_SUBSCRIBE = Subscribe()  # one instance: building a schema costs more than loading with it


def subscribe(ctx, token, request, options):
    """``options``: {"push": bool, "phone": bool, "push_hosts": [...]}, what this
    deployment can deliver. Returns (view, created)."""
    try:
        req = _SUBSCRIBE.load(request if isinstance(request, dict) else {})
    except ValidationError as err:
        raise Invalid.fields(marshmallow_errors(err.messages))
    ticket = ctx.store.find_ticket_by_key(domain.token_key(token))
    if ticket is None:
        raise NotFound("No ticket with this token")
    if ticket["status"] not in domain.ACTIVE:
        raise Conflict(f"A {ticket['status']} ticket has nothing more to tell", reason="ticket_finished",
                       current_status=ticket["status"])
    if req["endpoint"]:
        if not options["push"]:
            raise Conflict("Web Push is not configured here", reason="channel_unavailable")
        if not push_host_allowed(req["endpoint"], options["push_hosts"]):
            raise Invalid.fields([("endpoint", "not a known push service")])
        channel, address = "webpush", req["endpoint"]
    else:
        if not options["phone"]:
            raise Conflict("SMS and WhatsApp are not configured here", reason="channel_unavailable")
        channel, address = req["channel"] or "sms", notify.normalize_phone(req["phone"])
    sub_id = notify.subscription_id(ticket["_id"], channel, address)
    now = ctx.clock()
    sub = {"_id": sub_id, "ticket_id": ticket["_id"], "office_id": ticket["office_id"],
           "service": ticket["service"], "channel": channel, "ahead": req["ahead"], "active": True,
           "created_at": now.timestamp(), "seen": []}
    if channel == "webpush":
        sub.update(endpoint=address, keys=req["keys"])
    else:
        sub["phone"] = address
    outbox = ctx.store.outbox
    existing = outbox.subscription(sub_id)
    if existing is None:
        _watch(ctx, ticket, sub, now)  # first: a watcher without its subscription is skipped
        created = outbox.add_subscription(sub)
    else:
        sub, created = existing, False
    return view_of(sub, created), created


def _watch(ctx, ticket, sub, now):
    """turn_near: due now (N or fewer ahead already), or a watcher of the line."""
    if ticket["status"] != "waiting":
        return  # already called: the ticket's outbox has "called"
    entry = views.entry_of(ticket)
    line = line_of(ctx.store.hall(ticket["office_id"]), ticket["service"])["waiting"]
    if entry not in line:
        return
    ahead = domain.ahead_in_line(line, entry, now.timestamp())
    if ahead <= sub["ahead"]:
        ctx.store.outbox.post_to_hall(ticket["office_id"],
                                      notify.turn_near_entry(sub["_id"], ticket["_id"], ahead, now.timestamp()))
    else:
        ctx.store.outbox.watch(ticket["office_id"], ticket["service"],
                               notify.watch_entry(sub["ahead"], sub["_id"], entry))


def view_of(sub, created):
    host = urllib.parse.urlsplit(sub["endpoint"]).hostname if sub.get("endpoint") else None
    return {"id": sub["_id"], "channel": sub["channel"], "ahead": sub["ahead"],
            "phone": notify.mask_phone(sub.get("phone")), "push_service": host, "created": created}


def delivery_state(ctx, office_id):
    views.office_or_404(ctx.store, office_id)
    recent = [{"id": d["_id"], "event": d["event"], "channel": d["channel"], "number": d["number"],
               "code": d.get("code"), "status": d["status"], "attempts": d["attempts"], "ahead": d.get("ahead"),
               "phone": notify.mask_phone(d.get("phone")), "last_error": d.get("last_error", ""),
               "created_at": d["created_at"], "sent_at": d.get("sent_at")}
              for d in ctx.store.outbox.office_deliveries(office_id)]
    return {"counts": ctx.store.outbox.office_counts(office_id), "recent": recent}

