"""Permit types as published service standards (PATEN): requirements, time, fee."""
from marshmallow import (RAISE, Schema, ValidationError, fields, pre_load, validate,
                         validates_schema)

from services.common.calendar import parse_iso_date
from services.common.replies import LOCAL_TIME, always, maybe
from services.common.text import Text
from services.permits.domain import KBLI_FORM, NIB_FORM, NIK_FORM, PERMIT_STATUSES, normalize_nik
from services.queue.schemas import CODE, OFFICE_ID, Names, NamesView

MAX_CALENDAR_DAYS = 400
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


class Strict(Schema):
    class Meta:
        unknown = RAISE


class AttributeValue(Strict):
    key = fields.String(required=True)
    name = fields.Nested(Names, required=True)


class Attribute(Strict):
    """An application question, in the style of Open311 GeoReport v2 service definitions."""
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$"))
    datatype = fields.String(required=True, validate=validate.OneOf(DATATYPES))
    required = fields.Boolean(load_default=True)
    description = fields.Nested(Names, required=True)
    order = fields.Integer(load_default=0)
    values = fields.List(fields.Nested(AttributeValue), load_default=list)
    pattern = fields.String(load_default=None, allow_none=True)
    # For numbers: the range the service standard allows (e.g. IUMK capital).
    minimum = fields.Float(load_default=None, allow_none=True)
    maximum = fields.Float(load_default=None, allow_none=True)

    @validates_schema
    def _range(self, data, **kwargs):
        low, high = data.get("minimum"), data.get("maximum")
        if low is not None and high is not None and low > high:
            raise ValidationError("must not be below minimum", "maximum")


class Document(Strict):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$"))
    name = fields.Nested(Names, required=True)
    required = fields.Boolean(load_default=True)
    formats = fields.List(fields.String(validate=validate.OneOf(("pdf", "jpeg", "png"))),
                          load_default=lambda: ["pdf", "jpeg", "png"])
    max_bytes = fields.Integer(load_default=2_000_000, validate=validate.Range(min=1, max=10_000_000))


class PermitType(Strict):
    code = fields.String(required=True, validate=CODE)
    name = fields.Nested(Names, required=True)
    description = fields.Nested(Names, required=True)
    legal_basis = fields.String(load_default="")
    sla_working_days = fields.Integer(required=True, validate=validate.Range(min=1, max=60))
    fee = fields.Integer(required=True, validate=validate.Range(min=0))  # Rupiah, integer
    # When the fee is a levy computed by a regional regulation (retribusi, pajak reklame).
    fee_note = fields.Nested(Names, load_default=None, allow_none=True)
    attributes = fields.List(fields.Nested(Attribute), load_default=list)
    documents = fields.List(fields.Nested(Document), load_default=list)


def _whole(form, error):
    """The whole text matches ``form``: marshmallow's Regexp uses re.match, where
    ``$`` lets a trailing newline through and ``\\d`` takes full-width digits."""
    def check(value):
        if not form.fullmatch(value):
            raise ValidationError(error)
    return check


class Applicant(Strict):
    nik = fields.String(required=True, validate=_whole(NIK_FORM, "must be 16 digits 0-9"))

    @pre_load
    def _typed_spaces(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("nik"), str):
            return {**data, "nik": normalize_nik(data["nik"])}
        return data
    name = Text(required=True, validate=validate.Length(min=2, max=120))
    phone = fields.String(required=True, validate=validate.Length(min=8, max=20))


class Business(Strict):
    name = Text(required=True, validate=validate.Length(min=2, max=160))
    address = Text(required=True, validate=validate.Length(min=5, max=300), multiline=True)
    kbli = fields.String(load_default=None, allow_none=True,
                         validate=_whole(KBLI_FORM, "KBLI codes have 5 digits 0-9"))
    nib = fields.String(load_default=None, allow_none=True,
                        validate=_whole(NIB_FORM, "an NIB has 13 digits 0-9"))


class Application(Strict):
    office_id = fields.String(required=True, validate=OFFICE_ID)
    permit_type = fields.String(required=True, validate=CODE)
    applicant = fields.Nested(Applicant, required=True)
    business = fields.Nested(Business, required=True)
    answers = fields.Dict(keys=fields.String(), load_default=dict)


class DueDateQuery(Strict):
    office_id = fields.String(required=True, validate=OFFICE_ID)
    submitted_at = fields.AwareDateTime(required=True)  # ISO 8601 with its offset


class CalendarQuery(Strict):
    """A span of at most 400 days (a year and its turn), dates as YYYY-MM-DD."""
    start = fields.String(required=True, data_key="from")
    end = fields.String(required=True, data_key="to")

    @validates_schema
    def _span(self, data, **kwargs):
        try:
            start, end = parse_iso_date(data["start"]), parse_iso_date(data["end"])
        except ValueError as err:
            raise ValidationError(str(err), "from" if not _is_date(data["start"]) else "to")
        if end < start:
            raise ValidationError("must not be before from", "to")
        if (end - start).days + 1 > MAX_CALENDAR_DAYS:
            raise ValidationError(f"at most {MAX_CALENDAR_DAYS} days from from", "to")
        data["start"], data["end"] = start, end


def _is_date(text):
    try:
        parse_iso_date(text)
        return True
    except ValueError:
        return False


class Transition(Strict):
    action = fields.String(required=True, validate=validate.Length(min=1, max=40))
    note = Text(load_default="", validate=validate.Length(max=1000), multiline=True)


class WorkListQuery(Strict):
    office_id = fields.String(required=True, validate=OFFICE_ID)
    status = fields.String(load_default=None, validate=validate.Length(max=40))
    overdue = fields.Boolean(load_default=None, allow_none=True)


class VerifyQuery(Strict):
    """The code printed beside the permit's QR code."""
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))


# --- replies (services.common.replies.dumped; the OpenAPI document reads them) ---
SLA_STATES = ("on_track", "due_soon", "overdue", "paused", "closed")


class AttributeView(Schema):
    code = always(fields.String)
    datatype = always(fields.String, validate=validate.OneOf(DATATYPES))
    required = always(fields.Boolean)
    description = always(fields.Nested, NamesView)
    order = always(fields.Integer)
    values = always(fields.List, fields.Nested(Schema.from_dict(
        {"key": always(fields.String), "name": always(fields.Nested, NamesView)}, name="AttributeValueView")))
    pattern = maybe(fields.String)
    minimum = maybe(fields.Float)
    maximum = maybe(fields.Float)


class DocumentView(Schema):
    code = always(fields.String)
    name = always(fields.Nested, NamesView)
    required = always(fields.Boolean)
    formats = always(fields.List, fields.String(validate=validate.OneOf(("pdf", "jpeg", "png"))))
    max_bytes = always(fields.Integer)


class PermitTypeView(Schema):
    """A published service standard: requirements, time, fee (Rupiah)."""
    code = always(fields.String)
    name = always(fields.Nested, NamesView)
    description = always(fields.Nested, NamesView)
    legal_basis = always(fields.String)
    sla_working_days = always(fields.Integer)
    fee = always(fields.Integer, metadata={"description": "Rupiah"})
    fee_note = maybe(fields.Nested, NamesView, metadata={"description": "when the fee is a regional levy"})
    attributes = always(fields.List, fields.Nested(AttributeView))
    documents = always(fields.List, fields.Nested(DocumentView))


class HistoryEntry(Schema):
    at = always(fields.String, metadata=LOCAL_TIME)
    action = always(fields.String)
    status = always(fields.String, validate=validate.OneOf(PERMIT_STATUSES))
    note = always(fields.String)


class PermitStaffView(Schema):
    """An application as staff see it: the applicant's NIK and phone masked."""
    tracking_code = always(fields.String)
    permit_type = always(fields.String)
    status = always(fields.String, validate=validate.OneOf(PERMIT_STATUSES))
    submitted_date = always(fields.String)
    due_date = always(fields.String)
    sla_state = always(fields.String, validate=validate.OneOf(SLA_STATES))
    applicant = always(fields.Nested, Schema.from_dict(
        {"name": always(fields.String), "nik": always(fields.String), "phone": always(fields.String)},
        name="ApplicantMasked"))
    business = always(fields.Dict)
    answers = always(fields.Dict)
    permit_number = maybe(fields.String)
    version = always(fields.Integer)
    documents = always(fields.Dict, keys=fields.String(), values=fields.Dict())
    working_days_left = maybe(fields.Integer, metadata={
        "description": "working days to the due date (negative: late); null when the clock is stopped"})
    history = fields.List(fields.Nested(Schema.from_dict(
        {"at": always(fields.String, metadata=LOCAL_TIME), "action": always(fields.String),
         "status": always(fields.String), "note": always(fields.String), "actor": always(fields.String)},
        name="StaffHistoryEntry")), metadata={"description": "one application: every step, notes and actors"})
    actions = fields.List(fields.Nested(Schema.from_dict(
        {"action": always(fields.String), "status": always(fields.String),
         "note_required": always(fields.Boolean)}, name="AllowedAction")),
        metadata={"description": "one application: what this staff member may do now"})
    approved_by = fields.String(allow_none=True)
    missing_documents = fields.List(fields.String())
    verification_code = fields.String(metadata={"description": "an issued permit's code (printed beside its QR)"})


class PermitStatus(Schema):
    """What anyone with the tracking code sees: no personal data beyond a masked name."""
    tracking_code = always(fields.String)
    office_id = always(fields.String)
    permit_type = always(fields.String)
    status = always(fields.String, validate=validate.OneOf(PERMIT_STATUSES))
    submitted_at = always(fields.String, metadata=LOCAL_TIME)
    due_date = always(fields.String)
    sla_paused = always(fields.Boolean)
    sla_state = always(fields.String, validate=validate.OneOf(SLA_STATES))
    applicant_name = always(fields.String)
    permit_number = maybe(fields.String)
    history = always(fields.List, fields.Nested(HistoryEntry))
    status_url = always(fields.String)
    documents = always(fields.List, fields.String())
    missing_documents = always(fields.List, fields.String())
    verify_url = fields.String(metadata={"description": "once issued"})
    staff_view = fields.Nested(PermitStaffView, metadata={
        "description": "for staff of the office: after a transition, or a GET with a staff token"})


class PermitApplied(PermitStatus):
    applicant_secret = always(fields.String, metadata={"description": "Shown once: proves the applicant"})


class AppliedReply(PermitApplied):
    replayed = always(fields.Boolean)


class DocumentReceipt(Schema):
    document = always(fields.String)
    format = always(fields.String, validate=validate.OneOf(("pdf", "jpeg", "png")))
    bytes = always(fields.Integer)
    sha256 = always(fields.String)
    missing = always(fields.List, fields.String(), metadata={"description": "required documents still missing"})


class Verification(Schema):
    """genuine false for anything not proven; ``reason`` says why."""
    permit_number = always(fields.String)
    genuine = always(fields.Boolean)
    valid = always(fields.Boolean)
    status = fields.String(validate=validate.OneOf(PERMIT_STATUSES))
    permit_type = fields.String()
    office_id = fields.String()
    holder = fields.String(metadata={"description": "masked"})
    business = fields.String()
    issued_date = fields.String(allow_none=True)
    reason = fields.String(validate=validate.OneOf(("genuine", "malformed", "not_found", "code_mismatch")),
                           metadata={"description": "malformed/not_found: check what was typed; "
                                                    "code_mismatch: the code is not this permit's"})


class DueDateView(Schema):
    """The due date by the service standard (day 1 = first working day after receipt)."""
    permit_type = always(fields.String)
    office_id = always(fields.String)
    received_on = always(fields.String, metadata={"description": "local date, YYYY-MM-DD"})
    sla_working_days = always(fields.Integer)
    due_date = always(fields.String, metadata={"description": "YYYY-MM-DD"})
    missing_years = always(fields.List, fields.Integer(),
                           metadata={"description": "years without cuti bersama data (counted as working)"})


class ClosedDay(Schema):
    date = always(fields.String)
    kind = always(fields.String, validate=validate.OneOf(("holiday", "cuti_bersama", "closure", "weekend")))
    name = always(fields.String)
    source = always(fields.String)


class OfficeCalendarView(Schema):
    office_id = always(fields.String)
    start = always(fields.String, data_key="from", attribute="from")
    end = always(fields.String, data_key="to", attribute="to")
    days = always(fields.List, fields.Nested(ClosedDay))
    missing_years = always(fields.List, fields.Integer())


class ApplicantSecretView(Schema):
    tracking_code = always(fields.String)
    applicant_secret = always(fields.String, metadata={"description": "the new secret; the old one no longer works"})


class DocumentContent(Schema):
    """An uploaded document for staff: the type checked at upload, base64 content."""
    document = always(fields.String)
    format = always(fields.String, validate=validate.OneOf(("pdf", "jpeg", "png")))
    sha256 = always(fields.String)
    content = always(fields.String)
