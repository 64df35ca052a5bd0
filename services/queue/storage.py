"""The queue service's MongoDB (db ``senja_queue``)."""
import datetime as dt
import time

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common import idempotency
from services.common.mongo import MongoStore

# A call_next holds its counter this long at most. Longer than the gateway's RPC
# timeout (its request expires with it), short enough that a clerk whose call
# died with a crashed service is not locked out for long.
CLAIM_SECONDS = 5
OFFICE_CACHE_SECONDS = 5
SERVICE_TIMES_CACHE_SECONDS = 30
TICKET_TIMES = ("issued_at", "queued_at", "called_at", "started_at", "completed_at")


def _revive(ticket):
    """nx-27017 0.8.1 stores a datetime written by ``$set`` as naive UTC text
    (inserts keep BSON dates). Turn such text back into aware datetimes; on
    MongoDB this does nothing. No query filters on these fields for that reason."""
    if ticket is None:
        return None
    for field in TICKET_TIMES:
        value = ticket.get(field)
        if isinstance(value, str):
            ticket[field] = dt.datetime.fromisoformat(value).replace(tzinfo=dt.timezone.utc)
    return ticket


def _count(collection, flt):
    """How many documents match: counted from an indexed find of their ids.

    Measured on nx-27017 0.8.1 with 3,000 tickets: count_documents (an
    aggregation) scans the collection, ~60 ms; this find uses the index,
    ~5 ms. On MongoDB both use the index; the counts here (people waiting in
    one office's service) stay small, so fetching the ids costs little.
    """
    return sum(1 for _ in collection.find(flt, {"_id": 1}))


class QueueStore(MongoStore):
    def __init__(self, db):
        super().__init__(db)
        self._office_cache = {}  # office_id -> (expires, office)
        self._times_cache = {}   # (office_id, service) -> (expires, durations)
        self.offices = db.offices
        self.tickets = db.tickets
        self.serials = db.serials
        self.counters = db.counters
        self.history = db.history
        self.idempotency = db.idempotency

    def ensure_indexes(self):
        # The number belongs to the service that issued it (a transfer keeps it).
        self.tickets.create_index(
            [("office_id", ASCENDING), ("issued_service", ASCENDING),
             ("local_date", ASCENDING), ("serial", ASCENDING)], unique=True)
        self.tickets.create_index([("ticket_key", ASCENDING)], unique=True)
        idempotency.ensure_indexes(self.idempotency)
        self.tickets.create_index(
            [("office_id", ASCENDING), ("status", ASCENDING), ("sort_key", ASCENDING)])
        self.tickets.create_index([("office_id", ASCENDING), ("local_date", ASCENDING)])
        self.history.create_index([("ticket_id", ASCENDING), ("at", ASCENDING)])
        self.counters.create_index([("office_id", ASCENDING)])

    # offices -------------------------------------------------------------
    def put_office(self, office):
        self.offices.replace_one({"_id": office["id"]}, {"_id": office["id"], **office},
                                 upsert=True)
        self._office_cache.pop(office["id"], None)

    def get_office(self, office_id):
        """Offices are read on every call and change rarely: a few seconds' cache.
        Another instance's change is seen within OFFICE_CACHE_SECONDS."""
        now = time.monotonic()
        hit = self._office_cache.get(office_id)
        if hit and hit[0] > now:
            return hit[1]
        doc = self.offices.find_one({"_id": office_id})
        if doc:
            doc.pop("_id")
            self._office_cache[office_id] = (now + OFFICE_CACHE_SECONDS, doc)
        return doc

    def list_offices(self):
        return [{k: v for k, v in d.items() if k != "_id"}
                for d in self.offices.find().sort("_id", ASCENDING)]

    # numbering -----------------------------------------------------------
    def next_serial(self, office_id, service, local_date, quota=None):
        """The next daily serial, allocated atomically; None when the quota is used up.

        The quota sits in the filter: once ``seq`` reaches it the filter no
        longer matches, the upsert tries to insert the same _id again and the
        unique _id refuses it. No number is ever handed out twice.
        """
        key = f"{office_id}|{service}|{local_date}"
        flt = {"_id": key}
        if quota:
            flt["seq"] = {"$lt": quota}
        try:
            doc = self.serials.find_one_and_update(
                flt, {"$inc": {"seq": 1}}, upsert=True,
                return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:  # MongoDB refuses the second insert of _id
            return None
        # nx-27017 answers None instead of raising: the same outcome.
        return doc["seq"] if doc else None

    def issued_today(self, office_id, service, local_date):
        doc = self.serials.find_one({"_id": f"{office_id}|{service}|{local_date}"})
        return doc["seq"] if doc else 0

    # idempotency ---------------------------------------------------------
    def claim_idempotency_key(self, office_id, key, ticket_id, request, secret):
        """Returns the ticket id this key belongs to (ours if we claimed it first);
        Invalid when the key was used for a different request (services.common.idempotency)."""
        return idempotency.claim(self.idempotency, secret, "issue_ticket", key,
                                 {"office_id": office_id, "request": request}, ticket_id)

    # tickets -------------------------------------------------------------
    def insert_ticket(self, ticket):
        self.tickets.insert_one(ticket)

    def get_ticket(self, ticket_id):
        return _revive(self.tickets.find_one({"_id": ticket_id}))

    def find_ticket_by_key(self, ticket_key):
        return _revive(self.tickets.find_one({"ticket_key": ticket_key}))

    def tickets_of_day(self, office_id, local_date):
        return [_revive(t) for t in self.tickets.find({"office_id": office_id,
                                                       "local_date": local_date})]

    def count_ahead(self, office_id, service, local_date, sort_key):
        return _count(self.tickets, {
            "office_id": office_id, "service": service, "local_date": local_date,
            "status": "waiting", "sort_key": {"$lt": sort_key}})

    def count_waiting(self, office_id, service, local_date):
        return _count(self.tickets, {
            "office_id": office_id, "service": service, "local_date": local_date,
            "status": "waiting"})

    def recent_service_seconds(self, office_id, service, limit=20):
        """Durations of the last completed services; cached until the next completion
        here (or SERVICE_TIMES_CACHE_SECONDS, for completions at other instances)."""
        key, now = (office_id, service), time.monotonic()
        hit = self._times_cache.get(key)
        if hit and hit[0] > now:
            return hit[1]
        docs = self.tickets.find(
            {"office_id": office_id, "service": service, "status": "done",
             "service_seconds": {"$gt": 0}},
            {"service_seconds": 1}).sort("completed_at", -1).limit(limit)
        times = [d["service_seconds"] for d in docs][::-1]
        self._times_cache[key] = (now + SERVICE_TIMES_CACHE_SECONDS, times)
        return times

    def forget_service_times(self, office_id, service):
        self._times_cache.pop((office_id, service), None)

    def record(self, entry):
        """Append-only history: who, when, what, why."""
        self.history.insert_one(entry)

    def ticket_history(self, ticket_id):
        return list(self.history.find({"ticket_id": ticket_id}, {"_id": 0}).sort("at", 1))

    # counters ------------------------------------------------------------
    def put_counter(self, office_id, counter):
        self.counters.update_one(
            {"_id": f"{office_id}|{counter['id']}"},
            {"$set": {"office_id": office_id, "counter_id": counter["id"],
                      "name": counter["name"], "services": counter["services"],
                      "accessible": counter.get("accessible", False)},
             "$setOnInsert": {"open": False, "current_ticket_id": "", "busy_until": 0.0}},
            upsert=True)

    def list_counters(self, office_id):
        return list(self.counters.find({"office_id": office_id}).sort("counter_id", 1))

    def counters_open_for(self, office_id, service):
        return _count(self.counters,
            {"office_id": office_id, "services": service, "open": True})

    def get_counter(self, office_id, counter_id):
        return self.counters.find_one({"_id": f"{office_id}|{counter_id}"})

    def set_counter_open(self, office_id, counter_id, is_open):
        """Closing needs the counter to hold no ticket; returns the counter or None."""
        flt = {"_id": f"{office_id}|{counter_id}"}
        if not is_open:
            flt["current_ticket_id"] = ""
        return self.counters.find_one_and_update(flt, {"$set": {"open": is_open}},
                                                 return_document=ReturnDocument.AFTER)

    def claim_counter(self, office_id, counter_id, now):
        """Reserve an open, idle counter for one call_next; None if busy or closed.

        Two clerks pressing at once on one counter: only one claim matches.
        A claim left by a crashed worker lapses after CLAIM_SECONDS.
        """
        return self.counters.find_one_and_update(
            {"_id": f"{office_id}|{counter_id}", "open": True, "current_ticket_id": "",
             "busy_until": {"$lt": now.timestamp()}},
            # Epoch seconds, not a date: nx-27017 would store a $set date as text.
            {"$set": {"busy_until": now.timestamp() + CLAIM_SECONDS}},
            return_document=ReturnDocument.AFTER)

    def set_counter_ticket(self, office_id, counter_id, ticket_id):
        self.counters.update_one({"_id": f"{office_id}|{counter_id}"},
                                 {"$set": {"current_ticket_id": ticket_id, "busy_until": 0.0}})

    def take_next(self, office_id, services, local_date, counter, now):
        """Call the first waiting ticket (by sort_key) of these services.

        Find the head of each service's line, then move the earliest one with an
        update conditional on it still waiting: if another clerk took it first,
        look again. Each ticket is called exactly once. (One sorted
        find_one_and_update over ``service: {$in: ...}`` would do, but nx-27017
        scans for $in: 36 ms against 4 ms per service with equality, measured.)
        """
        for _ in range(20):
            heads = []
            for service in services:
                heads.extend(self.tickets.find(
                    {"office_id": office_id, "local_date": local_date, "status": "waiting",
                     "service": service}, {"_id": 1, "sort_key": 1}).sort("sort_key", ASCENDING).limit(1))
            if not heads:
                return None
            first = min(heads, key=lambda t: t["sort_key"])
            taken = self.tickets.find_one_and_update(
                {"_id": first["_id"], "status": "waiting"},
                {"$set": {"status": "called", "counter_id": counter["counter_id"],
                          "counter_name": counter["name"], "called_at": now},
                 "$inc": {"version": 1}},
                return_document=ReturnDocument.AFTER)
            if taken is not None:
                return _revive(taken)
        return None  # the lines moved faster than we could look: the clerk presses again

    def transition(self, ticket_id, from_statuses, changes, inc=None):
        """Move a ticket on if it is still in one of ``from_statuses``; None otherwise."""
        return _revive(self.tickets.find_one_and_update(
            {"_id": ticket_id, "status": {"$in": list(from_statuses)}},
            {"$set": changes, "$inc": {"version": 1, **(inc or {})}},
            return_document=ReturnDocument.AFTER))

    def active_at_counters(self, office_id, local_date):
        # One equality query per status: nx-27017 scans the collection for $in.
        return [_revive(t) for status in ("called", "serving") for t in self.tickets.find(
            {"office_id": office_id, "local_date": local_date, "status": status})]

    def waiting_list(self, office_id, local_date):
        return [_revive(t) for t in self.tickets.find(
            {"office_id": office_id, "local_date": local_date,
             "status": "waiting"}).sort("sort_key", ASCENDING)]

    # notices shown on the board -----------------------------------------
    def put_notice(self, notice):
        self.db.notices.replace_one({"_id": notice["id"]}, {"_id": notice["id"], **notice},
                                    upsert=True)

    def remove_notice(self, notice_id):
        self.db.notices.delete_one({"_id": notice_id})

    def notices(self, office_id, now):
        return list(self.db.notices.find(
            {"office_id": office_id, "until": {"$gt": now}}, {"_id": 0}).sort("at", ASCENDING))
