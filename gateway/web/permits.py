"""Business permits: the published types, the application form (works without
scripts) and the tracking page. static/js/permits.js and permit.js add the
applicant's actions with the secret and the uploads."""
import datetime as dt
import re
import secrets

import falcon
import segno

from gateway.web.base import Missing, Page
from gateway.web.forms import Form, field_errors, parse_number
from gateway.web.i18n import name_of
from services.permits import kbli

WITHDRAWABLE = ("submitted", "intake_check", "in_review", "returned_for_revision")
UPLOADABLE = ("submitted", "intake_check", "returned_for_revision")
FORMATS = {"pdf": (".pdf", "application/pdf"), "jpeg": (".jpg,.jpeg", "image/jpeg"),
           "png": (".png", "image/png")}
TRACKING = re.compile(r"^[A-Z][A-Z0-9_]{0,15}-\d{4}-[0-9A-Z]{8}$")
TYPE_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,15}$")
TYPE_NOT_FOUND = ("permit.type_not_found.title", "permit.type_not_found.text",
                  ("/permits", "permit.all_types"))
PERMIT_NOT_FOUND = ("permit.not_found.title", "permit.not_found.text", ("/permits", "permit.track_title"))


def rupiah(t, fee):
    return t("permit.free") if not fee else "Rp " + t.number(int(fee))


def size_text(t, n):
    if n < 1_000_000:
        return t("size.kb", n=max(1, round(n / 1000)))
    return t("size.mb", n=t.number(round(n / 1_000_000, 1)))


def status_name(t, status):
    return t.get(f"permit.status.{status}", status)


def action_name(t, action, doc_names=None):
    if action.startswith("upload:"):
        doc = action.split(":", 1)[1]
        return t("permit.action.upload", document=(doc_names or {}).get(doc, doc))
    return t.get(f"permit.action.{action}", action)


def uploads(t, ptype, uploaded=()):
    """What templates/permit_uploads.html shows for a permit type's documents."""
    docs = []
    for d in ptype.get("documents") or []:
        formats = d.get("formats") or ["pdf", "jpeg", "png"]
        max_bytes = int(d.get("max_bytes", 2_000_000))
        docs.append({
            "code": d["code"], "name": name_of(t, d["name"]), "formats": formats, "max_bytes": max_bytes,
            "accept": ",".join(FORMATS[f][0] + "," + FORMATS[f][1] for f in formats if f in FORMATS),
            "formats_text": t("upload.formats", formats=", ".join(f.upper() for f in formats),
                              size=size_text(t, max_bytes)),
            "need": t("form.required_doc") if d.get("required", True) else t("form.optional"),
            "done": t("upload.already") if d["code"] in uploaded else ""})
    missing = [d["name"] for d, raw in zip(docs, ptype.get("documents") or [])
               if raw.get("required", True) and d["code"] not in uploaded]
    return {"documents": docs, "missing": t("upload.missing", documents=", ".join(missing))
            if missing else t("upload.complete")}


class PermitsPage(Page):
    """/permits: the permit types, the tracking form and (with ?type=) the application form."""

    scripts = ("permits", "permit_secret")
    body_class = "permits"
    rate_limit = {"POST": "apply_permit"}  # the same bucket as POST /api/v1/permits
    not_found = TYPE_NOT_FOUND

    def on_get(self, req, resp):
        t = req.context.t
        track = req.get_param("track")
        if track is not None:
            code = track.strip().upper()
            if TRACKING.match(code):
                raise falcon.HTTPSeeOther(f"/permits/{code}")
            return self._list(req, resp, track_value=track[:60], track_error=t(
                "permit.track_required" if not code else "permit.track_invalid"),
                status=falcon.HTTP_422 if code else falcon.HTTP_200)
        code = req.get_param("type")
        if code:
            return self._apply_page(req, resp, self._type(code))
        self._list(req, resp)

    def on_post(self, req, resp):
        """Applying without JavaScript: a plain form post."""
        form = req.context.form = Form.read(req)
        ptype = self._type(form.first("permit_type", 20))
        req.context.ptype = ptype
        made = self.clients.permits.apply(application(ptype, form),
                                          idempotency_key=form.idempotency_key(req))
        self._apply_page(req, resp, ptype, made=made, status=falcon.HTTP_201)

    def reshow(self, req, resp, exc):
        if "ptype" not in req.context:
            return None
        errors = field_errors(req.context.t, exc) or [("form", exc.detail)]
        self._apply_page(req, resp, req.context.ptype, errors=errors)
        return True

    def _type(self, code):
        if not TYPE_CODE.match(code or ""):
            raise Missing(*TYPE_NOT_FOUND)
        return self.clients.permits.get_permit_type(code)

    def _list(self, req, resp, track_value="", track_error="", status=falcon.HTTP_200):
        t = req.context.t
        types = [{"code": p["code"], "name": name_of(t, p["name"]),
                  "description": name_of(t, p.get("description")),
                  "sla_working_days": p["sla_working_days"], "fee": rupiah(t, p.get("fee")),
                  "documents": ", ".join(
                      name_of(t, d["name"]) + ("" if d.get("required", True) else f' ({t("form.optional")})')
                      for d in p.get("documents") or [])}
                 for p in self.clients.permits.list_permit_types()]
        self.render(req, resp, "permits.html", t("permit.title"), status=status, types=types,
                    track_value=track_value, track_error=track_error)

    def _apply_page(self, req, resp, ptype, errors=(), made=None, status=falcon.HTTP_200):
        t = req.context.t
        offices = self.clients.queue.list_offices()
        form = req.context.get("form") or Form({})
        err = dict(errors)

        def f(name, label_key, **kw):
            return dict(name=name, label=t(label_key), value=form.first(name), error=err.get(name, ""), **kw)

        numeric = {"inputmode": "numeric", "autocomplete": "off"}
        applicant = [
            f("applicant.nik", "permit.nik", hint=t("permit.nik_hint"),
              attrs={**numeric, "maxlength": "19", "pattern": "[0-9 ]{16,19}"}),
            f("applicant.name", "permit.name", attrs={"autocomplete": "name", "maxlength": "120"}),
            f("applicant.phone", "permit.phone", hint=t("permit.phone_hint"),
              attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel", "maxlength": "20"})]
        # KBLI is asked once: as the permit type's question when it has one (the service
        # copies it to the business), else as the business's optional code.
        asks_kbli = any(a.get("code") == "kbli" for a in ptype.get("attributes") or [])
        business = [
            f("business.name", "permit.business_name", attrs={"autocomplete": "organization", "maxlength": "160"}),
            f("business.address", "permit.business_address", kind="textarea", attrs={"maxlength": "300"})]
        if not asks_kbli:
            business.append(f("business.kbli", "permit.kbli", required=False, hint=t("permit.kbli_hint"),
                              attrs={"inputmode": "numeric", "maxlength": "5", "pattern": "[0-9]{5}",
                                     "autocomplete": "off", "list": "kbli-2020"}))
        business += [
            f("business.nib", "permit.nib", required=False, hint=t("permit.nib_hint"),
              attrs={"inputmode": "numeric", "maxlength": "13", "pattern": "[0-9]{13}", "autocomplete": "off"})]
        office = f("office_id", "permit.office", kind="select", hint=t("permit.office_hint"),
                   options=[("", t("permit.choose_office"))] + [
                       (o["id"], f'{o["name"]} ({o["id"]})') for o in sorted(offices, key=lambda o: o["id"])])
        office["value"] = form.first("office_id") or req.get_param("office") or ""
        due_now = self._due_now(t, ptype["code"], office["value"])
        questions = [question(t, a, form, err) for a in
                     sorted(ptype.get("attributes") or [], key=lambda a: a.get("order", 0))]
        for q in questions:
            if q["name"] == "answers.kbli":
                q["attrs"] = {**q.get("attrs", {}), "list": "kbli-2020", "inputmode": "numeric", "maxlength": "5"}
                q["hint"] = t("permit.kbli_lookup_hint")
        # The error summary names each field: "NIK: ...", not the message alone.
        labels = {x["name"]: x["label"] for x in [*applicant, *business, office, *questions]}
        summary = [(name, f"{labels[name]}: {message}" if name in labels else message)
                   for name, message in errors]
        self.render(req, resp, "permit_apply.html",
                    f'{t("permit.apply_title")} · {name_of(t, ptype["name"])}', status=status,
                    cache="no-store",
                    data={"type": ptype["code"], "needs": ",".join(
                        d["code"] for d in ptype.get("documents") or [] if d.get("required", True))},
                    ptype=ptype, type_name=name_of(t, ptype["name"]),
                    description=name_of(t, ptype.get("description")), fee=rupiah(t, ptype.get("fee")),
                    due_now=due_now,
                    errors=summary, made=made or {}, key=secrets.token_urlsafe(12),
                    kbli_codes=[(c, title_id if t.lang == "id" else title_en)
                                for c, title_id, title_en in kbli.codes()],
                    secret_qr=secret_qr(made),
                    applicant=applicant, business=business, office=office, questions=questions,
                    documents=[name_of(t, d["name"]) for d in ptype.get("documents") or []],
                    uploads=uploads(t, ptype))

    def _due_now(self, t, code, office_id):
        """"If you apply now, decided by ...": the service standard on the office's calendar."""
        if not office_id:
            return t("permit.due_now_choose")
        now = dt.datetime.now(dt.timezone.utc).isoformat()
        due = self.quietly(self.clients.permits.due_date, code, office_id, now)
        return t("permit.due_now", date=t.full_date(due["due_date"])) if due else ""  # works without


def secret_qr(made):
    """The tracking code and applicant secret as a QR code (segno, SVG data URI), to
    save or print at the moment the secret is shown."""
    if not made or not made.get("applicant_secret"):
        return ""
    payload = f"SENJA-IZIN {made['tracking_code']} {made['applicant_secret']}"
    return segno.make(payload, error="m").svg_data_uri(scale=4, border=2)


def application(ptype, form):
    """The API's application body from the posted form; blanks left out ("required" comes back)."""
    def some(**pairs):
        return {k: v for k, v in pairs.items() if v}
    answers = {}
    for a in ptype.get("attributes") or []:
        key = f"answers.{a['code']}"
        if a["datatype"] == "multivaluelist":
            if form.all(key):
                answers[a["code"]] = form.all(key)
        elif form.first(key):
            answers[a["code"]] = parse_number(form.first(key)) if a["datatype"] == "number" else form.first(key)
    return {"office_id": form.first("office_id", 20), "permit_type": ptype["code"],
            "applicant": some(nik=form.first("applicant.nik", 40), name=form.first("applicant.name", 200),
                              phone=form.first("applicant.phone", 40)),
            "business": some(name=form.first("business.name", 200), address=form.first("business.address", 400),
                             kbli=form.first("business.kbli", 20), nib=form.first("business.nib", 20)),
            "answers": answers}


def question(t, a, form, err):
    """The field of one of a permit type's questions (its datatype decides the control)."""
    name = f"answers.{a['code']}"
    kind = a["datatype"]
    spec = dict(name=name, label=name_of(t, a.get("description")) or a["code"],
                value=form.all(name) if kind == "multivaluelist" else form.first(name),
                error=err.get(name, ""), required=a.get("required", True))
    extra = {"data-datatype": kind, "data-pattern": a.get("pattern") or None}
    if kind in ("singlevaluelist", "multivaluelist"):
        return dict(spec, kind="radio" if kind == "singlevaluelist" else "checkbox",
                    options=[(v["key"], name_of(t, v["name"])) for v in a.get("values") or []])
    if kind == "text":
        return dict(spec, kind="textarea", attrs={"maxlength": "2000", **extra})
    if kind == "number":
        return dict(spec, hint=t("form.number_hint"),
                    attrs={"inputmode": "decimal", "autocomplete": "off", **extra})
    if kind == "datetime":
        return dict(spec, attrs={"type": "datetime-local", **extra})
    example = _example(a.get("pattern"))
    return dict(spec, hint=t("form.pattern_hint", example=example) if example else "",
                attrs={"autocomplete": "off", **extra})


def _example(pattern):
    """'5' for ^\\d{5}$ (the hint says '5 angka'); None for patterns we cannot describe simply."""
    m = re.fullmatch(r"\^?\\d\{(\d+)\}\$?", pattern or "")
    return m.group(1) if m else None


class PermitTrackPage(Page):
    """/permits/{tracking_code}: status, SLA and history; the applicant's actions with the secret."""

    scripts = ("permit", "permit_certificate")
    body_class = "permit-track"
    not_found = PERMIT_NOT_FOUND

    def on_get(self, req, resp, tracking_code):
        t = req.context.t
        if not TRACKING.match(tracking_code):
            raise Missing(*PERMIT_NOT_FOUND)
        view = self.clients.permits.public_status(tracking_code)
        ptype = self.quietly(self.clients.permits.get_permit_type, view["permit_type"]) \
            or {"code": view["permit_type"]}
        office = self.quietly(self.clients.queue.get_office, view["office_id"]) or {}
        doc_names = {d["code"]: name_of(t, d["name"]) for d in ptype.get("documents") or []}
        uploaded = {e["action"].split(":", 1)[1] for e in view["history"] if e["action"].startswith("upload:")}
        status = view["status"]
        main_text, detail = permit_status_texts(t, view)
        facts = [(t("permit.submitted_at"), t.when(view["submitted_at"])),
                 (t("permit.due_date"), t.full_date(view["due_date"])),
                 (t("permit.applicant_name"), view.get("applicant_name") or "")]
        if view.get("permit_number"):
            facts.append((t("permit.number"), view["permit_number"]))
        self.render(req, resp, "permit_track.html", t("permit.track_title_code", code=view["tracking_code"]),
                    cache="private, no-cache",
                    data={"code": view["tracking_code"], "status": status,
                          "withdrawable": "true" if status in WITHDRAWABLE else "false",
                          "uploadable": "true" if status in UPLOADABLE else "false"},
                    view=view, type_name=name_of(t, ptype.get("name")) or view["permit_type"],
                    office_name=office.get("name") or view["office_id"],
                    status_main=main_text, status_detail=detail, facts=facts, sla=sla_text(t, view),
                    uploads=uploads(t, ptype, uploaded),
                    history=[history_item(t, e, doc_names) for e in view["history"]])
        resp.set_header("X-Robots-Tag", "noindex")


def permit_status_texts(t, view):
    status = view["status"]
    detail = t.get(f"permit.detail.{status}", "")
    notes = [e["note"] for e in view.get("history", []) if e.get("note") and e["status"] == status]
    if notes:
        detail = (detail + " " if detail else "") + t("permit.note_from_office", note=notes[-1])
    return status_name(t, status), detail


def sla_text(t, view):
    state = view.get("sla_state")
    if state in (None, "closed"):
        return ""
    return t(f"permit.sla.{state}", date=t.full_date(view["due_date"]))


def history_item(t, e, doc_names=None):
    """What happened, when, and the status it left the application in (static/js/permit.js too)."""
    what, status = action_name(t, e["action"], doc_names), status_name(t, e["status"])
    return {"what": what, "at": e["at"], "note": e.get("note") or "",
            "after": "" if what == status else " · " + t("permit.status_after", status=status)}


class SecretQrCode(Page):
    """POST code and secret (the page that shows them has both): the QR code as a data
    URI, for the page that applied with scripts. Nothing is stored or looked up."""

    def on_post(self, req, resp):
        form = Form.read(req)
        code, secret = form.first("code", 40), form.first("secret", 64)
        if not TRACKING.match(code or "") or not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", secret or ""):
            raise falcon.HTTPBadRequest(title="code and secret required")
        resp.content_type = falcon.MEDIA_JSON
        resp.cache_control = ["no-store"]
        resp.media = {"data_uri": secret_qr({"tracking_code": code, "applicant_secret": secret})}


def install(app, site):
    app.add_route("/permits/secret-qr", SecretQrCode(site))
    app.add_route("/permits", PermitsPage(site))
    app.add_route("/permits/{tracking_code}", PermitTrackPage(site))
