"""The accessibility service's MongoDB (db ``senja_accessibility``)."""
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common import idempotency
from services.common.mongo import MongoStore
from services.common.offices import OfficeDirectoryStore


class AccessibilityStore(MongoStore, OfficeDirectoryStore):
    def __init__(self, db):
        super().__init__(db)
        self.facilities = db.facilities
        self.history = db.facility_history

    def ensure_indexes(self):
        self.facilities.create_index([("office_id", ASCENDING)])
        self.history.create_index([("facility_id", ASCENDING), ("at", ASCENDING)])
        idempotency.ensure_indexes(self.db.idempotency)

    def put_facility(self, facility):
        previous = self.facilities.find_one_and_replace(
            {"_id": facility["id"]}, {"_id": facility["id"], **facility}, upsert=True)
        return previous

    def list_facilities(self, office_id):
        return list(self.facilities.find({"office_id": office_id}, {"_id": 0}).sort("id", ASCENDING))

    def get_facility(self, facility_id):
        return self.facilities.find_one({"_id": facility_id}, {"_id": 0})

    def record(self, entry):
        self.history.insert_one(entry)

    def history_of(self, facility_id):
        return list(self.history.find({"facility_id": facility_id}, {"_id": 0}).sort("at", ASCENDING))

    def claim_idempotency_key(self, key, facility_id, request, report_id, secret):
        return idempotency.claim(self.db.idempotency, secret, "report_problem", key,
                                 {"facility_id": facility_id, "report": request}, report_id)

    def add_report(self, report):
        """The stored report: this one, or the one already filed under its id (a retry)."""
        try:
            self.db.reports.insert_one({"_id": report["id"], **report})
            return report
        except DuplicateKeyError:
            return self.db.reports.find_one({"_id": report["id"]}, {"_id": 0})

    def get_report(self, report_id):
        return self.db.reports.find_one({"_id": report_id}, {"_id": 0})

    def update_report(self, report, changes, entry):
        """Sets ``changes`` and appends ``entry`` to the report's history in one update,
        only if nobody changed the report meanwhile (its version): the report or None."""
        version = report.get("version", 0)
        return self.db.reports.find_one_and_update(
            {"_id": report["id"], "version": version} if version else
            {"_id": report["id"], "version": {"$exists": False}},
            {"$set": {**changes, "history": [*(report.get("history") or []), entry],
                      "version": version + 1}},
            projection={"_id": 0}, return_document=ReturnDocument.AFTER)

    def reports_of(self, office_id):
        return list(self.db.reports.find({"office_id": office_id}, {"_id": 0}).sort("at", ASCENDING))

    def office_copies(self):
        return list(self.db.offices.find({}, {"_id": 0}).sort("office_id", ASCENDING))
