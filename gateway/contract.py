"""What each JSON operation promises, declared on its responder.

``@operation(...)`` puts an ``Operation`` on the responder; gateway/openapi.py
reads it (and the resource's ``access`` and rate-limit rules) to write the
OpenAPI document. The request schema is the one the code loads: a client
method (``QueueClient.issue_ticket``) whose ``request_schema`` its
``@loads`` set, or a schema the resource loads itself. Replies are the
marshmallow schemas the services dump through (services/*/schemas.py).
"""
import falcon

API = "/api/v1"
JSON = falcon.MEDIA_JSON
GEOJSON = "application/geo+json"
CSV = "text/csv"
PDF = "application/pdf"


class Many:
    """A JSON array of ``schema``."""

    def __init__(self, schema):
        self.schema = schema


class Operation:
    def __init__(self, summary, replies, body=None, query=None, conflicts=False, parameters=(),
                 tags=(), description=None, body_media=JSON, staff_optional=False, too_large=False, refusals=()):
        self.summary = summary
        # {status: schema | Many(schema) | None (no body) | {media type: schema or OpenAPI dict}}
        self.replies = replies
        self.body = body                # client method or schema: the JSON body loaded
        self.query = query              # client method or schema: the query string loaded
        self.conflicts = conflicts      # 409 is a possible answer (state, quota, closed...)
        self.parameters = tuple(parameters)  # headers and other parameters read (OpenAPI objects)
        self.tags = tuple(tags)
        self.description = description
        self.body_media = body_media
        self.staff_optional = staff_optional  # reads a staff token when one is sent (401/403)
        self.too_large = too_large      # 413 beyond an upload limit
        self.refusals = tuple(refusals)  # other problem statuses of its own (401 for a wrong password)

    @staticmethod
    def schema_of(source):
        """A client method's request schema, or the schema itself."""
        return getattr(source, "request_schema", source)


def operation(summary, replies, **kwargs):
    op = Operation(summary, replies, **kwargs)

    def mark(responder):
        responder.operation = op
        return responder
    return mark


def declared(resource, method):
    """The Operation of ``resource``'s responder for ``method``, or None."""
    responder = getattr(type(resource), f"on_{method.lower()}", None)
    return getattr(responder, "operation", None)


# Request headers more than one operation reads.
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9._:-]{8,128}$"
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "A retry with the same key returns the first result (Idempotent-Replayed: true)",
    "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN}}
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False,
                 "description": "The ETag of the last answer: 304 when unchanged",
                 "schema": {"type": "string"}}
KIOSK_KEY = {"name": "X-Kiosk-Key", "in": "header", "required": False,
             "description": "A staff-provisioned kiosk key for this office: the kiosk's higher rate limit",
             "schema": {"type": "string"}}
APPLICANT_SECRET = {"name": "X-Applicant-Secret", "in": "header", "required": False,
                    "description": "The applicant's secret, given once when applying",
                    "schema": {"type": "string", "maxLength": 128}}
