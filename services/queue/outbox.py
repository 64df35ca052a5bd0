"""The notifications' storage in the queue's database: subscriptions, the
outboxes (in the hall and ticket documents, written by storage.QueueStore in
the update that causes them) and the deliveries the sender works through.

- ``subscriptions``: one per ticket, channel and address (id from
  notify.subscription_id); ``active`` until its ticket is finished;
- bookings (``booking_store``'s collection): a booking made with a phone
  carries its ``booking_reminder`` in its own ``outbox`` (written by its
  insert, dropped by the update that cancels it), handed over to a delivery
  when due;
- ``deliveries``: one per message and subscription, ``_id`` the message id the
  receivers see; inserted once (a duplicate insert is the proof it exists),
  then moved pending -> retrying* -> sent | failed, under a short lease so
  two senders never post the same message at once.
"""
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.queue import notify

# A sender holds a delivery this long while it posts (longer than its HTTP timeout):
# a sender killed mid-post leaves it to the next one after this.
LEASE_SECONDS = 10.0
BATCH = 100


class OutboxStore:
    def __init__(self, db):
        self.halls = db.halls
        self.tickets = db.tickets
        self.bookings = db.bookings
        self.subscriptions = db.subscriptions
        self.deliveries = db.deliveries

    def ensure_indexes(self):
        self.subscriptions.create_index([("active", ASCENDING)])
        self.deliveries.create_index([("status", ASCENDING), ("next_at", ASCENDING)])
        self.deliveries.create_index([("office_id", ASCENDING), ("created_at", DESCENDING)])

    # subscriptions ---------------------------------------------------------
    def subscription(self, sub_id):
        return self.subscriptions.find_one({"_id": sub_id})

    def add_subscription(self, sub):
        """False when this subscription exists already (a retried request)."""
        try:
            self.subscriptions.insert_one(sub)
            return True
        except DuplicateKeyError:
            return False

    def active_subscriptions(self):
        return list(self.subscriptions.find({"active": True}))

    def close_subscriptions(self, ticket_id):
        self.subscriptions.update_many({"ticket_id": ticket_id}, {"$set": {"active": False}})

    def drop_subscription(self, sub_id):
        """An expired Web Push subscription (the push service answered 404/410)."""
        self.subscriptions.delete_one({"_id": sub_id})

    def mark_seen(self, sub_id, message_id):
        self.subscriptions.update_one({"_id": sub_id}, {"$push": {"seen": message_id}})

    # the hall's watchers and outbox ------------------------------------------
    def watch(self, office_id, service, watch):
        """Add a watcher to a line; the revision makes a concurrent leave read again."""
        self.halls.update_one({"_id": office_id}, {"$push": {f"watch_{service}": watch},
                                                   "$inc": {f"watchers_{service}": 1,
                                                            f"watchrev_{service}": 1}})

    def post_to_hall(self, office_id, entry):
        self.halls.update_one({"_id": office_id}, {"$push": {"outbox": notify.encode(entry)}})

    def hall_outbox(self, office_id):
        hall = self.halls.find_one({"_id": office_id}, {"outbox": 1}) or {}
        return hall.get("outbox", [])

    def clear_from_hall(self, office_id, text):
        self.halls.update_one({"_id": office_id}, {"$pull": {"outbox": text}})

    def ticket_outbox(self, ticket_id):
        return self.tickets.find_one({"_id": ticket_id}, {"outbox": 1, "status": 1, "number": 1,
                                                          "office_id": 1, "counter_name": 1})

    # bookings' reminders -----------------------------------------------------
    def due_reminders(self, now_ts):
        """Bookings still booked whose reminder is due (bookings without one have no due time)."""
        return list(self.bookings.find({"status": "booked", "reminder_due": {"$lte": now_ts}},
                                       {"outbox": 1, "office_id": 1, "phone": 1, "status": 1,
                                        "reminder_due": 1}).limit(BATCH))

    def hand_over_reminder(self, booking_id, due):
        """The booking's reminder leaves its outbox (its delivery exists already), if
        the booking is still booked: a cancel and this race on the same document."""
        return self.bookings.update_one({"_id": booking_id, "status": "booked", "reminder_due": due},
                                        {"$set": {"outbox": [], "reminder_due": None}}).matched_count == 1

    def booking_status(self, booking_id):
        found = self.bookings.find_one({"_id": booking_id}, {"status": 1})
        return found and found["status"]

    def release(self, delivery_id):
        """A delivery written held (lease) until its booking let it go: deliverable now."""
        self.deliveries.update_one({"_id": delivery_id, "status": "pending"}, {"$set": {"lease_until": 0.0}})

    def drop_unsent(self, delivery_id):
        """The reminder of a booking cancelled while it was being handed over."""
        self.deliveries.delete_one({"_id": delivery_id, "status": "pending"})

    # deliveries --------------------------------------------------------------
    def add_delivery(self, doc):
        try:
            self.deliveries.insert_one(doc)
        except DuplicateKeyError:
            pass  # written before a restart: the same id, sent once acknowledged

    def due_deliveries(self, now_ts):
        return list(self.deliveries.find({"status": {"$in": ["pending", "retrying"]},
                                          "next_at": {"$lte": now_ts}}).limit(BATCH))

    def lease(self, delivery_id, now_ts):
        """The delivery, held for this sender, or None if another holds it or it is done."""
        return self.deliveries.find_one_and_update(
            {"_id": delivery_id, "status": {"$in": ["pending", "retrying"]}, "lease_until": {"$lt": now_ts}},
            {"$set": {"lease_until": now_ts + LEASE_SECONDS}}, return_document=ReturnDocument.AFTER)

    def settle(self, delivery_id, changes):
        self.deliveries.update_one({"_id": delivery_id}, {"$set": changes})

    def office_deliveries(self, office_id, limit=50):
        return list(self.deliveries.find({"office_id": office_id}).sort("created_at", DESCENDING).limit(limit))

    def office_counts(self, office_id):
        counts = {state: 0 for state in notify.DELIVERY_STATES}
        for doc in self.deliveries.find({"office_id": office_id}, {"status": 1}):
            counts[doc["status"]] = counts.get(doc["status"], 0) + 1
        return counts

    def counts(self):
        counts = {state: 0 for state in notify.DELIVERY_STATES}
        for row in self.deliveries.aggregate([{"$group": {"_id": "$status", "n": {"$sum": 1}}}]):
            counts[row["_id"]] = row["n"]
        return counts
