"""Input through marshmallow: the one place a failed load becomes a 422.

Clients load what they send with the services' own schemas; the few gateway
inputs (staff login) use the same function. Failures are ``Invalid`` with
``[{field, message}]``, which the API's error handler writes as problem+json.
"""
from marshmallow import ValidationError

from gateway.clients.errors import Invalid
from services.common.errors import marshmallow_errors


def load(schema, data, where="body"):
    """``schema.load(data)``, or Invalid naming each field and what is wrong."""
    if not isinstance(data, dict):
        raise Invalid.fields([(where, "must be a JSON object")])
    try:
        return schema.load(data)
    except ValidationError as err:
        raise Invalid.fields(marshmallow_errors(err.messages)) from None
