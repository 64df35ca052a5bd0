"""The survey service's MongoDB (db ``senja_survey``).

``eligible``: who was served and may answer, keyed by the hash of the ticket's
token (the ``ticket_key`` of queue events) or of the permit's tracking code.
``answered``: the keys that have answered (one answer each). ``answers``: the
answers themselves under a random id, with the office, service, day and
session but no key, so an answer cannot be traced back to a ticket or permit.
"""
import uuid

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.common.mongo import MongoStore
from services.common.offices import OfficeDirectoryStore


class SurveyStore(MongoStore, OfficeDirectoryStore):
    def __init__(self, db):
        super().__init__(db)
        self.eligible = db.eligible
        self.answered = db.answered
        self.answers = db.answers

    def ensure_indexes(self):
        for coll in (self.eligible, self.answers, self.db.decisions):
            coll.create_index([("office_id", ASCENDING), ("local_date", ASCENDING)])

    def make_eligible(self, key, record):
        """Idempotent: a redelivered event changes nothing already there."""
        self.eligible.update_one({"_id": key}, {"$setOnInsert": record}, upsert=True)

    def eligibility(self, key):
        return self.eligible.find_one({"_id": key})

    def has_answered(self, key):
        return self.answered.find_one({"_id": key}) is not None

    def record_answer(self, key, answer):
        """False if this key has answered already. The key is claimed first;
        if the answer cannot be written the claim is released, so a failure
        leaves neither half."""
        try:
            self.answered.insert_one({"_id": key})
        except DuplicateKeyError:
            return False
        try:
            self.answers.insert_one({"_id": uuid.uuid4().hex, **answer})
        except Exception:
            self.answered.delete_one({"_id": key})
            raise
        return True

    def record_decision(self, tracking_code, decision):
        self.db.decisions.replace_one({"_id": tracking_code}, decision, upsert=True)

    def decisions_in(self, office_id, start, end, permit_type=None):
        query = self._span(office_id, start, end)
        if permit_type:
            query["permit_type"] = permit_type
        return list(self.db.decisions.find(query, {"_id": 0}))

    def _span(self, office_id, start, end, service=None, session=None):
        query = {"office_id": office_id, "local_date": {"$gte": start.isoformat(), "$lte": end.isoformat()}}
        if service:
            query["service"] = service
        if session:
            query["session"] = session
        return query

    def answers_in(self, office_id, start, end, service=None, session=None):
        return list(self.answers.find(self._span(office_id, start, end, service, session), {"_id": 0}))

    def comments_in(self, office_id, start, end, limit):
        """The latest answers' comments (not empty), newest day first."""
        query = {**self._span(office_id, start, end), "comment": {"$nin": ["", None]}}
        return list(self.answers.find(query, {"_id": 0, "local_date": 1, "session": 1, "service": 1,
                                              "comment": 1}).sort("local_date", -1).limit(limit))

    def population(self, office_id, start, end, service=None, session=None):
        return self.eligible.count_documents(self._span(office_id, start, end, service, session))
