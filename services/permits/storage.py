"""The permits service's MongoDB (db ``senja_permits``)."""
from pymongo import ASCENDING
from pymongo.errors import PyMongoError

from services.common.offices import OfficeDirectoryStore


class PermitStore(OfficeDirectoryStore):
    def __init__(self, db):
        self.db = db
        self.types = db.permit_types

    def ensure_indexes(self):
        self.types.create_index([("order", ASCENDING)])

    def ping(self):
        try:
            self.db.command("ping")
            return True
        except PyMongoError:
            return False

    def put_type(self, permit_type):
        self.types.replace_one({"_id": permit_type["code"]},
                               {"_id": permit_type["code"], **permit_type}, upsert=True)

    def list_types(self):
        return list(self.types.find({}, {"_id": 0}).sort("code", ASCENDING))

    def get_type(self, code):
        return self.types.find_one({"_id": code}, {"_id": 0})
