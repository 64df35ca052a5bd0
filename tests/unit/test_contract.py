"""The OpenAPI document is complete: every /api/v1 operation (and the probes)
has a precise entry built from what the code loads and dumps, with every
status it can answer and its real media types. Fails the day a route is added
without its @operation, or an entry is left vague."""
import falcon
import pytest

from gateway import openapi
from gateway.app import create_app
from gateway.contract import Operation, declared
from tests.support import wiring_only

METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def app():
    return create_app(wiring_only())


@pytest.fixture(scope="module")
def doc(app):
    return openapi.build(app)


def operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def test_every_reference_resolves(doc):
    """(schemathesis, in tests/security, loads and checks the whole document.)"""
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs
    for ref in refs:
        target = doc
        for part in ref.lstrip("#/").split("/"):
            target = target[part]
        assert target, ref


def test_every_api_route_is_in_the_document(app, doc):
    routed = {(path, m.lower()) for path, _, methods in openapi.iter_routes(app) for m in methods
              if openapi.documented(path)}
    documented = {(path, method) for path, method, _ in operations(doc)}
    assert routed == documented
    assert len(documented) >= 30


def test_a_route_without_an_operation_is_refused(app):
    class Loose:
        def on_get(self, req, resp):
            resp.media = {}

    bare = create_app(wiring_only())
    bare.add_route("/api/v1/loose", Loose())
    with pytest.raises(openapi.Undeclared, match="GET /api/v1/loose"):
        openapi.build(bare)


def _schema_ok(doc, schema):
    """A reply schema is a named component with properties, an array of one, or a typed object."""
    if "$ref" in schema:
        component = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return bool(component.get("properties"))
    if schema.get("type") == "array":
        return _schema_ok(doc, schema["items"])
    return "type" in schema


@pytest.mark.parametrize("path,method,op", list(operations(openapi.build(create_app(wiring_only())))),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_each_operation_is_precise(doc, path, method, op):
    responses = op["responses"]
    statuses = {int(s) for s in responses}
    success = [s for s in statuses if s < 400]
    assert success, "no success reply"
    for status in success:
        reply = responses[str(status)]
        if status in (204, 304):
            assert "content" not in reply
            continue
        assert reply.get("content"), (status, reply)
        for media, body in reply["content"].items():
            assert _schema_ok(doc, body["schema"]), (status, media, body)
    assert 500 in statuses
    if path.startswith("/api/v1/"):
        assert 503 in statuses  # a service or the broker may not answer
    if op.get("security"):
        assert {401, 403} <= statuses
    if "{" in path:
        assert 404 in statuses
    if "requestBody" in op:
        assert {400, 415, 422} <= statuses
        for media, body in op["requestBody"]["content"].items():
            assert _schema_ok(doc, body["schema"]), media
    # A query string that is loaded can be refused (the certificate's ?secret= is compared, 403).
    if any(p.get("in") == "query" and p["name"] != "secret" for p in op.get("parameters", [])):
        assert 422 in statuses
    for status in statuses - set(success):
        problem = responses[str(status)]
        if "$ref" not in problem:  # a declared reply of its own (/readyz's 503 names what failed)
            assert problem["content"]
            continue
        ref = problem["$ref"].rsplit("/", 1)[1]
        assert "application/problem+json" in doc["components"]["responses"][ref]["content"]


def test_bodies_are_the_schemas_the_clients_load(app):
    """The body documented for an operation is the schema its client method loads with @loads."""
    checked = 0
    for path, resource, methods in openapi.iter_routes(app):
        for method in methods:
            op = declared(resource, method)
            if op is not None and op.body is not None and hasattr(op.body, "request_schema"):
                assert Operation.schema_of(op.body) is op.body.request_schema
                checked += 1
    assert checked >= 8


def test_writes_answer_their_statuses(doc):
    paths = doc["paths"]
    for status in (401, 403, 404, 409, 422, 429, 503):
        assert any(str(status) in op["responses"] for _, _, op in operations(doc)), status
    ticket = paths["/api/v1/offices/{office_id}/tickets"]["post"]["responses"]
    assert {"201", "409", "422", "429", "503"} <= set(ticket)
    action = paths["/api/v1/offices/{office_id}/counters/{counter_id}/actions"]["post"]["responses"]
    assert {"200", "204", "401", "403", "404", "409", "422"} <= set(action)


def test_media_types_are_the_real_ones(doc):
    paths = doc["paths"]
    export = paths["/api/v1/accessibility/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"application/geo+json", "text/csv"}
    pdf = paths["/api/v1/permits/{tracking_code}/certificate.pdf"]["get"]["responses"]["200"]["content"]
    assert set(pdf) == {"application/pdf"}
    upload = paths["/api/v1/permits/{tracking_code}/documents"]["post"]
    assert set(upload["requestBody"]["content"]) == {"multipart/form-data"}
    assert "413" in upload["responses"]


def test_reply_fields_are_required_and_nullable_as_dumped(doc):
    schemas = doc["components"]["schemas"]
    ticket = schemas["TicketView"]
    assert {"number", "status", "people_ahead", "version"} <= set(ticket["required"])
    assert ticket["properties"]["counter"].get("nullable") is True
    assert ticket["properties"]["status"]["enum"][0] == "waiting"
    issued = schemas["TicketIssued"]
    assert {"token", "status_url", "page_url"} <= set(issued["required"])
    assert "replayed" not in issued["properties"]  # the gateway keeps that to a header
    assert falcon.MEDIA_JSON in doc["paths"]["/api/v1/offices"]["get"]["responses"]["200"]["content"]
