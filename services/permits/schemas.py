"""Permit types as published service standards (PATEN): requirements, time, fee."""
from marshmallow import (RAISE, Schema, ValidationError, fields, pre_load, validate,
                         validates_schema)

from services.common.calendar import parse_iso_date
from services.common.text import Text
from services.permits.domain import KBLI_FORM, NIB_FORM, NIK_FORM, normalize_nik
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
