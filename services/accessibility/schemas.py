from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.accessibility.domain import KINDS, STATUSES, measurement_problems
from services.common.text import Text
from services.queue.schemas import OFFICE_ID, Names


def measurement_errors(kind, measurements):
    """Typed measurements of ``kind`` as marshmallow errors, or None (see domain.MEASUREMENTS)."""
    errors = {}
    for field, message in measurement_problems(kind, measurements):
        errors.setdefault(field.split(".", 1)[-1], []).append(message)
    return {"measurements": errors} if errors else None


class Facility(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{2,63}$"))
    office_id = fields.String(required=True, validate=OFFICE_ID)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    name = fields.Nested(Names, required=True)
    status = fields.String(load_default="unknown", validate=validate.OneOf(STATUSES))
    measurements = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)
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
    measurements = fields.Dict(keys=fields.String(validate=validate.Length(max=40)), values=fields.Raw())


class ProblemReport(Schema):
    class Meta:
        unknown = RAISE

    description = Text(required=True, validate=validate.Length(min=5, max=1000), multiline=True)
    contact = Text(load_default=None, allow_none=True, validate=validate.Length(max=20))
