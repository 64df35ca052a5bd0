"""The queue service's MongoDB (db ``senja_queue``).

Round trips are the cost that matters (on a replica set each is a network
hop; on nx-27017 a query over the tickets collection is also a scan), so the
hot paths are built from single-document, by-key operations:

- an office's configuration is held in memory (``OfficeMemory``), reloaded
  when ``office_updated`` says it changed;
- each office/service line has one summary document (``lines``): the day's
  serial, the tickets waiting in call order, today's recent service times and
  the counters open for it. Issuing updates it in the same atomic step that
  allocates the serial, so nobody counts tickets to answer "how many ahead?".
"""
import datetime as dt
import time

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common.mongo import MongoStore
from services.queue import domain

# A call_next holds its counter this long at most. Longer than the gateway's RPC
# timeout (its request expires with it), short enough that a clerk whose call
# died with a crashed service is not locked out for long.
CLAIM_SECONDS = 5
# Offices change rarely and each change is announced (office_updated); this only
# bounds how long a missed announcement (a broker hiccup) can leave a copy stale.
OFFICE_MEMORY_SECONDS = 60
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


def line_id(office_id, service):
    return f"{office_id}|{service}"


class OfficeMemory:
    """Office configurations in process memory: no office lookup per ticket."""

    def __init__(self, collection):
        self._collection = collection
        self._held = {}  # office_id -> (loaded_at, office)

    def get(self, office_id):
        hit = self._held.get(office_id)
        if hit and time.monotonic() - hit[0] < OFFICE_MEMORY_SECONDS:
            return hit[1]
        doc = self._collection.find_one({"_id": office_id}, {"_id": 0})
        if doc is not None:
            self._held[office_id] = (time.monotonic(), doc)
        return doc

    def hold(self, office):
        self._held[office["id"]] = (time.monotonic(), office)

    def forget(self, office_id):
        self._held.pop(office_id, None)


class QueueStore(MongoStore):
    def __init__(self, db):
        super().__init__(db)
        self.offices = db.offices
        self.tickets = db.tickets
        self.lines = db.lines
        self.counters = db.counters
        self.history = db.history
        self.idempotency = db.idempotency
        self.memory = OfficeMemory(self.offices)

    def ensure_indexes(self):
        # The number belongs to the service that issued it (a transfer keeps it).
        self.tickets.create_index(
            [("office_id", ASCENDING), ("issued_service", ASCENDING),
             ("local_date", ASCENDING), ("serial", ASCENDING)], unique=True)
        self.tickets.create_index([("ticket_key", ASCENDING)], unique=True)
        # call_next: the head of one service's line (equality, then the call order).
        self.tickets.create_index(
            [("office_id", ASCENDING), ("service", ASCENDING), ("status", ASCENDING),
             ("sort_key", ASCENDING), ("queued_at", ASCENDING)])
        self.tickets.create_index([("call_id", ASCENDING)])
        self.tickets.create_index([("office_id", ASCENDING), ("local_date", ASCENDING)])
        self.history.create_index([("ticket_id", ASCENDING), ("at", ASCENDING)])
        self.counters.create_index([("office_id", ASCENDING)])

    # offices -------------------------------------------------------------
    def put_office(self, office):
        self.offices.replace_one({"_id": office["id"]}, {"_id": office["id"], **office},
                                 upsert=True)
        self.memory.hold(office)

    def get_office(self, office_id):
        return self.memory.get(office_id)

    def list_offices(self):
        return [{k: v for k, v in d.items() if k != "_id"}
                for d in self.offices.find().sort("_id", ASCENDING)]

    # lines: serial, waiting, service times, counters open -----------------
    def join_line(self, office_id, service, local_date, entry, now_ts, quota=None):
        """Allocate the day's next serial and put ``entry`` in the line, in one
        atomic update; returns the line after it, or None when the quota is used up.

        The quota sits in the filter, so no number is ever handed out twice or
        beyond it. A new line, or the first ticket of a new day, takes the rare path.
        """
        flt = {"_id": line_id(office_id, service), "day": local_date}
        if quota:
            flt["seq"] = {"$lt": quota}
        line = self.lines.find_one_and_update(
            flt, {"$inc": {"seq": 1}, "$push": {"waiting": entry}},
            return_document=ReturnDocument.AFTER)
        return line if line is not None else self._join_line_slowly(
            office_id, service, local_date, entry, now_ts, quota)

    def _join_line_slowly(self, office_id, service, local_date, entry, now_ts, quota):
        key = line_id(office_id, service)
        for _ in range(5):
            line = self.lines.find_one({"_id": key})
            if line is None:
                try:
                    doc = {"_id": key, "office_id": office_id, "service": service,
                           "day": local_date, "seq": 1, "waiting": [entry], "recent": [],
                           "counters_open": self._count_open(office_id, service)}
                    self.lines.insert_one(doc)
                    return doc
                except DuplicateKeyError:
                    continue  # another issue created it first
            if line["day"] == local_date:
                if quota and line["seq"] >= quota:
                    return None
                # The line moved on between our two looks: the fast path again.
                again = self.lines.find_one_and_update(
                    {"_id": key, "day": local_date, **({"seq": {"$lt": quota}} if quota else {})},
                    {"$inc": {"seq": 1}, "$push": {"waiting": entry}},
                    return_document=ReturnDocument.AFTER)
                if again is not None:
                    return again
                continue
            # A new local day: numbering and today's service times restart; tickets of
            # a session still open (one that runs past midnight) stay in the line.
            live = [e for e in line.get("waiting", []) if domain.entry_session_end(e) > now_ts]
            moved = self.lines.find_one_and_update(
                {"_id": key, "day": line["day"]},
                {"$set": {"day": local_date, "seq": 1, "waiting": live + [entry], "recent": []}},
                return_document=ReturnDocument.AFTER)
            if moved is not None:
                return moved
        raise RuntimeError(f"could not join line {key}")

    def leave_line(self, office_id, service, entry):
        """Take an entry out of the line; returns the line after it (for its load)."""
        return self.lines.find_one_and_update(
            {"_id": line_id(office_id, service)}, {"$pull": {"waiting": entry}},
            return_document=ReturnDocument.AFTER)

    def undo_join(self, office_id, service, local_date, entry, serial):
        """A refused ticket leaves the line; its number is given back if no one took a later one."""
        key = line_id(office_id, service)
        self.lines.update_one({"_id": key}, {"$pull": {"waiting": entry}})
        self.lines.update_one({"_id": key, "day": local_date, "seq": serial}, {"$inc": {"seq": -1}})

    def get_line(self, office_id, service):
        return self.lines.find_one({"_id": line_id(office_id, service)})

    def lines_of(self, office_id):
        return {line["service"]: line for line in self.lines.find({"office_id": office_id})}

    def add_service_time(self, office_id, service, seconds):
        """Today's service times, the last SERVICE_TIME_WINDOW of them; returns the line."""
        return self.lines.find_one_and_update(
            {"_id": line_id(office_id, service)},
            {"$push": {"recent": {"$each": [seconds], "$slice": -domain.SERVICE_TIME_WINDOW}}},
            return_document=ReturnDocument.AFTER)

    def rejoin_line(self, office_id, service, entry):
        """A transferred ticket joins another line at its original place in time."""
        return self.lines.find_one_and_update(
            {"_id": line_id(office_id, service)},
            {"$push": {"waiting": entry},
             "$setOnInsert": {"office_id": office_id, "service": service, "day": "", "seq": 0,
                              "recent": [], "counters_open": self._count_open(office_id, service)}},
            upsert=True, return_document=ReturnDocument.AFTER)

    def recount_open_counters(self, office_id, services):
        """After a counter opens or closes: how many serve each of its services now."""
        counters = list(self.counters.find({"office_id": office_id, "open": True}, {"services": 1}))
        for service in services:
            self.lines.update_one(
                {"_id": line_id(office_id, service)},
                {"$set": {"counters_open": sum(service in c["services"] for c in counters)},
                 "$setOnInsert": {"office_id": office_id, "service": service, "day": "",
                                  "seq": 0, "waiting": [], "recent": []}},
                upsert=True)

    def _count_open(self, office_id, service):
        return sum(1 for _ in self.counters.find(
            {"office_id": office_id, "services": service, "open": True}, {"_id": 1}))

    # idempotency ---------------------------------------------------------
    def claim_idempotency_key(self, office_id, key, ticket_id):
        """Returns the ticket id this key belongs to (ours if we claimed it first)."""
        try:
            self.idempotency.insert_one({"_id": f"{office_id}|{key}", "ticket_id": ticket_id})
            return ticket_id
        except DuplicateKeyError:
            return self.idempotency.find_one({"_id": f"{office_id}|{key}"})["ticket_id"]

    # tickets -------------------------------------------------------------
    def insert_ticket(self, ticket):
        self.tickets.insert_one(ticket)

    def get_ticket(self, ticket_id):
        return _revive(self.tickets.find_one({"_id": ticket_id}))

    def ticket_of_call(self, call_id):
        return _revive(self.tickets.find_one({"call_id": call_id})) if call_id else None

    def find_ticket_by_key(self, ticket_key):
        return _revive(self.tickets.find_one({"ticket_key": ticket_key}))

    def tickets_of_day(self, office_id, local_date):
        return [_revive(t) for t in self.tickets.find({"office_id": office_id,
                                                       "local_date": local_date})]

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

    def get_counter(self, office_id, counter_id):
        return self.counters.find_one({"_id": f"{office_id}|{counter_id}"})

    def set_counter_open(self, office_id, counter_id, is_open):
        """Closing needs the counter to hold no ticket; returns the counter or None."""
        flt = {"_id": f"{office_id}|{counter_id}"}
        if not is_open:
            flt["current_ticket_id"] = ""
        return self.counters.find_one_and_update(flt, {"$set": {"open": is_open}},
                                                 return_document=ReturnDocument.AFTER)

    def claim_counter(self, office_id, counter_id, call_id, now):
        """Reserve an open, idle counter for one call; None if busy or closed.

        Two clerks pressing at once on one counter: only one claim matches. The
        counter holds the call's id from here on; the ticket it calls carries the
        same id, so no second write to the counter is needed when the call succeeds.
        """
        return self.counters.find_one_and_update(
            {"_id": f"{office_id}|{counter_id}", "open": True, "current_ticket_id": "",
             "busy_until": {"$lt": now.timestamp()}},
            # Epoch seconds, not a date: nx-27017 would store a $set date as text.
            {"$set": {"busy_until": now.timestamp() + CLAIM_SECONDS, "current_ticket_id": call_id}},
            return_document=ReturnDocument.AFTER)

    def release_counter(self, office_id, counter_id, call_id=None):
        """The counter holds no ticket any more (only if it still holds ``call_id``)."""
        flt = {"_id": f"{office_id}|{counter_id}"}
        if call_id is not None:
            flt["current_ticket_id"] = call_id
        self.counters.update_one(flt, {"$set": {"current_ticket_id": "", "busy_until": 0.0}})

    def take_next(self, office_id, services, counter, call_id, now):
        """Call the first waiting ticket of these services, in call order.

        One conditional update per service line (equality filters on an index
        ending in the call order): the status filter makes each ticket called
        exactly once however many clerks press at once. A counter serving several
        services compares the heads first (a read per extra service).
        """
        service = services[0]
        if len(services) > 1:
            heads = [t for s in services for t in self.tickets.find(
                {"office_id": office_id, "service": s, "status": "waiting",
                 "session_end": {"$gt": now.timestamp()}},
                {"service": 1, "sort_key": 1, "queued_at": 1}).sort(domain.CALL_ORDER).limit(1)]
            if not heads:
                return None
            service = min(heads, key=domain.call_order_key)["service"]
        taken = self.tickets.find_one_and_update(
            {"office_id": office_id, "service": service, "status": "waiting",
             "session_end": {"$gt": now.timestamp()}},
            {"$set": {"status": "called", "counter_id": counter["counter_id"],
                      "counter_name": counter["name"], "called_at": now, "call_id": call_id},
             "$inc": {"version": 1}},
            sort=domain.CALL_ORDER, return_document=ReturnDocument.AFTER)
        if taken is None and len(services) > 1:
            # That line emptied between the look and the update: try the others.
            return self.take_next(office_id, [s for s in services if s != service],
                                  counter, call_id, now)
        return _revive(taken)

    def transition(self, ticket_id, from_statuses, changes, inc=None):
        """Move a ticket on if it is still in one of ``from_statuses``; None otherwise."""
        status = {"$in": list(from_statuses)} if len(from_statuses) > 1 else from_statuses[0]
        return _revive(self.tickets.find_one_and_update(
            {"_id": ticket_id, "status": status},
            {"$set": changes, "$inc": {"version": 1, **(inc or {})}},
            return_document=ReturnDocument.AFTER))

    def tickets_of_calls(self, call_ids):
        """The tickets counters hold now, by the call that brought them there."""
        return [t for t in map(self.ticket_of_call, call_ids) if t is not None]

    def waiting_list(self, office_id, services, now):
        return [_revive(t) for service in services for t in self.tickets.find(
            {"office_id": office_id, "service": service, "status": "waiting",
             "session_end": {"$gt": now.timestamp()}}).sort(domain.CALL_ORDER)]

    # notices shown on the board -----------------------------------------
    def put_notice(self, notice):
        self.db.notices.replace_one({"_id": notice["id"]}, {"_id": notice["id"], **notice},
                                    upsert=True)

    def remove_notice(self, notice_id):
        return self.db.notices.find_one_and_delete({"_id": notice_id})

    def notices(self, office_id, now):
        return list(self.db.notices.find(
            {"office_id": office_id, "until": {"$gt": now}}, {"_id": 0}).sort("at", ASCENDING))
