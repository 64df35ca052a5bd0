"""The sender: turns outbox entries into deliveries and delivers them until
they are acknowledged. It runs in the queue service on a nameko timer
(services/queue/service.py): the outboxes live in the queue's database, so it
starts, stops and restarts with the service that writes them, and needs no
broker at all (a broker restart does not touch it). Several queue instances
may run it at once: a delivery is posted only under its lease
(outbox.OutboxStore.lease), and its id never changes, so the worst a crash
mid-post can do is post the same id again (receivers dedupe by id).

One tick: ``collect`` (outboxes -> deliveries), then ``deliver`` (due
deliveries -> one attempt each, then sent, retrying with backoff, or failed).
"""
import datetime as dt
import logging

from prometheus_client import Counter, Gauge, Histogram

from services.queue import notify, outbox

log = logging.getLogger(__name__)

ATTEMPTS = Counter("senja_notify_attempts_total", "Notification delivery attempts",
                   ["channel", "event", "outcome"])
DELIVERIES = Gauge("senja_notify_deliveries", "Notification deliveries by state (as last counted)",
                   ["status"])
DELIVERY_SECONDS = Histogram("senja_notify_delivery_seconds",
                             "From the change that caused a message to its acknowledgement",
                             ["channel", "event"], buckets=(.25, .5, 1, 2, 5, 10, 30, 60, 300, 1800))
HTTP_TIMEOUT = 5  # seconds; below outbox.LEASE_SECONDS
# A hall entry whose subscription is not stored yet (subscriptions.subscribe writes the
# hall first) waits this long for it before it is dropped.
ORPHAN_SECONDS = 60.0
COUNT_EVERY_SECONDS = 15.0  # the state gauges: a count over all deliveries
_counted = {"at": float("-inf")}
FINISHED = ("done", "no_show", "cancelled", "transferred")


class Sender:
    def __init__(self, store, clock, webhook_url="", webhook_secret="", vapid_private_key="",
                 vapid_subject="", post=None, webpush=None):
        self.store = store  # outbox.OutboxStore
        self.clock = clock
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.vapid_private_key = vapid_private_key
        self.vapid_subject = vapid_subject
        self._post = post
        self._webpush = webpush

    def tick(self):
        self.collect()
        sent = self.deliver()
        now_ts = self.clock().timestamp()
        if now_ts - _counted["at"] >= COUNT_EVERY_SECONDS:
            _counted["at"] = now_ts
            for status, n in self.store.counts().items():
                DELIVERIES.labels(status).set(n)
        return sent

    # outboxes -> deliveries ----------------------------------------------------
    def collect(self):
        now_ts = self.clock().timestamp()
        subs = self.store.active_subscriptions()
        by_ticket, offices = {}, set()
        for sub in subs:
            by_ticket.setdefault(sub["ticket_id"], []).append(sub)
            offices.add(sub["office_id"])
        tickets = {}
        for office_id in sorted(offices):
            for text in self.store.hall_outbox(office_id):
                entry = notify.decode(text)
                sub = self.store.subscription(entry.get("sub", ""))
                if sub is None and now_ts - entry["at"] < ORPHAN_SECONDS:
                    continue  # its subscription is being stored this very moment
                ticket = tickets.get(entry["ticket"]) or self.store.ticket_outbox(entry["ticket"])
                if sub is not None and ticket is not None:
                    tickets[ticket["_id"]] = ticket
                    self.store.add_delivery(notify.delivery(entry, sub, ticket, now_ts))
                self.store.clear_from_hall(office_id, text)  # the delivery holds it from here
        self.collect_reminders(now_ts)
        for ticket_id, ticket_subs in by_ticket.items():
            ticket = tickets.get(ticket_id) or self.store.ticket_outbox(ticket_id)
            if ticket is None:
                self.store.close_subscriptions(ticket_id)
                continue
            for text in ticket.get("outbox", []):
                entry = notify.decode(text)
                for sub in ticket_subs:
                    if entry["id"] not in sub.get("seen", ()):
                        self.store.add_delivery(notify.delivery(entry, sub, ticket, now_ts))
                        self.store.mark_seen(sub["_id"], entry["id"])
            if ticket["status"] in FINISHED:
                self.store.close_subscriptions(ticket_id)

    def collect_reminders(self, now_ts):
        """Due booking reminders -> deliveries. The delivery is written first, held
        (leased) so no sender posts it yet; then the booking lets go of it in one
        update conditional on its still being booked. A cancel that won that race
        means no reminder: the held delivery is deleted unsent. A crash in between
        repeats the same id (the insert is ignored) on the next tick."""
        for found in self.store.due_reminders(now_ts):
            for text in found.get("outbox", []):
                entry = notify.decode(text)
                if entry["event"] != "booking_reminder" or not notify.reminder_is_due(entry, now_ts):
                    continue
                held = notify.booking_delivery(entry, found, now_ts)
                held["lease_until"] = now_ts + outbox.LEASE_SECONDS
                self.store.add_delivery(held)
                if (self.store.hand_over_reminder(found["_id"], entry["due"])
                        or self.store.booking_status(found["_id"]) == "booked"):  # another sender did
                    self.store.release(held["_id"])
                else:
                    self.store.drop_unsent(held["_id"])

    # deliveries -> receivers ----------------------------------------------------
    def deliver(self):
        sent = 0
        for due in self.store.due_deliveries(self.clock().timestamp()):
            held = self.store.lease(due["_id"], self.clock().timestamp())
            if held is None:
                continue  # another sender has it, or it was settled meanwhile
            outcome, error = self.attempt(held)
            now_ts = self.clock().timestamp()
            changes = notify.after_attempt(held, outcome, now_ts, error)
            if changes["status"] in ("sent", "failed") and held.get("phone"):
                changes["phone"] = notify.mask_phone(held["phone"])  # done with it: keep no more than shown
            self.store.settle(held["_id"], changes)
            ATTEMPTS.labels(held["channel"], held["event"], changes["status"]).inc()
            if changes["status"] == "sent":
                sent += 1
                DELIVERY_SECONDS.labels(held["channel"], held["event"]).observe(
                    max(now_ts - held["changed_at"], 0))
            elif outcome == "gone":
                self.store.drop_subscription(held["sub"])
            else:
                # Never the phone or the endpoint in a log line: the delivery id says which.
                log.warning("notification %s (%s) not delivered (attempt %s): %s",
                            held["_id"], held["channel"], changes["attempts"], error)
        return sent

    def attempt(self, delivery):
        """("ok" | "retry" | "gone", error text)."""
        try:
            if delivery["channel"] == "webpush":
                return self._push(delivery)
            return self._webhook(delivery)
        except Exception as exc:  # a refused connection, a timeout: try again later
            return "retry", type(exc).__name__

    def _webhook(self, delivery):
        if not self.webhook_url:
            return "retry", "NOTIFY_WEBHOOK_URL is not set"
        sent_at = dt.datetime.fromtimestamp(self.clock().timestamp(), dt.timezone.utc).isoformat()
        body = notify.webhook_body(delivery, sent_at)
        post = self._post or _requests_post
        status = post(self.webhook_url, body,
                      {"Content-Type": "application/json",
                       "X-Senja-Signature": notify.signature(self.webhook_secret, body)})
        return ("ok", "") if 200 <= status < 300 else ("retry", f"HTTP {status}")

    def _push(self, delivery):
        if not self.vapid_private_key:
            return "retry", "VAPID_PRIVATE_KEY is not set"
        payload = notify.push_payload(delivery)
        webpush = self._webpush or _pywebpush
        status = webpush({"endpoint": delivery["endpoint"], "keys": delivery["keys"]}, payload,
                         self.vapid_private_key, self.vapid_subject)
        if status in (404, 410):
            return "gone", f"HTTP {status}"
        return ("ok", "") if 200 <= status < 300 else ("retry", f"HTTP {status}")


def _requests_post(url, body, headers):
    import requests
    return requests.post(url, data=body, headers=headers, timeout=HTTP_TIMEOUT).status_code


def _pywebpush(subscription, payload, private_key, subject):
    """pywebpush (RFC 8291 aes128gcm payload, RFC 8292 VAPID); the push service's status."""
    from pywebpush import WebPushException, webpush
    try:
        response = webpush(subscription, data=payload, vapid_private_key=private_key,
                           vapid_claims={"sub": subject}, ttl=3600, timeout=HTTP_TIMEOUT)
    except WebPushException as exc:
        if exc.response is None:
            raise
        return exc.response.status_code
    return response.status_code

