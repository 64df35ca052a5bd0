"""Request bodies and query strings through marshmallow; failures become 422."""
from marshmallow import ValidationError

from gateway.errors import invalid
from services.common.errors import marshmallow_errors


def load(schema, data):
    if not isinstance(data, dict):
        raise invalid([("body", "must be a JSON object")])
    try:
        return schema.load(data)
    except ValidationError as err:
        raise invalid(marshmallow_errors(err.messages))


def body(req, schema):
    return load(schema, req.get_media())
