"""Bookings in the queue's database: one counter document per slot, one
document per booking.

Capacity (the rule that must hold whatever the concurrency, with any number
of queue service instances): a place is taken by ONE conditional update of
the slot's counter, ``{_id: slot, taken: {$lt: capacity}}`` → ``$inc taken``.
The database applies it atomically to one document, so of N clients racing
for the last place exactly one matches; the others find no document and are
told "full". A place is given back only by the request that moved its
booking out of ``booked`` (a conditional update on the booking's status), so
a cancel, a no-show and a check-in each happen once and return a place at
most once.
"""
import datetime as dt

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common import idempotency

BOOKING_TIMES = ("slot_start", "slot_end", "booked_at", "changed_at")


def _revive(doc):
    """nx-27017 keeps a datetime written by $set as naive text (storage._revive)."""
    if doc is None:
        return None
    for field in BOOKING_TIMES:
        value = doc.get(field)
        if isinstance(value, str):
            doc[field] = dt.datetime.fromisoformat(value)
        if isinstance(doc.get(field), dt.datetime) and doc[field].tzinfo is None:
            doc[field] = doc[field].replace(tzinfo=dt.timezone.utc)
    return doc


class BookingStore:
    def __init__(self, db):
        self.slots = db.slots
        self.bookings = db.bookings
        self.idempotency = db.booking_idempotency

    def ensure_indexes(self):
        self.bookings.create_index([("booking_key", ASCENDING)], unique=True)
        self.bookings.create_index([("office_id", ASCENDING), ("code", ASCENDING)], unique=True)
        self.bookings.create_index([("office_id", ASCENDING), ("local_date", ASCENDING)])
        self.bookings.create_index([("status", ASCENDING), ("window_end", ASCENDING)])
        self.bookings.create_index([("status", ASCENDING), ("reminder_due", ASCENDING)])  # sender.collect_reminders
        self.slots.create_index([("office_id", ASCENDING), ("service", ASCENDING),
                                 ("local_date", ASCENDING)])
        idempotency.ensure_indexes(self.idempotency)

    # places ----------------------------------------------------------------
    def take_place(self, slot_id, office_id, service, local_date, capacity):
        """One place of the slot if one is left (atomic); the slot after it, or None when full."""
        if capacity <= 0:
            return None
        # The counter exists before anyone races for it ($setOnInsert changes nothing after).
        self.slots.update_one({"_id": slot_id},
                              {"$setOnInsert": {"office_id": office_id, "service": service,
                                                "local_date": local_date, "taken": 0}},
                              upsert=True)
        return self.slots.find_one_and_update({"_id": slot_id, "taken": {"$lt": capacity}},
                                              {"$inc": {"taken": 1}},
                                              return_document=ReturnDocument.AFTER)

    def give_back_place(self, slot_id):
        self.slots.update_one({"_id": slot_id, "taken": {"$gt": 0}}, {"$inc": {"taken": -1}})

    def taken_on(self, office_id, service, local_date):
        """{slot id: places taken} of a day."""
        return {d["_id"]: d.get("taken", 0) for d in self.slots.find(
            {"office_id": office_id, "service": service, "local_date": local_date})}

    # bookings --------------------------------------------------------------
    def insert(self, booking):
        """False when the short code is taken already at this office (try another)."""
        try:
            self.bookings.insert_one(booking)
            return True
        except DuplicateKeyError as err:
            if "code" in str(err):
                return False
            raise

    def get(self, booking_id):
        return _revive(self.bookings.find_one({"_id": booking_id}))

    def by_key(self, booking_key):
        return _revive(self.bookings.find_one({"booking_key": booking_key}))

    def by_code(self, office_id, code):
        return _revive(self.bookings.find_one({"office_id": office_id, "code": code}))

    def of_day(self, office_id, local_date):
        return [_revive(b) for b in self.bookings.find(
            {"office_id": office_id, "local_date": local_date}).sort("slot_ts", ASCENDING)]

    def lapsed(self, now_ts, limit=200):
        """Bookings still only booked whose check-in window has closed."""
        return [_revive(b) for b in self.bookings.find(
            {"status": "booked", "window_end": {"$lte": now_ts}}).limit(limit)]

    def move(self, booking_id, from_status, changes):
        """Move a booking on if it is still ``from_status``: the booking after it, or None."""
        return _revive(self.bookings.find_one_and_update(
            {"_id": booking_id, "status": from_status}, {"$set": changes, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER))

    def claim_idempotency_key(self, office_id, key, booking_id, request, secret):
        return idempotency.claim(self.idempotency, secret, "book_slot", key,
                                 {"office_id": office_id, "request": request}, booking_id)
