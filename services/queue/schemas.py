"""Shapes of the queue service's configuration and RPC inputs."""
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.common.events import PRIORITY_REASONS, TICKET_STATUSES
from services.common.calendar import TIMEZONES, validate_office_calendar
from services.common.replies import LOCAL_TIME, always, maybe
from services.common.text import Text
from services.queue.domain import COUNTER_ACTIONS

OFFICE_ID_PATTERN = r"^\d{2}\.\d{2}\.\d{2}$"
CODE_PATTERN = r"^[A-Z][A-Z0-9_]{0,15}$"
COUNTER_ID_PATTERN = r"^[A-Za-z0-9-]{1,12}$"
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"  # a ticket's token (domain.ticket_token: 32 url-safe characters)
OFFICE_ID = validate.Regexp(OFFICE_ID_PATTERN, error="must be a Kemendagri kecamatan code like 33.71.02")
CODE = validate.Regexp(CODE_PATTERN, error="must be upper-case letters/digits")


class Strict(Schema):
    class Meta:
        unknown = RAISE


class Names(Strict):
    id = Text(required=True, validate=validate.Length(min=1, max=120))
    en = Text(required=True, validate=validate.Length(min=1, max=120))


class BookingConfig(Strict):
    """Slots of a service (services.queue.booking): the rest stays for walk-ins."""
    slot_minutes = fields.Integer(required=True, validate=validate.Range(min=5, max=240))
    per_slot = fields.Integer(required=True, validate=validate.Range(min=1, max=100))
    max_per_day = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    # The booking_reminder's lead before the slot (booking.DEFAULT_REMIND_MINUTES when absent).
    remind_minutes = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=24 * 60))


class ServiceConfig(Strict):
    code = fields.String(required=True, validate=CODE)
    prefix = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{1,2}$"))
    name = fields.Nested(Names, required=True)
    daily_quota = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    typical_minutes = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0.5))
    booking = fields.Nested(BookingConfig, load_default=None, allow_none=True)


class CounterConfig(Strict):
    id = fields.String(required=True, validate=validate.Regexp(COUNTER_ID_PATTERN))
    name = Text(required=True)
    services = fields.List(fields.String(validate=CODE), required=True,
                           validate=validate.Length(min=1))
    accessible = fields.Boolean(load_default=False)  # lowered priority counter


class Location(Strict):
    lat = fields.Float(required=True, validate=validate.Range(-11.5, 6.5))
    lon = fields.Float(required=True, validate=validate.Range(94.5, 141.5))


class Closure(Strict):
    # Text checked as strict YYYY-MM-DD by validate_office_calendar (fields.Date takes 20260817).
    date = fields.String(required=True)
    reason = Text(load_default="Closed")


class OfficeConfig(Strict):
    id = fields.String(required=True, validate=OFFICE_ID)
    name = fields.String(load_default=None)  # filled from the Kemendagri dataset
    region_path = fields.String(load_default="")
    timezone = fields.String(required=True, validate=validate.OneOf(TIMEZONES))
    address = Text(load_default="")
    location = fields.Nested(Location, load_default=None, allow_none=True)
    sessions = fields.Dict(keys=fields.String(), values=fields.List(fields.List(fields.String())),
                           required=True)
    cuti_bersama = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                               load_default=dict)
    closures = fields.List(fields.Nested(Closure), load_default=list)
    open_days = fields.List(fields.Nested(Closure), load_default=list)  # serves despite a holiday
    observe_national_holidays = fields.Boolean(load_default=True)
    priority_boost_minutes = fields.Integer(load_default=20, validate=validate.Range(min=0, max=240))
    max_recalls = fields.Integer(load_default=2, validate=validate.Range(min=0, max=10))
    services = fields.List(fields.Nested(ServiceConfig), required=True, validate=validate.Length(min=1))
    counters = fields.List(fields.Nested(CounterConfig), load_default=list)

    @validates_schema
    def _consistent(self, data, **kwargs):
        errors = {}
        for field, message in validate_office_calendar(data):
            errors.setdefault(field, []).append(message)
        codes = [s["code"] for s in data.get("services", [])]
        if len(set(codes)) != len(codes):
            errors["services"] = ["service codes must be unique"]
        prefixes = [s["prefix"] for s in data.get("services", [])]
        if len(set(prefixes)) != len(prefixes):
            errors.setdefault("services", []).append("service prefixes must be unique")
        for i, counter in enumerate(data.get("counters", [])):
            unknown = set(counter["services"]) - set(codes)
            if unknown:
                errors[f"counters.{i}.services"] = [f"unknown service {sorted(unknown)}"]
        if errors:
            raise ValidationError(errors)


class IssueTicket(Strict):
    service = fields.String(required=True, validate=validate.Length(min=1, max=16))
    priority_reason = fields.String(load_default=None, allow_none=True,
                                    validate=validate.OneOf(PRIORITY_REASONS))
    channel = fields.String(load_default="web", validate=validate.OneOf(("kiosk", "web", "counter")))


class CounterAction(Strict):
    """A clerk's action at a counter; ``transfer`` names the service to send the ticket to."""
    action = fields.String(required=True, validate=validate.OneOf(COUNTER_ACTIONS))
    to_service = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=16))

    @validates_schema
    def _transfer_needs_target(self, data, **kwargs):
        if data.get("action") == "transfer" and not data.get("to_service"):
            raise ValidationError({"to_service": ["required for transfer"]})


class NoticeRequest(Strict):
    text = Text(required=True, validate=validate.Length(min=1, max=280))
    hours = fields.Integer(load_default=12, validate=validate.Range(min=1, max=24 * 14))


class StatsQuery(Strict):
    date = fields.Date(required=True)


# --- replies ----------------------------------------------------------------
# What the queue service answers: each entrypoint dumps its reply through one of
# these (services.common.replies.dumped), and the gateway's OpenAPI document is
# written from them.


class NamesView(Schema):
    id = always(fields.String)
    en = always(fields.String)


class LocationView(Schema):
    lat = always(fields.Float)
    lon = always(fields.Float)


class SessionSpan(Schema):
    start = always(fields.String, metadata={"example": "16:00"})
    end = always(fields.String, metadata={"example": "21:00"})
    evening = always(fields.Boolean)


class TodaySession(Schema):
    start = always(fields.String, metadata=LOCAL_TIME)
    end = always(fields.String, metadata=LOCAL_TIME)
    evening = always(fields.Boolean)


class Today(Schema):
    date = always(fields.String, metadata={"description": "local date, YYYY-MM-DD"})
    sessions = always(fields.List, fields.Nested(TodaySession))
    holiday = maybe(fields.String)


class ServiceBrief(Schema):
    code = always(fields.String)
    name = always(fields.String)
    names = always(fields.Nested, NamesView)
    prefix = always(fields.String)


class OfficeService(ServiceBrief):
    bookable = always(fields.Boolean, metadata={"description": "offers slots to book ahead"})


class OfficeView(Schema):
    id = always(fields.String, metadata={"example": "33.71.02"})
    name = always(fields.String)
    region_path = always(fields.String)
    timezone = always(fields.String, validate=validate.OneOf(TIMEZONES))
    address = always(fields.String)
    location = maybe(fields.Nested, LocationView)
    open_now = always(fields.Boolean)
    closes_at = maybe(fields.String, metadata=LOCAL_TIME)
    evening_service = always(fields.Boolean)
    sessions = always(fields.Dict, keys=fields.String(), values=fields.List(fields.Nested(SessionSpan)),
                       metadata={"description": "Weekly sessions by weekday (mon…sun)"})
    today = always(fields.Nested, Today)
    next_session = maybe(fields.String, metadata=LOCAL_TIME)
    services = always(fields.List, fields.Nested(OfficeService))
    max_recalls = always(fields.Integer, metadata={
        "description": "recalls a called ticket gets; the next recall marks it a no-show"})


class ServiceView(ServiceBrief):
    open_now = always(fields.Boolean)
    waiting = always(fields.Integer)
    counters_open = always(fields.Integer)
    daily_quota = maybe(fields.Integer)
    issued_today = always(fields.Integer)
    estimated_wait_minutes = maybe(fields.Integer)


class TicketView(Schema):
    """What a citizen sees of a ticket (domain.status_view)."""
    id = always(fields.String)
    number = always(fields.String, metadata={"example": "A-001"})
    office_id = always(fields.String)
    service = always(fields.String)
    status = always(fields.String, validate=validate.OneOf(TICKET_STATUSES))
    priority_reason = maybe(fields.String, validate=validate.OneOf(PRIORITY_REASONS))
    people_ahead = always(fields.Integer)
    estimated_wait_minutes = maybe(fields.Integer)
    estimate_available = maybe(fields.Boolean)
    counter = maybe(fields.String)
    counter_name = maybe(fields.String)
    from_service = maybe(fields.String)
    called_at = maybe(fields.String, metadata=LOCAL_TIME)
    issued_at = maybe(fields.String, metadata=LOCAL_TIME)
    recalls = always(fields.Integer)
    version = always(fields.Integer)


class IssuedTicket(TicketView):
    token = always(fields.String)
    replayed = always(fields.Boolean, metadata={"description": "an Idempotency-Key seen before"})


class CounterCurrent(Schema):
    number = always(fields.String)
    service = always(fields.String)
    status = always(fields.String, validate=validate.OneOf(TICKET_STATUSES))
    recalls = always(fields.Integer)
    priority_reason = maybe(fields.String, validate=validate.OneOf(PRIORITY_REASONS))


class CounterView(Schema):
    id = always(fields.String)
    name = always(fields.String)
    services = always(fields.List, fields.String())
    open = always(fields.Boolean)
    accessible = always(fields.Boolean)
    current = maybe(fields.Nested, CounterCurrent)


class CounterActionResult(Schema):
    counter = always(fields.Nested, CounterView)
    ticket = maybe(fields.Nested, TicketView)
    action = always(fields.String)


class WaitingEntry(Schema):
    number = always(fields.String)
    service = always(fields.String)
    priority_reason = maybe(fields.String, validate=validate.OneOf(PRIORITY_REASONS))
    from_service = maybe(fields.String)
    waited_minutes = always(fields.Integer)


class BoardCall(Schema):
    number = always(fields.String)
    service = always(fields.String)
    status = always(fields.String, validate=validate.OneOf(TICKET_STATUSES))
    counter_id = maybe(fields.String)
    counter_name = maybe(fields.String)
    called_at = always(fields.String, metadata=LOCAL_TIME)
    recalls = always(fields.Integer)
    version = always(fields.Integer)


class BoardWaiting(Schema):
    service = always(fields.String)
    name = always(fields.String)
    names = always(fields.Nested, NamesView)
    waiting = always(fields.Integer)


class BoardCounter(Schema):
    id = always(fields.String)
    name = always(fields.String)
    open = always(fields.Boolean)


class BoardNotice(Schema):
    id = always(fields.String)
    text = always(fields.String)
    kind = always(fields.String)
    facility_kind = maybe(fields.String, metadata={"description": "an accessibility notice: the facility's kind"})
    facility_status = maybe(fields.String, metadata={"description": "an accessibility notice: broken, under_maintenance or removed"})


class BoardView(Schema):
    office_id = always(fields.String)
    name = always(fields.String)
    generated_at = always(fields.String, metadata=LOCAL_TIME)
    open_now = always(fields.Boolean)
    calls = always(fields.List, fields.Nested(BoardCall))
    waiting = always(fields.List, fields.Nested(BoardWaiting))
    counters = always(fields.List, fields.Nested(BoardCounter))
    notices = always(fields.List, fields.Nested(BoardNotice))


class StatsFigures(Schema):
    issued = always(fields.Integer)
    served = always(fields.Integer)
    no_shows = always(fields.Integer)
    cancelled = always(fields.Integer)
    mean_wait_minutes = maybe(fields.Float)
    p90_wait_minutes = maybe(fields.Float)
    p50_wait_minutes = maybe(fields.Float)
    mean_service_minutes = maybe(fields.Float)
    p90_service_minutes = maybe(fields.Float)


class StatsHour(StatsFigures):
    hour = always(fields.Integer, validate=validate.Range(0, 23))


class StatsView(StatsFigures):
    office_id = always(fields.String)
    date = always(fields.String, metadata={"description": "YYYY-MM-DD"})
    per_hour = always(fields.List, fields.Nested(StatsHour))
    per_session = always(fields.Dict, keys=fields.String(), values=fields.Nested(StatsFigures),
                          metadata={"description": "day / evening"})


class NoticeView(Schema):
    id = always(fields.String)
    office_id = always(fields.String)
    text = always(fields.String)
    kind = always(fields.String)
    actor = always(fields.String)
