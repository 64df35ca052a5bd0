"""Idempotency-Key, bound to what was sent.

A retry with the same key and the same request returns the first result (a
kiosk on a flaky network gets its ticket, not a second one). The same key
with anything else — another body, another office or route, another client —
is refused with 422: a key someone saw or guessed never hands over another
person's ticket token or applicant secret.

- Scope: one key space per service operation (``scope``: issue_ticket,
  apply, report_problem); the office or facility is part of the request, so
  the same key for another office is a different request (422). Keys of
  different services live in their own databases: reused on another service's
  route a key makes that route's own result, never a replay. The gateway
  prefixes every key with the client (its address as the rate limiter sees it,
  after TRUSTED_PROXIES), so two clients that send the same key never meet.
- Binding: the first request's fingerprint (an HMAC under SENJA_SECRET of its
  canonical JSON, so nothing personal is stored in a guessable form) is kept
  with the key and compared on every retry.
- Expiry: a key lives ``KEY_TTL`` (24 h, a TTL index); after that the same key
  is new again.
"""
import datetime as dt
import hashlib
import hmac
import json

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.common.errors import Invalid

KEY_TTL = dt.timedelta(hours=24)


def ensure_indexes(collection):
    collection.create_index([("at", ASCENDING)], expireAfterSeconds=int(KEY_TTL.total_seconds()))


def fingerprint(secret, scope, request):
    canonical = json.dumps([scope, request], sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(f"senja-idempotency|{secret}".encode(), canonical.encode(),
                    hashlib.sha256).hexdigest()


def claim(collection, secret, scope, key, request, owner, now=None):
    """The id this key belongs to: ``owner`` when this call claims the key first,
    the first call's id when this is a retry of the same request; Invalid (422)
    when the key was used for a different request."""
    now = now or dt.datetime.now(dt.timezone.utc)
    stored_key = hashlib.sha256(f"{scope}|{key}".encode()).hexdigest()
    digest = fingerprint(secret, scope, request)
    for _ in range(2):
        try:
            collection.insert_one({"_id": stored_key, "request": digest, "owner": owner, "at": now})
            return owner
        except DuplicateKeyError:
            first = collection.find_one({"_id": stored_key})
        if first is not None and _as_aware(first.get("at"), now) > now - KEY_TTL:
            if not hmac.compare_digest(first.get("request", ""), digest):
                raise Invalid.fields([("Idempotency-Key", "already used for a different request")],
                                     "This Idempotency-Key was used for a different request")
            return first["owner"]
        # Expired (the TTL monitor runs once a minute) or gone meanwhile: the key is new again.
        collection.delete_one({"_id": stored_key, "at": first["at"]} if first else {"_id": stored_key})
    raise Invalid.fields([("Idempotency-Key", "could not be claimed; use a new key")])


def _as_aware(value, now):
    if not isinstance(value, dt.datetime):
        return now - KEY_TTL  # unreadable: treat as expired
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
