"""Shapes of the queue service's configuration and RPC inputs."""
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.common.events import PRIORITY_REASONS
from services.common.calendar import TIMEZONES, validate_office_calendar
from services.common.text import Text

OFFICE_ID = validate.Regexp(r"^\d{2}\.\d{2}\.\d{2}$", error="must be a Kemendagri kecamatan code like 33.71.02")
CODE = validate.Regexp(r"^[A-Z][A-Z0-9_]{0,15}$", error="must be upper-case letters/digits")


class Strict(Schema):
    class Meta:
        unknown = RAISE


class Names(Strict):
    id = Text(required=True, validate=validate.Length(min=1, max=120))
    en = Text(required=True, validate=validate.Length(min=1, max=120))


class ServiceConfig(Strict):
    code = fields.String(required=True, validate=CODE)
    prefix = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{1,2}$"))
    name = fields.Nested(Names, required=True)
    daily_quota = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    typical_minutes = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0.5))


class CounterConfig(Strict):
    id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9-]{1,12}$"))
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
