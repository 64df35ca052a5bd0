"""Permit types as published service standards (PATEN): requirements, time, fee."""
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.common.calendar import parse_iso_date

from services.queue.schemas import CODE, OFFICE_ID, Names

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
    attributes = fields.List(fields.Nested(Attribute), load_default=list)
    documents = fields.List(fields.Nested(Document), load_default=list)


class Applicant(Strict):
    nik = fields.String(required=True, validate=validate.Length(equal=16))
    name = fields.String(required=True, validate=validate.Length(min=2, max=120))
    phone = fields.String(required=True, validate=validate.Length(min=8, max=20))


class Business(Strict):
    name = fields.String(required=True, validate=validate.Length(min=2, max=160))
    address = fields.String(required=True, validate=validate.Length(min=5, max=300))
    kbli = fields.String(load_default=None, allow_none=True,
                         validate=validate.Regexp(r"^\d{5}$", error="KBLI codes have 5 digits"))
    nib = fields.String(load_default=None, allow_none=True,
                        validate=validate.Regexp(r"^\d{13}$", error="an NIB has 13 digits"))


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
    note = fields.String(load_default="", validate=validate.Length(max=1000))
