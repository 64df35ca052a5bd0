"""The queue service's MongoDB (db ``senja_queue``).

Round trips are the cost that matters (on a replica set each is a network
hop; on nx-27017 any query over the tickets collection but one by ``_id`` is
also a scan), so the hot paths are built from single-document, by-key steps:

- an office's configuration is held in memory (``OfficeMemory``), reloaded
  when ``office_updated`` says it changed;
- each office has one **hall** document: per service its line (the day's
  serial, the tickets waiting as entries in call order, today's recent service
  times) and per counter its desk (open, the call in progress, the ticket it
  holds). Issuing updates it in the same atomic step that allocates the
  serial, and a clerk's claim returns it, so nobody counts or sorts tickets to
  answer "how many ahead?" or "who is next?".

Hall fields are flat (``seq_KTP``, ``open_2``): nx-27017 mishandles dotted
paths into embedded documents (measured: ``$push`` to ``a.b`` creates a field
literally named "a.b"). Service codes and counter ids are plain names
(schemas.py), safe in field names.
"""
import datetime as dt
import time

from pymongo import ASCENDING, ReturnDocument

from services.common import idempotency
from services.common.mongo import MongoStore
from services.queue import domain, notify
from services.queue.booking_store import BookingStore
from services.queue.outbox import OutboxStore

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


def line_of(hall, service):
    """A service's line in a hall document: {day, seq, waiting, recent}."""
    return {"day": hall.get(f"day_{service}", ""), "seq": hall.get(f"seq_{service}", 0),
            "waiting": hall.get(f"waiting_{service}", []), "recent": hall.get(f"recent_{service}", [])}


def desk_of(hall, counter_id):
    """A counter's desk in a hall document: {open, call, ticket, busy_until, no_show}
    (no_show: the ticket it last let go as a no-show, while nobody has left it since)."""
    # bool(): nx-27017 stores a boolean $set on an existing document as 0/1.
    return {"open": bool(hall.get(f"open_{counter_id}", False)), "call": hall.get(f"call_{counter_id}", ""),
            "ticket": hall.get(f"ticket_{counter_id}", ""), "busy_until": hall.get(f"busy_{counter_id}", 0.0),
            "no_show": hall.get(f"noshow_{counter_id}", "")}


def notify_fields(service):
    """A line's watchers (notify.watch_entry), how many, and their revision."""
    return ((f"watch_{service}", []), (f"watchers_{service}", 0), (f"watchrev_{service}", 0))


class OfficeMemory:
    """Office configurations in process memory: no office lookup per ticket."""

    def __init__(self, collection, on_load=lambda office: None):
        self._collection = collection
        self._on_load = on_load  # e.g. make sure the office's hall exists (data of older versions)
        self._held = {}  # office_id -> (loaded_at, office)

    def get(self, office_id):
        hit = self._held.get(office_id)
        if hit and time.monotonic() - hit[0] < OFFICE_MEMORY_SECONDS:
            return hit[1]
        doc = self._collection.find_one({"_id": office_id}, {"_id": 0})
        if doc is not None:
            self._on_load(doc)
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
        self.halls = db.halls
        self.history = db.history
        self.idempotency = db.idempotency
        self.memory = OfficeMemory(self.offices, on_load=self.prepare_hall)
        self.booking = BookingStore(db)
        self.outbox = OutboxStore(db)  # notifications (services/queue/outbox.py)

    def ensure_indexes(self):
        # The number belongs to the service that issued it (a transfer keeps it).
        self.tickets.create_index(
            [("office_id", ASCENDING), ("issued_service", ASCENDING),
             ("local_date", ASCENDING), ("serial", ASCENDING)], unique=True)
        self.tickets.create_index([("ticket_key", ASCENDING)], unique=True)
        idempotency.ensure_indexes(self.idempotency)
        # The waiting list for staff (not a hot path: call_next reads the hall).
        self.tickets.create_index(
            [("office_id", ASCENDING), ("service", ASCENDING), ("status", ASCENDING),
             ("sort_key", ASCENDING)])
        self.tickets.create_index([("call_id", ASCENDING)])
        self.tickets.create_index([("office_id", ASCENDING), ("local_date", ASCENDING)])
        self.history.create_index([("ticket_id", ASCENDING), ("at", ASCENDING)])
        self.booking.ensure_indexes()
        self.outbox.ensure_indexes()

    # offices -------------------------------------------------------------
    def put_office(self, office):
        self.offices.replace_one({"_id": office["id"]}, {"_id": office["id"], **office},
                                 upsert=True)
        self.prepare_hall(office)
        self.memory.hold(office)

    def get_office(self, office_id):
        return self.memory.get(office_id)

    def list_offices(self):
        return [{k: v for k, v in d.items() if k != "_id"}
                for d in self.offices.find().sort("_id", ASCENDING)]

    # the hall: lines and desks -------------------------------------------
    def prepare_hall(self, office):
        """Give a (re)configured office's hall a line per service and a desk per counter."""
        hall = self.halls.find_one({"_id": office["id"]}) or {}
        missing = {}
        for svc in office["services"]:
            for field, empty in ((f"day_{svc['code']}", ""), (f"seq_{svc['code']}", 0),
                                 (f"waiting_{svc['code']}", []), (f"recent_{svc['code']}", []),
                                 *notify_fields(svc['code'])):
                if field not in hall:
                    missing[field] = empty
        for counter in office.get("counters", ()):
            for field, empty in ((f"open_{counter['id']}", False), (f"call_{counter['id']}", ""),
                                 (f"ticket_{counter['id']}", ""), (f"busy_{counter['id']}", 0.0)):
                if field not in hall:
                    missing[field] = empty
        if missing:
            self.halls.update_one({"_id": office["id"]}, {"$set": missing}, upsert=True)

    def hall(self, office_id):
        return self.halls.find_one({"_id": office_id}) or {}

    def join_line(self, office_id, service, local_date, entry, now_ts, quota=None, fields=None):
        """Allocate the day's next serial and put ``entry`` in the service's line,
        in one atomic update; returns the hall after it, or None when the quota is
        used up. The quota sits in the filter, so no number is ever handed out
        twice or beyond it. The first ticket of a new day takes the rare path."""
        seq = f"seq_{service}"
        flt = {"_id": office_id, f"day_{service}": local_date}
        if quota:
            flt[seq] = {"$lt": quota}
        for _ in range(5):
            hall = self.halls.find_one_and_update(
                flt, {"$inc": {seq: 1}, "$push": {f"waiting_{service}": entry}},
                projection=fields, return_document=ReturnDocument.AFTER)
            if hall is not None:
                return hall
            hall = self.hall(office_id)
            day = hall.get(f"day_{service}", "")
            if day == local_date:
                if quota and hall.get(seq, 0) >= quota:
                    return None
                continue  # the day turned over between our two looks
            # A new local day: numbering and today's service times restart; tickets of
            # a session still open (one that runs past midnight) stay in the line.
            live = [e for e in hall.get(f"waiting_{service}", []) if domain.entry_session_end(e) > now_ts]
            hall = self.halls.find_one_and_update(
                {"_id": office_id, f"day_{service}": day},
                {"$set": {f"day_{service}": local_date, seq: 1, f"waiting_{service}": live + [entry],
                          f"recent_{service}": []}},
                return_document=ReturnDocument.AFTER)
            if hall is not None:
                return hall
        raise RuntimeError(f"could not join the {service} line of {office_id}")

    def undo_join(self, office_id, service, local_date, entry, serial):
        """A refused ticket leaves the line; its number is given back if no one took a later one."""
        self.halls.update_one({"_id": office_id}, {"$pull": {f"waiting_{service}": entry}})
        self.halls.update_one({"_id": office_id, f"day_{service}": local_date, f"seq_{service}": serial},
                              {"$inc": {f"seq_{service}": -1}})

    def leave_line(self, office_id, service, entry, desk=None, ticket_id=None, now_ts=None):
        """Take an entry out of a line (and note the ticket a desk now holds);
        returns the hall after it. When subscriptions watch the line, the same
        update writes the turn_near messages now due (notify.turn_near_due)."""
        update = {"$pull": {f"waiting_{service}": entry}}
        if desk is not None:
            update["$set"] = {f"ticket_{desk}": ticket_id}
        hall = self.halls.find_one_and_update({"_id": office_id, f"watchers_{service}": 0}, update,
                                              return_document=ReturnDocument.AFTER)
        if hall is not None:  # nobody watches this line: one step, as before notifications
            return hall
        return self._leave_watched_line(office_id, service, entry, update.get("$set", {}),
                                        now_ts or time.time())

    def _leave_watched_line(self, office_id, service, entry, desk_fields, now_ts):
        """Read the line and its watchers, then pull the entry, keep the watchers
        still waiting and push the messages due, in one update conditional on the
        watch revision read (a concurrent leave or subscription makes us read again)."""
        waiting_f, watch_f, rev_f = f"waiting_{service}", f"watch_{service}", f"watchrev_{service}"
        for _ in range(20):
            hall = self.halls.find_one({"_id": office_id}, {waiting_f: 1, watch_f: 1, rev_f: 1})
            if hall is None:
                return None
            waiting = [e for e in hall.get(waiting_f, []) if e != entry]
            due, kept = notify.turn_near_due(hall.get(watch_f, []), waiting, entry, now_ts)
            update = {"$pull": {waiting_f: entry},
                      "$set": {**desk_fields, watch_f: kept, f"watchers_{service}": len(kept)},
                      "$inc": {rev_f: 1}}
            if due:
                update["$push"] = {"outbox": {"$each": [
                    notify.encode(notify.turn_near_entry(sub, ticket, ahead, now_ts)) for sub, ticket, ahead in due]}}
            rev = hall.get(rev_f)  # missing in a hall not prepared since notifications came
            hall = self.halls.find_one_and_update(
                {"_id": office_id, rev_f: {"$exists": False} if rev is None else rev}, update,
                return_document=ReturnDocument.AFTER)
            if hall is not None:
                return hall
        raise RuntimeError(f"could not leave the {service} line of {office_id}")

    def set_desk_open(self, office_id, counter_id, is_open):
        """Closing needs the desk to hold no call; returns the hall or None."""
        flt = {"_id": office_id}
        if not is_open:
            flt[f"call_{counter_id}"] = ""
        return self.halls.find_one_and_update(flt, {"$set": {f"open_{counter_id}": is_open}},
                                              return_document=ReturnDocument.AFTER)

    def claim_desk(self, office_id, counter_id, call_id, now):
        """Reserve an open, idle counter for one call; the hall, or None if busy or closed.

        Two clerks pressing at once on one counter: only one claim matches. The
        desk holds the call's id from here on and the ticket it calls carries the
        same id; the hall that comes back shows who waits, in call order.
        """
        return self.halls.find_one_and_update(
            {"_id": office_id, f"open_{counter_id}": True, f"call_{counter_id}": "",
             f"busy_{counter_id}": {"$lt": now.timestamp()}},
            # Epoch seconds, not a date: nx-27017 would store a $set date as text.
            {"$set": {f"busy_{counter_id}": now.timestamp() + CLAIM_SECONDS,
                      f"call_{counter_id}": call_id, f"ticket_{counter_id}": ""}},
            return_document=ReturnDocument.AFTER)

    def leave_desk(self, office_id, counter_id, service_time=None, rejoin=None, no_show=""):
        """A ticket leaves the counter: the desk is free again and, in the same
        update, the service time joins today's (complete) or the ticket joins its
        new line (transfer); a no-show's id is kept for its undo. Returns the hall after it."""
        update = {"$set": {f"call_{counter_id}": "", f"ticket_{counter_id}": "", f"busy_{counter_id}": 0.0,
                           f"noshow_{counter_id}": no_show}}
        if service_time is not None:
            service, seconds = service_time
            update["$push"] = {f"recent_{service}": {"$each": [seconds], "$slice": -domain.SERVICE_TIME_WINDOW}}
        if rejoin is not None:
            service, entry = rejoin
            update["$push"] = {f"waiting_{service}": entry}
        return self.halls.find_one_and_update({"_id": office_id}, update,
                                              return_document=ReturnDocument.AFTER)

    def hold_at_desk(self, office_id, counter_id, ticket_id):
        """Note the ticket a claimed desk holds (a no-show taken back); the hall after it."""
        return self.halls.find_one_and_update(
            {"_id": office_id}, {"$set": {f"ticket_{counter_id}": ticket_id, f"noshow_{counter_id}": ""}},
            return_document=ReturnDocument.AFTER)

    def release_desk(self, office_id, counter_id, call_id=None):
        """The desk holds nothing any more (only if it still holds ``call_id``)."""
        flt = {"_id": office_id}
        if call_id is not None:
            flt[f"call_{counter_id}"] = call_id
        self.halls.update_one(flt, {"$set": {f"call_{counter_id}": "", f"ticket_{counter_id}": "",
                                             f"busy_{counter_id}": 0.0}})

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

    def call(self, ticket_id, counter, call_id, now):
        """Call this ticket if it is still waiting (the condition that makes every
        ticket called once, however many clerks press at once); None otherwise."""
        return _revive(self.tickets.find_one_and_update(
            {"_id": ticket_id, "status": "waiting"},
            {"$set": {"status": "called", "counter_id": counter["id"], "counter_name": counter["name"],
                      "called_at": now, "call_id": call_id},
             "$inc": {"version": 1},
             # The "called" message, in the same atomic step as the call (services/queue/notify.py).
             "$push": {"outbox": notify.encode(notify.called_entry(call_id, counter["name"],
                                                                   now.timestamp()))}},
            return_document=ReturnDocument.AFTER))

    def transition(self, ticket_id, from_statuses, changes, inc=None):
        """Move a ticket on if it is still in one of ``from_statuses``; None otherwise."""
        status = {"$in": list(from_statuses)} if len(from_statuses) > 1 else from_statuses[0]
        return _revive(self.tickets.find_one_and_update(
            {"_id": ticket_id, "status": status},
            {"$set": changes, "$inc": {"version": 1, **(inc or {})}},
            return_document=ReturnDocument.AFTER))

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
