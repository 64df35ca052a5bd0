"""The permits service's MongoDB (db ``senja_permits``)."""
from pymongo import ASCENDING

from services.common.mongo import MongoStore
from services.common.offices import OfficeDirectoryStore


class PermitStore(MongoStore, OfficeDirectoryStore):
    def __init__(self, db):
        super().__init__(db)
        self.types = db.permit_types

    def ensure_indexes(self):
        self.types.create_index([("order", ASCENDING)])

    def put_type(self, permit_type):
        self.types.replace_one({"_id": permit_type["code"]},
                               {"_id": permit_type["code"], **permit_type}, upsert=True)

    def list_types(self):
        return list(self.types.find({}, {"_id": 0}).sort("code", ASCENDING))

    def get_type(self, code):
        return self.types.find_one({"_id": code}, {"_id": 0})
