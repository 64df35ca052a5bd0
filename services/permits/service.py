"""Permits service entrypoints (G2B business permits)."""
from marshmallow import ValidationError
from nameko.events import EventDispatcher
from nameko.rpc import rpc

from services.common.errors import Invalid, NotFound, ServiceError, marshmallow_errors
from services.common.mongo import Storage
from services.common.observability import Observable
from services.common.offices import FollowsOffices
from services.permits.schemas import PermitType
from services.permits.storage import PermitStore

EXPECTED = (ServiceError,)


class PermitsService(Observable, FollowsOffices):
    name = "permits"

    store = Storage(PermitStore, "senja_permits")
    dispatch = EventDispatcher()

    @rpc(expected_exceptions=EXPECTED)
    def put_permit_type(self, permit_type):
        try:
            data = PermitType().load(permit_type)
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages), "Invalid permit type")
        self.store.put_type(data)
        return data

    @rpc
    def list_permit_types(self):
        return self.store.list_types()

    @rpc(expected_exceptions=EXPECTED)
    def get_permit_type(self, code):
        found = self.store.get_type(code)
        if found is None:
            raise NotFound(f"Unknown permit type {code}")
        return found
