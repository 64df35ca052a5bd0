"""The queue service's MongoDB (db ``senja_queue``)."""
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError


class QueueStore:
    def __init__(self, db):
        self.db = db
        self.offices = db.offices
        self.tickets = db.tickets
        self.serials = db.serials
        self.counters = db.counters
        self.history = db.history
        self.idempotency = db.idempotency

    def ensure_indexes(self):
        self.tickets.create_index(
            [("office_id", ASCENDING), ("service", ASCENDING),
             ("local_date", ASCENDING), ("serial", ASCENDING)], unique=True)
        self.tickets.create_index([("ticket_key", ASCENDING)], unique=True)
        self.tickets.create_index(
            [("office_id", ASCENDING), ("status", ASCENDING), ("sort_key", ASCENDING)])
        self.tickets.create_index([("office_id", ASCENDING), ("local_date", ASCENDING)])
        self.history.create_index([("ticket_id", ASCENDING), ("at", ASCENDING)])
        self.counters.create_index([("office_id", ASCENDING)])

    def ping(self):
        try:
            self.db.command("ping")
            return True
        except PyMongoError:
            return False

    # offices -------------------------------------------------------------
    def put_office(self, office):
        self.offices.replace_one({"_id": office["id"]}, {"_id": office["id"], **office},
                                 upsert=True)

    def get_office(self, office_id):
        doc = self.offices.find_one({"_id": office_id})
        if doc:
            doc.pop("_id")
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
        return self.tickets.find_one({"_id": ticket_id})

    def find_ticket_by_key(self, ticket_key):
        return self.tickets.find_one({"ticket_key": ticket_key})

    def tickets_of_day(self, office_id, local_date):
        return self.tickets.find({"office_id": office_id, "local_date": local_date})

    def count_ahead(self, office_id, service, local_date, sort_key):
        return self.tickets.count_documents({
            "office_id": office_id, "service": service, "local_date": local_date,
            "status": "waiting", "sort_key": {"$lt": sort_key}})

    def count_waiting(self, office_id, service, local_date):
        return self.tickets.count_documents({
            "office_id": office_id, "service": service, "local_date": local_date,
            "status": "waiting"})

    def recent_service_seconds(self, office_id, service, limit=20):
        docs = self.tickets.find(
            {"office_id": office_id, "service": service, "status": "done",
             "service_seconds": {"$gt": 0}},
            {"service_seconds": 1}).sort("completed_at", -1).limit(limit)
        return [d["service_seconds"] for d in docs][::-1]

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
                      "name": counter["name"], "services": counter["services"]},
             "$setOnInsert": {"open": False, "current_ticket_id": ""}},
            upsert=True)

    def list_counters(self, office_id):
        return list(self.counters.find({"office_id": office_id}).sort("counter_id", 1))

    def counters_open_for(self, office_id, service):
        return self.counters.count_documents(
            {"office_id": office_id, "services": service, "open": True})
