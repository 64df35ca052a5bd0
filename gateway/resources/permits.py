"""Business permits (G2B): types, applications, documents, transitions, certificates, verification."""
import base64
import urllib.parse

import falcon

from gateway.auth import staff
from gateway.clients.errors import Invalid
from gateway.clients.permits import PermitsClient
from gateway.contract import APPLICANT_SECRET, IDEMPOTENCY_KEY, PDF, Many, operation
from gateway.errors import Problem
from gateway.ratelimit import Limit
from gateway.resources.tickets import idempotency_key
from services.permits.schemas import (ApplicantSecretView, DocumentReceipt, PermitApplied,
                                      PermitStaffView, PermitStatus, PermitTypeView, Verification)

MAX_UPLOAD_BYTES = 10_000_000
FORM = "application/x-www-form-urlencoded"
CERTIFICATE = {PDF: {"type": "string", "format": "binary"}}


class PermitTypes:
    def __init__(self, clients):
        self.permits = clients.permits

    @operation("Permit types (published service standards)", {200: Many(PermitTypeView)},
               tags=["permits"])
    def on_get(self, req, resp):
        resp.media = self.permits.list_permit_types()


class PermitType:
    def __init__(self, clients):
        self.permits = clients.permits

    @operation("One permit type", {200: PermitTypeView}, tags=["permits"])
    def on_get(self, req, resp, code):
        resp.media = self.permits.get_permit_type(code)


class Permits:
    """Apply (anyone) and the staff work list."""

    access = {"GET": staff("clerk")}

    def __init__(self, clients):
        self.permits = clients.permits

    @operation("Apply for a permit", {201: PermitApplied}, body=PermitsClient.apply, conflicts=True,
               parameters=[IDEMPOTENCY_KEY], tags=["permits"],
               description="Keep `applicant_secret`: it proves the applicant later.")
    def on_post(self, req, resp):
        made = self.permits.apply(req.get_media(), idempotency_key=idempotency_key(req))
        if made.pop("replayed"):
            resp.set_header("Idempotent-Replayed", "true")
        resp.status = falcon.HTTP_201
        resp.location = made["status_url"]
        resp.media = made

    @operation("The staff work list of an office", {200: Many(PermitStaffView)},
               query=PermitsClient.find_work, tags=["permits"])
    def on_get(self, req, resp):
        resp.media = self.permits.find_work(dict(req.params), staff=req.context.staff)


# Public reads keyed by a code someone could try to enumerate: per address.
LOOKUPS = Limit("lookups", per_minute=60, burst=30)


class Permit:
    """Anyone: the public status. With a staff token of the permit's office, also
    ``staff_view`` (answers, documents, history, allowed actions, verification code)."""

    rate_limit = {"GET": LOOKUPS}

    def __init__(self, clients, authz):
        self.permits = clients.permits
        self.authz = authz

    @operation("A permit application's status (public; the staff view with a staff token)",
               {200: PermitStatus}, staff_optional=True, tags=["permits"])
    def on_get(self, req, resp, tracking_code):
        claims = self.authz.claims(req) if req.get_header("Authorization") else None
        resp.set_header("Cache-Control", "private, no-cache" if claims is None else "no-store")
        resp.media = self.permits.public_status(tracking_code, staff=claims)


class PermitTransitions:
    """Staff (Bearer token, scoped to the permit's office by the service) or
    the applicant (X-Applicant-Secret) moves the application on."""

    def __init__(self, clients, authz):
        self.permits = clients.permits
        self.authz = authz

    @operation("Move an application on (staff, or the applicant for their own actions)",
               {200: PermitStatus}, body=PermitsClient.move, conflicts=True, staff_optional=True,
               parameters=[APPLICANT_SECRET], tags=["permits"])
    def on_post(self, req, resp, tracking_code):
        secret = req.get_header("X-Applicant-Secret")
        claims = self.authz.claims(req) if req.get_header("Authorization") or not secret else None
        resp.media = self.permits.move(tracking_code, req.get_media(), staff=claims,
                                       applicant_secret=secret)


class Verify:
    rate_limit = {"GET": LOOKUPS}

    def __init__(self, clients):
        self.permits = clients.permits

    @operation("Is this issued permit genuine and valid?", {200: Verification},
               query=PermitsClient.verify, tags=["permits"])
    def on_get(self, req, resp, permit_number):
        resp.media = self.permits.verify(permit_number, req.get_param("code"))


class PermitDocuments:
    """multipart/form-data: ``document`` (the code the permit type asks for) and ``file``."""

    body_media = "multipart/form-data"
    max_body = MAX_UPLOAD_BYTES + 10_000  # the file and the form's own lines
    # Per address (besides the service's caps per application): uploads cost storage.
    rate_limit = {"POST": Limit("uploads", per_minute=20, burst=20)}

    def __init__(self, clients):
        self.permits = clients.permits
        self.multipart = falcon.media.MultipartFormHandler()  # stateless: shared by all requests

    @operation("Upload a required document (multipart: document, file)", {201: DocumentReceipt},
               conflicts=True, too_large=True, parameters=[APPLICANT_SECRET], tags=["permits"],
               body_media="multipart/form-data")
    def on_post(self, req, resp, tracking_code):
        if not req.content_length:  # RequestBody measured a body sent without a length
            raise Invalid.fields([("file", "required")])
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
            raise Invalid.fields(problems)
        if len(content) > MAX_UPLOAD_BYTES:
            raise Problem(falcon.HTTP_413, "Too large", f"Uploads are limited to {MAX_UPLOAD_BYTES} bytes")
        resp.status = falcon.HTTP_201
        resp.media = self.permits.upload_document(tracking_code, document,
                                                  base64.b64encode(content).decode(),
                                                  req.get_header("X-Applicant-Secret"))


class PermitCertificate:
    """The printable PDF: GET with a staff token or the X-Applicant-Secret header, or
    POST a form with ``secret`` (the applicant's page uses a form, so the secret never
    sits in a URL, a history or a server log)."""

    body_media = FORM

    def __init__(self, clients, authz, public_url):
        self.permits = clients.permits
        self.authz = authz
        self.public_url = public_url

    @operation("The printable certificate, for the applicant's form post (field: secret)",
               {200: CERTIFICATE}, conflicts=True, tags=["permits"], body_media=FORM)
    def on_post(self, req, resp, tracking_code):
        form = urllib.parse.parse_qs(req.bounded_stream.read().decode("utf-8", "replace"))
        secret = (form.get("secret") or [""])[0]
        if not secret:
            raise Invalid.fields([("secret", "required")])
        self._send(req, resp, tracking_code, secret, None)

    @operation("The printable certificate of an issued permit", {200: CERTIFICATE},
               conflicts=True, staff_optional=True, parameters=[APPLICANT_SECRET], tags=["permits"])
    def on_get(self, req, resp, tracking_code):
        secret = req.get_header("X-Applicant-Secret")
        claims = self.authz.claims(req) if req.get_header("Authorization") or not secret else None
        self._send(req, resp, tracking_code, secret, claims)

    def _send(self, req, resp, tracking_code, secret, claims):
        pdf = self.permits.certificate(tracking_code, self.public_url, staff=claims,
                                       applicant_secret=secret)
        resp.content_type = PDF
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

    @operation("A staff member opens an uploaded document",
               {200: {m: {"type": "string", "format": "binary"} for m in MEDIA.values()}},
               tags=["permits"])
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

    @operation("The applicant replaces their secret", {200: ApplicantSecretView}, conflicts=True,
               parameters=[APPLICANT_SECRET], tags=["permits"])
    def on_post(self, req, resp, tracking_code):
        resp.set_header("Cache-Control", "no-store")
        resp.media = self.permits.rotate_applicant_secret(tracking_code,
                                                          req.get_header("X-Applicant-Secret"))
