"""Shapes of booking requests and replies (services.queue.booking)."""
from marshmallow import Schema, ValidationError, fields, validate

from services.common.events import PRIORITY_REASONS
from services.common.replies import LOCAL_TIME, always, maybe
from services.queue.booking import STATUSES
from services.queue.schemas import IssuedTicket, Strict


def _this_millennium(value):
    # Far-off years would overflow once moved to the office's zone (year 9999 -> 10000).
    if not 2000 <= value.year <= 2999:
        raise ValidationError("not a time a slot can start")


class BookSlot(Strict):
    service = fields.String(required=True, validate=validate.Length(min=1, max=16))
    slot_start = fields.AwareDateTime(required=True, validate=_this_millennium, metadata={
        "description": "the slot's start as GET …/slots gives it (ISO 8601 with offset)"})
    priority_reason = fields.String(load_default=None, allow_none=True,
                                    validate=validate.OneOf(PRIORITY_REASONS))
    # Kept for a reminder (sent by the notifications side); shown masked, never logged.
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=8, max=20))


class SlotsQuery(Strict):
    service = fields.String(required=True, validate=validate.Length(min=1, max=16))
    date = fields.Date(required=True)


class BookingsQuery(Strict):
    date = fields.Date(required=True)


class KioskCheckIn(Strict):
    code = fields.String(required=True, validate=validate.Length(min=4, max=16))


class SlotView(Schema):
    start = always(fields.String, metadata=LOCAL_TIME)
    end = always(fields.String, metadata=LOCAL_TIME)
    capacity = always(fields.Integer)
    free = always(fields.Integer)


class BookingView(Schema):
    code = always(fields.String, metadata={"description": "short code for the kiosk, 8 characters"})
    office_id = always(fields.String)
    service = always(fields.String)
    status = always(fields.String, validate=validate.OneOf(STATUSES))
    slot_start = always(fields.String, metadata=LOCAL_TIME)
    slot_end = always(fields.String, metadata=LOCAL_TIME)
    check_in_from = always(fields.String, metadata=LOCAL_TIME)
    check_in_until = always(fields.String, metadata=LOCAL_TIME)
    priority_reason = maybe(fields.String, validate=validate.OneOf(PRIORITY_REASONS))
    phone = maybe(fields.String, metadata={"description": "masked"})
    ticket_number = maybe(fields.String)


class BookedSlot(BookingView):
    token = always(fields.String)
    replayed = always(fields.Boolean, metadata={"description": "an Idempotency-Key seen before"})


class CheckedIn(IssuedTicket):
    """The ticket a check-in made: the shape POST …/tickets answers."""
