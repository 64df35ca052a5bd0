from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.accessibility import opendata
from services.accessibility.domain import KINDS, STATUSES, measurement_problems
from services.common.replies import always, maybe
from services.common.text import Text
from services.queue.schemas import OFFICE_ID, Names, NamesView


def measurement_errors(kind, measurements):
    """Typed measurements of ``kind`` as marshmallow errors, or None (see domain.MEASUREMENTS)."""
    errors = {}
    for field, message in measurement_problems(kind, measurements):
        errors.setdefault(field.split(".", 1)[-1], []).append(message)
    return {"measurements": errors} if errors else None


def _scalar(value):
    if isinstance(value, (dict, list)):
        raise ValidationError("a number, text or true/false")


# Measurements are stored as document keys: plain names (MongoDB refuses "", "." and "$"),
# and plain values.
MEASUREMENT_KEY = fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$",
                                                         error="lower-case letters, digits and _"))
MEASUREMENT_VALUE = fields.Raw(allow_none=True, validate=_scalar)


FACILITY_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{2,63}$"


class Facility(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=validate.Regexp(FACILITY_ID_PATTERN))
    office_id = fields.String(required=True, validate=OFFICE_ID)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    name = fields.Nested(Names, required=True)
    status = fields.String(load_default="unknown", validate=validate.OneOf(STATUSES))
    measurements = fields.Dict(keys=MEASUREMENT_KEY, values=MEASUREMENT_VALUE, load_default=dict)
    source = fields.String(load_default="office survey")
    verified_by = fields.String(load_default=None, allow_none=True)
    verified_at = fields.AwareDateTime(load_default=None, allow_none=True)

    @validates_schema
    def _typed_measurements(self, data, **kwargs):
        errors = measurement_errors(data["kind"], data.get("measurements", {}))
        if errors:
            raise ValidationError(errors)


class FacilityPatch(Schema):
    """Measurements are typed by the facility's kind, which the service knows."""

    class Meta:
        unknown = RAISE

    status = fields.String(validate=validate.OneOf(STATUSES))
    reason = Text(load_default="", validate=validate.Length(max=500), multiline=True)
    name = fields.Nested(Names)
    measurements = fields.Dict(keys=MEASUREMENT_KEY, values=MEASUREMENT_VALUE)


class ProblemReport(Schema):
    class Meta:
        unknown = RAISE

    description = Text(required=True, validate=validate.Length(min=5, max=1000), multiline=True)
    contact = Text(load_default=None, allow_none=True, validate=validate.Length(max=20))


class SearchQuery(Schema):
    """``needs`` is a comma-separated list (wheelchair, hearing, vision, ...)."""
    class Meta:
        unknown = RAISE

    needs = fields.String(load_default="", validate=validate.Length(max=200))
    open_now = fields.Boolean(load_default=False)


class ExportQuery(Schema):
    class Meta:
        unknown = RAISE

    format = fields.String(load_default="geojson", validate=validate.OneOf(tuple(opendata.FORMATS)))


# --- replies (services.common.replies.dumped; the OpenAPI document reads them) ---
SUMMARY_VALUES = validate.OneOf(("yes", "limited", "no", "unknown"))


class Summary(Schema):
    """OSM-style: wheelchair yes/limited/no/unknown, and the same for the others."""
    wheelchair = always(fields.String, validate=SUMMARY_VALUES)
    toilets_wheelchair = always(fields.String, validate=SUMMARY_VALUES)
    hearing = always(fields.String, validate=SUMMARY_VALUES)
    vision = always(fields.String, validate=SUMMARY_VALUES)
    tactile_paving = always(fields.String, validate=SUMMARY_VALUES)
    hearing_loop = always(fields.String, validate=SUMMARY_VALUES)
    priority_counter = always(fields.String, validate=SUMMARY_VALUES)


class FieldProblem(Schema):
    field = always(fields.String)
    message = always(fields.String)


class FacilityView(Schema):
    id = always(fields.String)
    office_id = always(fields.String)
    kind = always(fields.String, validate=validate.OneOf(KINDS))
    name = always(fields.Nested, NamesView)
    status = always(fields.String, validate=validate.OneOf(STATUSES))
    effective_status = always(fields.String, validate=validate.OneOf(STATUSES),
                              metadata={"description": "unknown when not verified for too long"})
    measurements = always(fields.Dict, keys=fields.String(), values=fields.Raw())
    source = always(fields.String)
    verified_by = maybe(fields.String)
    verified_at = maybe(fields.String)
    standard_issues = always(fields.List, fields.Nested(FieldProblem),
                             metadata={"description": "measurements below Permen PUPR 14/2017"})


class FacilityHistoryEntry(Schema):
    facility_id = always(fields.String)
    office_id = always(fields.String)
    at = always(fields.String)
    actor = always(fields.String)
    previous = maybe(fields.String, attribute="from", data_key="from",
                     validate=validate.OneOf(STATUSES))
    to = always(fields.String, validate=validate.OneOf(STATUSES))
    reason = always(fields.String)


class ReportReceipt(Schema):
    id = always(fields.String)
    facility_id = always(fields.String)
    state = always(fields.String)
    at = always(fields.String)


class ReportHistoryEntry(Schema):
    action = always(fields.String, metadata={"description": "contact_revealed or closed"})
    actor = always(fields.String)
    at = always(fields.String)


class ReportView(ReportReceipt):
    office_id = always(fields.String)
    description = always(fields.String)
    contact = maybe(fields.String, metadata={"description": "masked"})
    answer = fields.String(allow_none=True, metadata={"description": "once closed: seen by the citizen"})
    answered_at = fields.String(allow_none=True)
    history = fields.List(fields.Nested(ReportHistoryEntry),
                          metadata={"description": "every reveal of the contact and the closing, with who and when"})


class ReportAnswer(Schema):
    class Meta:
        unknown = RAISE

    answer = Text(required=True, validate=validate.Length(min=5, max=1000), multiline=True)


class RevealedContact(Schema):
    id = always(fields.String)
    contact = always(fields.String, metadata={"description": "in full: the reveal is recorded"})
    revealed_at = always(fields.String)
    revealed_by = always(fields.String)


class PublicReport(Schema):
    """A report as its citizen sees it by its number: never the contact."""
    id = always(fields.String)
    facility_id = always(fields.String)
    facility_name = maybe(fields.Nested, NamesView)
    office_id = always(fields.String)
    state = always(fields.String)
    at = always(fields.String)
    answer = maybe(fields.String)
    answered_at = maybe(fields.String)


class SearchResult(Schema):
    office_id = always(fields.String)
    name = always(fields.String)
    summary = always(fields.Nested, Summary)


class OfficeAccessibilityView(Schema):
    office_id = always(fields.String)
    facilities = always(fields.List, fields.Nested(FacilityView))
    summary = always(fields.Nested, Summary)


class ExportOffice(OfficeAccessibilityView):
    name = always(fields.String)
    latitude = maybe(fields.Float)
    longitude = maybe(fields.Float)


class ExportDocument(Schema):
    """The open-data export rendered (services/accessibility/opendata.py)."""
    media_type = always(fields.String)
    filename = always(fields.String)
    text = always(fields.String)
