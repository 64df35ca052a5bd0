"""Every event that crosses a service boundary, with its payload schema.

Publishers call ``publish`` and handlers call ``load`` with the same schema,
so the two sides cannot drift apart. Payloads never carry personal data:
tickets are referred to by the hash of their token, applicants not at all.
"""
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

TICKET_STATUSES = ("waiting", "called", "serving", "done", "no_show",
                   "cancelled", "transferred")
PRIORITY_REASONS = ("disability", "elderly", "pregnant", "child")


class _Event(Schema):
    class Meta:
        unknown = RAISE  # a publisher may not invent fields

    at = fields.AwareDateTime(required=True)
    actor = fields.String(required=True)  # "citizen", "kiosk", "staff:<username>", "system"
    request_id = fields.String(load_default=None, allow_none=True)


class Ticket(_Event):
    ticket_id = fields.String(required=True)
    ticket_key = fields.String(required=True, validate=validate.Length(equal=64))
    office_id = fields.String(required=True)
    service = fields.String(required=True)
    number = fields.String(required=True)
    local_date = fields.Date(required=True)
    serial = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(TICKET_STATUSES))
    priority_reason = fields.String(load_default=None, allow_none=True,
                                    validate=validate.OneOf(PRIORITY_REASONS))
    issued_at = fields.AwareDateTime(required=True)
    queued_at = fields.AwareDateTime(required=True)  # place in time; kept on transfer
    called_at = fields.AwareDateTime(load_default=None, allow_none=True)
    counter_id = fields.String(load_default=None, allow_none=True)
    counter_name = fields.String(load_default=None, allow_none=True)
    recalls = fields.Integer(load_default=0)
    from_service = fields.String(load_default=None, allow_none=True)
    channel = fields.String(load_default="web")
    version = fields.Integer(required=True)  # grows with every change of this ticket
    sort_key = fields.Float(required=True)  # place in the call order (services.queue.domain)
    # Epoch seconds when the session it was issued in ends: callable until then.
    session_end = fields.Float(load_default=None, allow_none=True)
    # The service's load when this happened, so read models can estimate waits.
    avg_service_seconds = fields.Float(load_default=None, allow_none=True)
    counters_open = fields.Integer(load_default=0)


class ServiceLoad(Schema):
    avg_service_seconds = fields.Float(load_default=None, allow_none=True)
    counters_open = fields.Integer(required=True)


class Counter(_Event):
    office_id = fields.String(required=True)
    counter_id = fields.String(required=True)
    services = fields.List(fields.String(), required=True)
    loads = fields.Dict(keys=fields.String(), values=fields.Nested(ServiceLoad), load_default=dict)


class OfficeDay(Schema):
    date = fields.String(required=True)  # YYYY-MM-DD
    reason = fields.String(load_default="")


class Office(_Event):
    office_id = fields.String(required=True)
    name = fields.String(required=True)
    timezone = fields.String(required=True)
    address = fields.String(load_default="")
    latitude = fields.Float(load_default=None, allow_none=True)
    longitude = fields.Float(load_default=None, allow_none=True)
    region_path = fields.String(load_default="")
    # What other services need of the calendar (services.common.calendar.calendar_facts):
    # working days for permit SLAs and the office calendar view.
    sessions = fields.Dict(keys=fields.String(), values=fields.List(fields.List(fields.String())),
                           load_default=dict)
    cuti_bersama = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                               load_default=dict)
    closures = fields.List(fields.Nested(OfficeDay), load_default=list)
    open_days = fields.List(fields.Nested(OfficeDay), load_default=list)
    observe_national_holidays = fields.Boolean(load_default=True)


class Notice(Schema):
    id = fields.String(required=True)
    text = fields.String(required=True)
    kind = fields.String(required=True)
    until = fields.AwareDateTime(required=True)
    # A facility's notice carries what pages need to say it in their own language.
    facility_kind = fields.String(load_default=None, allow_none=True)
    facility_status = fields.String(load_default=None, allow_none=True)


class Notices(_Event):
    """An office's notices for its board, all of them, after any change."""
    office_id = fields.String(required=True)
    notices = fields.List(fields.Nested(Notice), required=True)


class FacilityStatus(_Event):
    facility_id = fields.String(required=True)
    office_id = fields.String(required=True)
    kind = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True)
    previous_status = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default="")


class Permit(_Event):
    tracking_code = fields.String(required=True)
    office_id = fields.String(required=True)
    permit_type = fields.String(required=True)
    status = fields.String(required=True)
    due_date = fields.Date(load_default=None, allow_none=True)


class Booking(_Event):
    """A booking's change (services.queue.booking); the phone never travels, only
    whether there is one to remind."""
    booking_id = fields.String(required=True)
    booking_key = fields.String(required=True, validate=validate.Length(equal=64))
    office_id = fields.String(required=True)
    service = fields.String(required=True)
    slot_start = fields.AwareDateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ("booked", "checked_in", "cancelled", "no_show")))
    has_phone = fields.Boolean(load_default=False)
    ticket_number = fields.String(load_default=None, allow_none=True)


# name -> (source service, schema). Event names are the routing keys.
EVENTS = {
    "ticket_issued": ("queue", Ticket),
    "ticket_called": ("queue", Ticket),
    "ticket_recalled": ("queue", Ticket),
    "ticket_started": ("queue", Ticket),
    "ticket_completed": ("queue", Ticket),
    "ticket_no_show": ("queue", Ticket),
    "ticket_no_show_undone": ("queue", Ticket),  # back at the counter that marked it (counter_actions.undo_no_show)
    "ticket_transferred": ("queue", Ticket),
    "ticket_cancelled": ("queue", Ticket),
    "counter_opened": ("queue", Counter),
    "counter_closed": ("queue", Counter),
    "office_updated": ("queue", Office),
    "notices_changed": ("queue", Notices),
    "booking_made": ("queue", Booking),
    "booking_cancelled": ("queue", Booking),
    "booking_checked_in": ("queue", Booking),
    "booking_no_show": ("queue", Booking),
    "facility_status_changed": ("accessibility", FacilityStatus),
    "permit_submitted": ("permits", Permit),
    "permit_status_changed": ("permits", Permit),
}

TICKET_EVENTS = tuple(n for n, (_, s) in EVENTS.items() if s is Ticket)
_SCHEMAS = {name: schema() for name, (_, schema) in EVENTS.items()}
_LOADERS = {name: schema(unknown=EXCLUDE) for name, (_, schema) in EVENTS.items()}


def source(name):
    return EVENTS[name][0]


def dump(name, payload):
    """Validate an outgoing payload and turn it into JSON-safe data."""
    schema = _SCHEMAS[name]
    data = schema.dump(payload)
    errors = schema.validate(data)
    if errors:
        raise ValueError(f"event {name} payload invalid: {errors}")
    return data


def load(name, data):
    """Parse an incoming payload. Unknown fields (from a newer publisher) are ignored."""
    return _LOADERS[name].load(data)


def publish(dispatch, name, payload):
    dispatch(name, dump(name, payload))
