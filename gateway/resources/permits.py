import base64
import urllib.parse

import falcon
from marshmallow import RAISE, Schema, fields, validate

from gateway.auth import Authorizer, staff
from gateway.errors import Problem, invalid
from gateway.ratelimit import Limit
from gateway.resources.tickets import idempotency_key
from gateway.validation import load
from services.permits.schemas import Application, Transition


class PermitTypes:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp):
        resp.media = self.rpc.call("permits", "list_permit_types")


class PermitType:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, code):
        resp.media = self.rpc.call("permits", "get_permit_type", code)


class WorkListQuery(Schema):
    class Meta:
        unknown = RAISE

    office_id = fields.String(required=True, validate=validate.Regexp(r"^\d{2}\.\d{2}\.\d{2}$"))
    status = fields.String(load_default=None, validate=validate.Length(max=40))
    overdue = fields.Boolean(load_default=None, allow_none=True)


class Permits:
    """Apply (anyone) and the staff work list."""

    access = {"GET": staff("clerk")}

    def __init__(self, rpc):
        self.rpc = rpc

    def on_post(self, req, resp):
        data = load(Application(), req.get_media())
        made = self.rpc.call("permits", "apply", data, idempotency_key=idempotency_key(req))
        if made.pop("replayed"):
            resp.set_header("Idempotent-Replayed", "true")
        resp.status = falcon.HTTP_201
        resp.location = made["status_url"]
        resp.media = made

    def on_get(self, req, resp):
        query = load(WorkListQuery(), dict(req.params))
        Authorizer.check_office(req.context.staff, query["office_id"])
        resp.media = self.rpc.call("permits", "work_list", query["office_id"], query["status"],
                                   query["overdue"])


# Public reads keyed by a code someone could try to enumerate: per address.
LOOKUPS = Limit("lookups", per_minute=60, burst=30)


class Permit:
    rate_limit = {"GET": LOOKUPS}

    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, tracking_code):
        resp.set_header("Cache-Control", "private, no-cache")
        resp.media = self.rpc.call("permits", "public_status", tracking_code)


class PermitTransitions:
    """Staff (Bearer token, scoped to the permit's office by the service) or
    the applicant (X-Applicant-Secret) moves the application on."""

    def __init__(self, rpc, authz):
        self.rpc = rpc
        self.authz = authz

    def on_post(self, req, resp, tracking_code):
        data = load(Transition(), req.get_media())
        secret = req.get_header("X-Applicant-Secret")
        claims = self.authz.claims(req) if req.get_header("Authorization") or not secret else None
        resp.media = self.rpc.call("permits", "transition", tracking_code, data["action"],
                                   data["note"], staff=claims, applicant_secret=secret)


class Verify:
    rate_limit = {"GET": LOOKUPS}

    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, permit_number):
        code = req.get_param("code")
        if not code or len(code) > 64:
            raise Problem(falcon.HTTP_422, "Invalid input", "The verification code is missing",
                          errors=[{"field": "code", "message": "required"}])
        resp.media = self.rpc.call("permits", "verify", permit_number, code)


MAX_UPLOAD_BYTES = 10_000_000


class PermitDocuments:
    """multipart/form-data: ``document`` (the code the permit type asks for) and ``file``."""

    body_media = "multipart/form-data"
    max_body = MAX_UPLOAD_BYTES + 10_000  # the file and the form's own lines
    # Per address (besides the service's caps per application): uploads cost storage.
    rate_limit = {"POST": Limit("uploads", per_minute=20, burst=20)}

    def __init__(self, rpc):
        self.rpc = rpc
        self.multipart = falcon.media.MultipartFormHandler()

    def on_post(self, req, resp, tracking_code):
        if not req.content_length:  # RequestBody measured a body sent without a length
            raise invalid([("file", "required")])
        document, content = None, None
        try:
            form = self.multipart.deserialize(req.bounded_stream, req.content_type, req.content_length)
            for part in form:
                if part.name == "document":
                    document = part.get_text()[:40]
                elif part.name == "file":
                    content = part.stream.read(MAX_UPLOAD_BYTES + 1)
        except falcon.MediaMalformedError:
            raise Problem(falcon.HTTP_400, "Malformed request body", "Not a valid multipart form")
        problems = ([("document", "required")] if not document else []) + \
                   ([("file", "required")] if content is None else [])
        if problems:
            raise invalid(problems)
        if len(content) > MAX_UPLOAD_BYTES:
            raise Problem(falcon.HTTP_413, "Too large", f"Uploads are limited to {MAX_UPLOAD_BYTES} bytes")
        resp.status = falcon.HTTP_201
        resp.media = self.rpc.call("permits", "upload_document", tracking_code, document,
                                   base64.b64encode(content).decode(),
                                   req.get_header("X-Applicant-Secret"))


class PermitCertificate:
    """The printable PDF: GET with a staff token or the X-Applicant-Secret header, or
    POST a form with ``secret`` (the applicant's page uses a form, so the secret never
    sits in a URL, a history or a server log)."""

    body_media = "application/x-www-form-urlencoded"

    def __init__(self, rpc, authz, public_url):
        self.rpc = rpc
        self.authz = authz
        self.public_url = public_url

    def on_post(self, req, resp, tracking_code):
        form = urllib.parse.parse_qs(req.bounded_stream.read().decode("utf-8", "replace"))
        secret = (form.get("secret") or [""])[0]
        if not secret:
            raise invalid([("secret", "required")])
        self._send(req, resp, tracking_code, secret, None)

    def on_get(self, req, resp, tracking_code):
        secret = req.get_header("X-Applicant-Secret")
        claims = self.authz.claims(req) if req.get_header("Authorization") or not secret else None
        self._send(req, resp, tracking_code, secret, claims)

    def _send(self, req, resp, tracking_code, secret, claims):
        pdf = self.rpc.call("permits", "certificate", tracking_code,
                            self.public_url, staff=claims, applicant_secret=secret)
        resp.content_type = "application/pdf"
        resp.downloadable_as = f"izin-{tracking_code}.pdf"
        resp.set_header("Cache-Control", "private, no-store")
        resp.data = base64.b64decode(pdf)


class PermitDocument:
    """A staff member opens an uploaded document (the service checks the office).
    Served as an attachment with the type checked at upload; nosniff is on every answer."""

    access = {"GET": staff("clerk")}
    MEDIA = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}

    def __init__(self, permits):
        self.permits = permits

    def on_get(self, req, resp, tracking_code, document):
        found = self.permits.document(tracking_code, document, req.context.staff)
        resp.content_type = self.MEDIA[found["format"]]
        resp.downloadable_as = f"{tracking_code}-{found['document']}.{found['format']}"
        resp.set_header("Cache-Control", "no-store")
        resp.set_header("Content-Security-Policy", "default-src 'none'; sandbox")
        resp.set_header("Digest", f"sha-256={base64.b64encode(bytes.fromhex(found['sha256'])).decode()}")
        resp.data = base64.b64decode(found["content"])


class ApplicantSecret:
    """POST with the current X-Applicant-Secret: a new secret; the old one stops working."""

    def __init__(self, permits):
        self.permits = permits

    def on_post(self, req, resp, tracking_code):
        resp.set_header("Cache-Control", "no-store")
        resp.media = self.permits.rotate_applicant_secret(tracking_code,
                                                          req.get_header("X-Applicant-Secret"))
