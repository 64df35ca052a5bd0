"""The permits service's MongoDB (db ``senja_permits``; documents in GridFS)."""
import gridfs
from bson import ObjectId
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common import idempotency
from services.common.mongo import MongoStore
from services.common.offices import OfficeDirectoryStore


class PermitStore(MongoStore, OfficeDirectoryStore):
    def __init__(self, db):
        super().__init__(db)
        self.files = gridfs.GridFS(db, collection="documents")
        self.types = db.permit_types
        self.permits = db.permits
        self.history = db.permit_history

    def ensure_indexes(self):
        self.permits.create_index([("office_id", ASCENDING), ("status", ASCENDING)])
        self.permits.create_index([("applicant.nik_hash", ASCENDING)])
        self.permits.create_index([("permit_number", ASCENDING)])
        self.history.create_index([("tracking_code", ASCENDING), ("at", ASCENDING)])
        idempotency.ensure_indexes(self.db.idempotency)

    # permit types ----------------------------------------------------------
    def put_type(self, permit_type):
        self.types.replace_one({"_id": permit_type["code"]},
                               {"_id": permit_type["code"], **permit_type}, upsert=True)

    def list_types(self):
        return list(self.types.find({}, {"_id": 0}).sort("code", ASCENDING))

    def get_type(self, code):
        return self.types.find_one({"_id": code}, {"_id": 0})

    # applications ----------------------------------------------------------
    def claim_idempotency_key(self, key, tracking_code, request, secret):
        return idempotency.claim(self.db.idempotency, secret, "apply", key, request, tracking_code)

    def insert(self, permit):
        """False when the tracking code is taken (the caller draws another)."""
        try:
            self.permits.insert_one(permit)
            return True
        except DuplicateKeyError:
            return False

    def get(self, tracking_code):
        return self.permits.find_one({"_id": tracking_code})

    def by_number(self, permit_number):
        return self.permits.find_one({"permit_number": permit_number})

    def transition(self, tracking_code, version, changes):
        """Optimistic: applies only if nobody changed the permit since ``version``."""
        return self.permits.find_one_and_update(
            {"_id": tracking_code, "version": version},
            {"$set": changes, "$inc": {"version": 1}}, return_document=ReturnDocument.AFTER)

    def save_file(self, content, filename, **metadata):
        return str(self.files.put(content, filename=filename, metadata=metadata))

    def delete_file(self, file_id):
        self.files.delete(ObjectId(file_id))

    def read_file(self, file_id):
        return self.files.get(ObjectId(file_id)).read()

    def next_number_serial(self, office_id, permit_type, year):
        doc = self.db.serials.find_one_and_update(
            {"_id": f"{office_id}|{permit_type}|{year}"}, {"$inc": {"seq": 1}}, upsert=True,
            return_document=ReturnDocument.AFTER)
        return doc["seq"]

    def work_list(self, office_id, statuses=None):
        query = {"office_id": office_id}
        if statuses:
            query["status"] = {"$in": list(statuses)}
        return list(self.permits.find(query).sort("submitted_at", ASCENDING))

    def record(self, entry):
        self.history.insert_one(entry)

    def history_of(self, tracking_code):
        return list(self.history.find({"tracking_code": tracking_code}, {"_id": 0}).sort("at", ASCENDING))
