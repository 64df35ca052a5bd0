"""The OpenAPI document, served at GET /api/v1/openapi.json.

Built with apispec from what the app really has, so it cannot drift quietly:

- the paths are the app's own routes (every non-internal responder under
  /api/v1, plus /healthz and /readyz), read from Falcon's router;
- request bodies and query strings are the marshmallow schemas the
  resources load (``OPERATIONS`` below names them), response bodies are the
  schemas defined here after what the services return
  (services/queue/service.py, ``domain.status_view``);
- who may call an operation comes from the resources' ``access`` rules
  (gateway/auth.py), and rate limits from their ``rate_limit`` rules
  (gateway/ratelimit.py): no hand-kept list;
- path parameters carry their patterns (office ids ``^\\d{2}\\.\\d{2}\\.\\d{2}$``).

A route without an entry in ``OPERATIONS`` still appears, with its access
rule, its path parameters, problem+json errors and a JSON response of any
shape, so a new route is described (loosely) the moment it is added.
Response schemas allow extra properties: API.md lets fields be added.
"""
import inspect

import falcon
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import EXCLUDE, Schema, fields, validate

from gateway import ratelimit
from gateway.auth import ROLES, Rule
from gateway.resources.counters import Action, Notice, StatsQuery
from gateway.resources.staff import Credentials
from gateway.resources.tickets import IssueRequest
from services.common.events import PRIORITY_REASONS
from services.queue.domain import COUNTER_ACTIONS
from services.queue.schemas import OfficeConfig

API = "/api/v1"
TITLE = "Senja"
VERSION = "1.0.0"
OPENAPI_VERSION = "3.0.3"
PROBLEM = "application/problem+json"
OFFICE_ID_PATTERN = r"^\d{2}\.\d{2}\.\d{2}$"
TICKET_STATUSES = ("waiting", "called", "serving", "done", "no_show", "cancelled", "transferred")

# Path parameters by name: their patterns and meaning.
PATH_PARAMETERS = {
    "office_id": {"pattern": OFFICE_ID_PATTERN, "example": "33.71.02",
                  "description": "Kemendagri kecamatan code, e.g. 33.71.02 (Magelang Utara)"},
    "token": {"pattern": r"^[A-Za-z0-9_-]{16,64}$", "minLength": 16, "maxLength": 64,
              "description": "The ticket's token, the holder's capability"},
    "counter_id": {"pattern": r"^[A-Za-z0-9-]{1,12}$", "example": "1",
                   "description": "A counter (loket) of the office"},
    "code": {"pattern": r"^[A-Z][A-Z0-9_]{0,15}$", "example": "SKDU",
             "description": "A permit type code"},
    "facility_id": {"pattern": r"^[a-z0-9][a-z0-9-]{2,63}$", "description": "A facility"},
    "tracking_code": {"pattern": r"^[A-Za-z0-9-]{4,40}$", "description": "A permit application"},
    "permit_number": {"pattern": r"^[A-Za-z0-9./-]{1,64}$", "description": "An issued permit"},
}


# --- response schemas ------------------------------------------------------
class Out(Schema):
    """Response shapes: extra properties are allowed (fields may be added)."""

    class Meta:
        unknown = EXCLUDE


def _maybe(field_cls, *args, **kwargs):
    return field_cls(*args, required=True, allow_none=True, **kwargs)


def _req(field_cls, *args, **kwargs):
    return field_cls(*args, required=True, **kwargs)


# ISO 8601 local times with offset; some are given to the minute
# ("2026-11-23T21:00+07:00"), which RFC 3339 date-time would refuse.
def _local_minutes(**kwargs):
    return fields.String(metadata={"description": "ISO 8601 local time with offset, to the minute",
                                   "example": "2026-11-23T21:00+07:00"}, **kwargs)


class Problem(Out):
    type = _req(fields.String)
    title = _req(fields.String)
    status = _req(fields.Integer)
    detail = _req(fields.String)
    errors = fields.List(fields.Nested(Out.from_dict({"field": _req(fields.String),
                                                      "message": _req(fields.String)},
                                                     name="FieldError")),
                         metadata={"description": "For validation errors: which field, what is wrong"})
    reason = fields.String(metadata={"description": "Machine-readable cause (409), e.g. quota, closed"})
    service = fields.String(metadata={"description": "The service that did not answer (503)"})


class NamesView(Out):
    id = _req(fields.String)
    en = _req(fields.String)


class Health(Out):
    status = _req(fields.String)


class Ready(Out):
    status = _req(fields.String, validate=validate.OneOf(("ok", "unavailable")))
    checks = _req(fields.Dict, keys=fields.String(), values=fields.String())
    failed = _req(fields.List, fields.String())


class TokenOut(Out):
    access_token = _req(fields.String)
    token_type = _req(fields.String, validate=validate.OneOf(("Bearer",)))
    expires_in = _req(fields.Integer)
    role = _req(fields.String, validate=validate.OneOf(ROLES))
    office_ids = _req(fields.List, fields.String())
    username = _req(fields.String)


class Me(Out):
    username = _req(fields.String)
    role = _req(fields.String, validate=validate.OneOf(ROLES))
    office_ids = _req(fields.List, fields.String())


class SessionSpan(Out):
    start = _req(fields.String, metadata={"example": "16:00"})
    end = _req(fields.String, metadata={"example": "21:00"})
    evening = _req(fields.Boolean)


class TodaySession(Out):
    start = _req(_local_minutes)
    end = _req(_local_minutes)
    evening = _req(fields.Boolean)


class Today(Out):
    date = _req(fields.Date)
    sessions = _req(fields.List, fields.Nested(TodaySession))
    holiday = _maybe(fields.String)


class LocationView(Out):
    lat = _req(fields.Float)
    lon = _req(fields.Float)


class OfficeServiceBrief(Out):
    code = _req(fields.String)
    name = _req(fields.String)
    names = _req(fields.Nested, NamesView)
    prefix = _req(fields.String)


class OfficeView(Out):
    id = _req(fields.String, validate=validate.Regexp(OFFICE_ID_PATTERN))
    name = _req(fields.String)
    region_path = _req(fields.String)
    timezone = _req(fields.String)
    address = _req(fields.String)
    location = _maybe(fields.Nested, LocationView)
    open_now = _req(fields.Boolean)
    closes_at = _maybe(_local_minutes)
    evening_service = _req(fields.Boolean)
    sessions = _req(fields.Dict, keys=fields.String(),
                    values=fields.List(fields.Nested(SessionSpan)),
                    metadata={"description": "Weekly sessions by weekday (mon…sun)"})
    today = _req(fields.Nested, Today)
    next_session = _maybe(_local_minutes)
    services = _req(fields.List, fields.Nested(OfficeServiceBrief))


class AccessibilitySummary(Out):
    wheelchair = _req(fields.String, validate=validate.OneOf(("yes", "limited", "no", "unknown")))
    hearing = fields.String()
    vision = fields.String()


class OfficeDetail(OfficeView):
    accessibility = _maybe(fields.Nested, AccessibilitySummary,
                           metadata={"description": "null when the accessibility service is down"})


class ServiceView(Out):
    code = _req(fields.String)
    name = _req(fields.String)
    names = _req(fields.Nested, NamesView)
    prefix = _req(fields.String)
    open_now = _req(fields.Boolean)
    waiting = _req(fields.Integer)
    counters_open = _req(fields.Integer)
    daily_quota = _maybe(fields.Integer)
    issued_today = _req(fields.Integer)
    estimated_wait_minutes = _maybe(fields.Integer)


class TicketStatus(Out):
    """domain.status_view: what a citizen sees of a ticket."""
    id = _req(fields.String)
    number = _req(fields.String, metadata={"example": "A-001"})
    office_id = _req(fields.String)
    service = _req(fields.String)
    status = _req(fields.String, validate=validate.OneOf(TICKET_STATUSES))
    priority_reason = _maybe(fields.String, validate=validate.OneOf(PRIORITY_REASONS))
    people_ahead = _req(fields.Integer)
    estimated_wait_minutes = _maybe(fields.Integer)
    estimate_available = _maybe(fields.Boolean)
    counter = _maybe(fields.String)
    counter_name = _maybe(fields.String)
    from_service = _maybe(fields.String)
    called_at = _maybe(fields.DateTime)
    issued_at = _maybe(fields.DateTime)
    recalls = _req(fields.Integer)
    version = _req(fields.Integer)


class TicketIssued(TicketStatus):
    token = _req(fields.String, metadata={"description": "Shown once: keep it to follow the ticket"})
    status_url = _req(fields.String)
    page_url = _req(fields.String)


class CounterCurrent(Out):
    number = _req(fields.String)
    service = _req(fields.String)
    status = _req(fields.String, validate=validate.OneOf(TICKET_STATUSES))
    recalls = _req(fields.Integer)
    priority_reason = _maybe(fields.String)


class CounterView(Out):
    id = _req(fields.String)
    name = _req(fields.String)
    services = _req(fields.List, fields.String())
    open = _req(fields.Boolean)
    accessible = _req(fields.Boolean)
    current = _maybe(fields.Nested, CounterCurrent)


class CounterActionResult(Out):
    counter = _req(fields.Nested, CounterView)
    ticket = _maybe(fields.Nested, TicketStatus)
    action = _req(fields.String)


class WaitingEntry(Out):
    number = _req(fields.String)
    service = _req(fields.String)
    priority_reason = _maybe(fields.String)
    from_service = _maybe(fields.String)
    waited_minutes = _req(fields.Integer)


class BoardCall(Out):
    number = _req(fields.String)
    service = _req(fields.String)
    status = _req(fields.String)
    counter_id = _maybe(fields.String)
    counter_name = _maybe(fields.String)
    called_at = _req(fields.DateTime)
    recalls = _req(fields.Integer)
    version = _req(fields.Integer)


class BoardWaiting(Out):
    service = _req(fields.String)
    name = _req(fields.String)
    names = _req(fields.Nested, NamesView)
    waiting = _req(fields.Integer)


class BoardCounter(Out):
    id = _req(fields.String)
    name = _req(fields.String)
    open = _req(fields.Boolean)


class BoardNotice(Out):
    id = _req(fields.String)
    text = _req(fields.String)
    kind = _req(fields.String)


class Board(Out):
    office_id = _req(fields.String)
    name = _req(fields.String)
    generated_at = _req(fields.DateTime)
    open_now = _req(fields.Boolean)
    calls = _req(fields.List, fields.Nested(BoardCall))
    waiting = _req(fields.List, fields.Nested(BoardWaiting))
    counters = _req(fields.List, fields.Nested(BoardCounter))
    notices = _req(fields.List, fields.Nested(BoardNotice))


class StatsFigures(Out):
    issued = _req(fields.Integer)
    served = _req(fields.Integer)
    no_shows = _req(fields.Integer)
    cancelled = _req(fields.Integer)
    mean_wait_minutes = _maybe(fields.Float)
    p90_wait_minutes = _maybe(fields.Float)
    mean_service_minutes = _maybe(fields.Float)
    p90_service_minutes = _maybe(fields.Float)


class StatsHour(StatsFigures):
    hour = _req(fields.Integer, validate=validate.Range(0, 23))


class Stats(StatsFigures):
    office_id = _req(fields.String)
    date = _req(fields.Date)
    per_hour = _req(fields.List, fields.Nested(StatsHour))
    per_session = _req(fields.Dict, keys=fields.String(), values=fields.Nested(StatsFigures),
                       metadata={"description": "day / evening"})


class NoticeOut(Out):
    id = _req(fields.String)
    office_id = _req(fields.String)
    text = _req(fields.String)
    kind = _req(fields.String)
    actor = _req(fields.String)


class PermitTypeOut(Out):
    code = _req(fields.String)
    name = _req(fields.Nested, NamesView)
    description = _req(fields.Nested, NamesView)
    sla_working_days = _req(fields.Integer)
    fee = _req(fields.Integer, metadata={"description": "Rupiah"})
    attributes = fields.List(fields.Dict())
    documents = fields.List(fields.Dict())


class Facility(Out):
    id = _req(fields.String)
    office_id = _req(fields.String)
    kind = _req(fields.String)
    status = _req(fields.String)


class OfficeAccessibility(Out):
    office_id = _req(fields.String)
    facilities = _req(fields.List, fields.Nested(Facility))
    summary = _req(fields.Nested, AccessibilitySummary)


# --- operations --------------------------------------------------------------
class Op:
    """What the code does for one (resource class, method)."""

    def __init__(self, summary, responses, body=None, query=None, errors=(), headers=(),
                 tags=(), description=None):
        self.summary = summary
        self.responses = responses     # {status: schema class, or None for no body}
        self.body = body               # marshmallow schema class of the JSON body
        self.query = query             # marshmallow schema class of the query string
        self.errors = tuple(errors)    # problem+json statuses besides the generic ones
        self.headers = tuple(headers)  # request headers the operation reads
        self.tags = tuple(tags)
        self.description = description


def _list(schema):
    return ("list", schema)


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "A retry with the same key returns the first result (200, Idempotent-Replayed)",
    "schema": {"type": "string", "pattern": r"^[A-Za-z0-9._:-]{8,128}$"}}
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False,
                 "description": "The ETag of the last answer: 304 when unchanged",
                 "schema": {"type": "string"}}
KIOSK_KEY = {"name": "X-Kiosk-Key", "in": "header", "required": False,
             "description": "A staff-provisioned kiosk key for this office: the kiosk's higher rate limit",
             "schema": {"type": "string"}}

OPERATIONS = {
    ("Healthz", "GET"): Op("Liveness", {200: Health}, tags=["health"]),
    ("Readyz", "GET"): Op("Readiness: broker, databases and services answer",
                          {200: Ready, 503: Ready}, tags=["health"]),
    ("Token", "POST"): Op("Staff login", {200: TokenOut}, body=Credentials, errors=[401],
                          tags=["staff"]),
    ("Me", "GET"): Op("The signed-in staff member", {200: Me}, tags=["staff"]),
    ("Offices", "GET"): Op("Offices, open ones first", {200: _list(OfficeView)}, tags=["offices"]),
    ("Office", "GET"): Op("One office with today's sessions and an accessibility summary",
                          {200: OfficeDetail}, errors=[404], tags=["offices"]),
    ("Office", "PUT"): Op("Replace an office's configuration", {200: OfficeView},
                          body=OfficeConfig, errors=[404, 409], tags=["offices"]),
    ("Services", "GET"): Op("The office's queue services, waiting and estimated wait",
                            {200: _list(ServiceView)}, errors=[404], tags=["queue"]),
    ("Tickets", "POST"): Op(
        "Take a queue ticket", {201: TicketIssued, 200: TicketStatus}, body=IssueRequest,
        errors=[404, 409], headers=[IDEMPOTENCY_KEY, KIOSK_KEY], tags=["queue"],
        description="409 when the office is closed, those waiting fill the time until closing, "
                    "or the day's quota is used up (`reason`: closed, holiday, "
                    "cannot_serve_before_close, quota). A replay of an Idempotency-Key answers "
                    "200 without the token."),
    ("Ticket", "GET"): Op("A ticket's status (from the read model)", {200: TicketStatus, 304: None},
                          errors=[404], headers=[IF_NONE_MATCH], tags=["queue"]),
    ("Ticket", "DELETE"): Op("Cancel a waiting ticket", {200: TicketStatus}, errors=[404, 409],
                             tags=["queue"]),
    ("Counters", "GET"): Op("The office's counters", {200: _list(CounterView)}, errors=[404],
                            tags=["queue"]),
    ("CounterActions", "POST"): Op(
        "A clerk's action at a counter", {200: CounterActionResult, 204: None}, body=Action,
        errors=[404, 409], tags=["queue"],
        description="call_next answers 204 when nobody waits for the counter's services. "
                    f"Actions: {', '.join(COUNTER_ACTIONS)}."),
    ("WaitingList", "GET"): Op("Who waits, in call order", {200: _list(WaitingEntry)},
                               errors=[404], tags=["queue"]),
    ("Board", "GET"): Op("What the display board shows", {200: Board, 304: None}, errors=[404],
                         headers=[IF_NONE_MATCH], tags=["queue"]),
    ("Stats", "GET"): Op("A day's statistics", {200: Stats}, query=StatsQuery, errors=[404],
                         tags=["queue"]),
    ("Notices", "POST"): Op("Post a notice on the board", {201: NoticeOut}, body=Notice,
                            errors=[404], tags=["queue"]),
    ("PermitTypes", "GET"): Op("Permit types (service standards)", {200: _list(PermitTypeOut)},
                               tags=["permits"]),
    ("PermitType", "GET"): Op("One permit type", {200: PermitTypeOut}, errors=[404],
                              tags=["permits"]),
    ("OpenApiDocument", "GET"): Op("This document", {200: {"type": "object"}}, tags=["meta"]),
    ("OfficeAccessibility", "GET"): Op("The office's facilities and summary",
                                       {200: OfficeAccessibility}, errors=[404],
                                       tags=["accessibility"]),
}

ERROR_TITLES = {400: "Malformed request", 401: "Staff token missing, invalid or expired",
                403: "Not allowed for this role or office", 404: "Not found",
                405: "Method not allowed", 409: "Conflict", 413: "Too large",
                415: "Unsupported media type", 422: "Invalid input",
                429: "Too many requests: wait Retry-After seconds",
                500: "Internal error", 503: "A service or the broker is not answering: retry later"}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


# --- routes ------------------------------------------------------------------
def _internal(func):
    module = inspect.getmodule(func)
    return module is not None and module.__name__.startswith("falcon")


def iter_routes(app):
    """(uri_template, resource, [methods]) for every route with a responder of its own."""
    out = []

    def walk(nodes):
        for node in nodes:
            if node.resource is not None and node.method_map:
                methods = sorted(m for m, f in node.method_map.items()
                                 if m != "OPTIONS" and not _internal(f))
                if methods:
                    out.append((node.uri_template, node.resource, methods))
            walk(node.children)

    walk(app._router._roots)
    return sorted(out, key=lambda r: r[0])


def documented(path):
    return path.startswith(API + "/") or path in ("/healthz", "/readyz")


def staff_rule(resource, method):
    rule = (getattr(resource, "access", None) or {}).get(method)
    return rule if isinstance(rule, Rule) else None


def _path_params(path):
    names = [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
    params = []
    for name in names:
        info = dict(PATH_PARAMETERS.get(name, {}))
        description = info.pop("description", None)
        example = info.pop("example", None)
        param = {"name": name, "in": "path", "required": True,
                 "schema": {"type": "string", **info}}
        if description:
            param["description"] = description
        if example:
            param["example"] = example
        params.append(param)
    return params


def _ref(spec, schema):
    if isinstance(schema, tuple) and schema[0] == "list":
        return {"type": "array", "items": _ref(spec, schema[1])}
    name = schema.__name__
    if name not in spec.components.schemas:
        spec.components.schema(name, schema=schema)
    return {"$ref": f"#/components/schemas/{name}"}


def _operation(spec, resource, method, path, limits):
    cls = type(resource).__name__
    op = OPERATIONS.get((cls, method))
    rule = staff_rule(resource, method)
    limit = ratelimit.rule_for(path, resource, method, limits)
    doc = (inspect.getdoc(getattr(resource, f"on_{method.lower()}", None)) or "").strip()
    operation = {"operationId": f"{cls}.{method.lower()}",
                 "summary": op.summary if op else (doc.splitlines()[0] if doc else f"{method} {path}"),
                 "tags": list(op.tags) if op and op.tags else [path.split("/")[3] if path.startswith(API) else "health"],
                 "parameters": [], "responses": {}}
    description = [op.description] if op and op.description else []
    if rule is not None:
        operation["security"] = [{"bearer": []}]
        who = f"Staff with at least the {rule.role} role"
        if rule.office:
            who += f", for the office in `{rule.office}`"
        description.append(who + ".")
    if limit is not None:
        description.append(f"Rate limited per client and office ({limit.describe()}); "
                           "429 with Retry-After beyond it.")
    if description:
        operation["description"] = " ".join(description)

    if op:
        operation["parameters"].extend(op.headers)
        if op.query is not None:
            operation["parameters"].append({"in": "query", "schema": op.query})
        if op.body is not None:
            operation["requestBody"] = {"required": True, "content": {
                falcon.MEDIA_JSON: {"schema": _ref(spec, op.body)}}}
        for status, schema in op.responses.items():
            response = {"description": falcon.code_to_http_status(status)[4:] or "OK"}
            if schema is not None:
                body = schema if isinstance(schema, dict) else _ref(spec, schema)
                response["content"] = {falcon.MEDIA_JSON: {"schema": body}}
            operation["responses"][str(status)] = response
    else:
        operation["responses"]["200"] = {"description": "OK", "content": {
            falcon.MEDIA_JSON: {"schema": {}}}}
        if method in ("POST", "PUT", "PATCH"):
            operation["requestBody"] = {"required": False, "content": {
                falcon.MEDIA_JSON: {"schema": {"type": "object"}}}}
            operation["responses"]["201"] = {"description": "Created", "content": {
                falcon.MEDIA_JSON: {"schema": {}}}}

    errors = {500}
    if path.startswith(API):
        errors.add(503)
    if op is None:
        errors.update((400, 404, 409, 415, 422))
    else:
        errors.update(op.errors)
    if op is not None and op.body is not None:
        errors.update((400, 415, 422))
    if op is not None and op.query is not None:
        errors.add(422)
    if rule is not None:
        errors.update((401, 403))
    if limit is not None:
        errors.add(429)
    if "{" in path and path.startswith(API):
        errors.add(404)  # a malformed id is simply not found
    for status in sorted(errors):
        if str(status) in operation["responses"]:
            continue
        response = {"$ref": f"#/components/responses/Problem{status}"}
        operation["responses"][str(status)] = response
        if f"Problem{status}" not in spec.components.responses:
            body = {"description": ERROR_TITLES.get(status, "Error"),
                    "content": {PROBLEM: {"schema": _ref(spec, Problem)}}}
            if status in (429, 503):
                body["headers"] = RETRY_AFTER
            if status == 401:
                body["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
            spec.components.response(f"Problem{status}", body)
    return operation


def build(app):
    """The OpenAPI document of ``app`` as a dict."""
    spec = APISpec(title=TITLE, version=VERSION, openapi_version=OPENAPI_VERSION,
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Senja: evening service for Indonesian kecamatan offices. "
                                        "Errors are application/problem+json (RFC 9457)."},
                   servers=[{"url": "/"}])
    spec.components.security_scheme("bearer", {
        "type": "http", "scheme": "bearer",
        "description": "Staff token from POST /api/v1/auth/token"})
    limits = ratelimit.limits_from_env()
    for path, resource, methods in iter_routes(app):
        if not documented(path):
            continue
        operations = {m.lower(): _operation(spec, resource, m, path, limits) for m in methods}
        spec.path(path=path, parameters=_path_params(path), operations=operations)
    return spec.to_dict()


class OpenApiDocument:
    """GET /api/v1/openapi.json; built once, on the first request (all routes are in by then)."""

    def __init__(self, app):
        self.app = app
        self._doc = None

    def on_get(self, req, resp):
        if self._doc is None:
            self._doc = build(self.app)
        resp.media = self._doc
        resp.set_header("Cache-Control", "public, max-age=300")


def install(app):
    app.add_route(f"{API}/openapi.json", OpenApiDocument(app))
