"""Citizens' pages beyond the queue: business permits (apply and track), the
accessibility finder with problem reports, and the check of an issued
permit's QR code. Same rules as pages.py: server-rendered with
``string.Template``, meaningful without scripts, texts in static/i18n, no
inline script or style. Scripts (static/js/permits.js, permit.js, access.js,
verify.js) then talk to the JSON API.
"""
import datetime as dt
import re
import secrets
import urllib.parse

import falcon
from nameko.exceptions import RemoteError

from gateway.rpc import ServiceUnavailable
from gateway.web.pages import TEMPLATES, Page, Texts, h, language
from services.common.errors import from_remote

PERMIT_STATUSES = ("submitted", "intake_check", "in_review", "inspection", "approved", "signing",
                   "issued", "handed_over", "returned_for_revision", "rejected", "withdrawn",
                   "revoked", "expired")
WITHDRAWABLE = ("submitted", "intake_check", "in_review", "returned_for_revision")
UPLOADABLE = ("submitted", "intake_check", "returned_for_revision")
NEEDS = ("wheelchair", "toilets_wheelchair", "hearing", "vision", "tactile_paving",
         "hearing_loop", "priority_counter")
FORMATS = {"pdf": (".pdf", "application/pdf"), "jpeg": (".jpg,.jpeg", "image/jpeg"),
           "png": (".png", "image/png")}
_TRACKING = re.compile(r"^[A-Z][A-Z0-9_]{0,15}-\d{4}-[0-9A-Z]{8}$")
_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_VCODE = re.compile(r"^[A-Za-z0-9]{1,64}$")
_FACILITY = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
_LENGTH = re.compile(r"^Length must be between (\d+) and (\d+)\.$")
_LENGTH_EQ = re.compile(r"^Length must be (\d+)\.$")


# small helpers ---------------------------------------------------------------
def name_of(t, value):
    """A {id, en} name in the page's language (or plain text as it is)."""
    if isinstance(value, dict):
        return value.get(t.lang) or value.get("id") or ""
    return value or ""


def rupiah(t, fee):
    return t("permit.free") if not fee else "Rp " + f"{int(fee):,}".replace(",", ".")


def full_date(t, iso):
    try:
        d = dt.date.fromisoformat(str(iso)[:10])
    except ValueError:
        return iso or ""
    return t("time.full_date", day=t.data["days"][d.weekday()], d=d.day,
             month=t.data["months"][d.month - 1], year=d.year)


def size_text(t, n):
    return t("size.kb", n=max(1, round(n / 1000))) if n < 1_000_000 else \
        t("size.mb", n=f"{n / 1_000_000:.1f}".rstrip("0").rstrip(".").replace(".", t("time.sep") if t.lang == "id" else "."))


def field_error(t, field, message):
    """A service's field message in the page's language (static/js/forms.js does the same)."""
    known = t.data.get("api_errors", {})
    if message in known:
        return known[message]
    m = _LENGTH.match(message or "")
    if m:
        return t("err.length", min=m.group(1), max=m.group(2))
    m = _LENGTH_EQ.match(message or "")
    if m:
        return t("err.length_eq", n=m.group(1))
    if field == "applicant.nik" and t.lang == "id" and message:
        return message  # the NIK checks (lokal) already speak Indonesian
    return t.data.get(f"err.field.{field}") or t("err.invalid")


def field_id(name):
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def field(t, name, label, *, value="", error="", hint="", required=True, kind="input",
          attrs="", options=()):
    """One labelled control with its hint and its error message, tied by aria-describedby.
    ``data-field`` carries the API's field name, so a 422 lands next to the right control."""
    fid = field_id(name)
    mark = "" if required else f' <span class="optional">{h(t("form.optional"))}</span>'
    hint_html = f'<p class="hint" id="{fid}-hint">{h(hint)}</p>' if hint else ""
    described = " ".join(x for x in (f"{fid}-hint" if hint else "", f"{fid}-error") if x)
    invalid = ' aria-invalid="true"' if error else ""
    req = " required" if required else ""
    err = f'<p class="field-error" id="{fid}-error">{h(error)}</p>'
    if kind in ("radio", "checkbox"):
        checked = set(value if isinstance(value, (list, tuple)) else [value])
        choices = "".join(
            f'<label class="choice"><input type="{kind}" name="{h(name)}" value="{h(k)}"'
            f'{" checked" if k in checked else ""}{req if kind == "radio" else ""}> <span>{h(text)}</span></label>'
            for k, text in options)
        return (f'<fieldset class="field" data-field="{h(name)}" id="{fid}" aria-describedby="{described}"{invalid}>'
                f'<legend>{h(label)}{mark}</legend>{hint_html}{err}<div class="choices">{choices}</div></fieldset>')
    control_attrs = f'id="{fid}" name="{h(name)}" aria-describedby="{described}"{invalid}{req} {attrs}'.rstrip()
    if kind == "textarea":
        control = f'<textarea {control_attrs} rows="4">{h(value)}</textarea>'
    elif kind == "select":
        opts = "".join(f'<option value="{h(k)}"{" selected" if k == value else ""}>{h(text)}</option>'
                       for k, text in options)
        control = f'<select {control_attrs}>{opts}</select>'
    else:
        control = f'<input {control_attrs} value="{h(value)}">'
    return (f'<div class="field" data-field="{h(name)}"><label for="{fid}">{h(label)}{mark}</label>'
            f'{hint_html}{err}{control}</div>')


def error_summary(t, errors, title_key="form.errors_title"):
    """The list of problems at the top of a form, each a link to its field."""
    items = "".join(f'<li><a href="#{field_id(f)}">{h(m)}</a></li>' for f, m in errors)
    hidden = "" if errors else " hidden"
    return (f'<div id="form-errors" class="error-summary" tabindex="-1" aria-labelledby="form-errors-h"{hidden}>'
            f'<h2 id="form-errors-h">{h(t(title_key))}</h2><ul id="form-errors-list">{items}</ul></div>')


def _form(req):
    body = req.bounded_stream.read(64_000).decode("utf-8", "replace")
    return urllib.parse.parse_qs(body, keep_blank_values=True)


def _first(form, key, limit=1000):
    return (form.get(key) or [""])[0].strip()[:limit]


def parse_number(text):
    """'5000000', '5.000.000' or '2,5' as a number; the text itself when it is none."""
    raw = text.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", raw):
        raw = raw.replace(".", "")
    raw = raw.replace(",", ".")
    try:
        number = float(raw)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


class CivicPage(Page):
    def remote(self, req, resp, t, service, method, *args, not_found=None, **kwargs):
        """RPC; on trouble renders the 503 page, or the 404 page ``not_found=(title, text, link)``
        and returns None. Other service errors come back as ``(class, body)`` in ``self.problem``."""
        self.problem = None
        try:
            return self.rpc.call(service, method, *args, **kwargs)
        except ServiceUnavailable:
            self.unavailable(req, resp, t)
            return None
        except RemoteError as exc:
            mapped = from_remote(exc.exc_type, exc.value)
            if mapped is None:
                raise
            if mapped[0].status == 404 and not_found:
                self.message(req, resp, t, falcon.HTTP_404, *not_found)
                resp.set_header("X-Robots-Tag", "noindex")
                return None
            self.problem = mapped
            return None

    def quietly(self, service, method, *args):
        """Names for a page that still shows without them."""
        try:
            return self.rpc.call(service, method, *args)
        except (ServiceUnavailable, RemoteError):
            return None


# permits ---------------------------------------------------------------------
def status_name(t, status):
    return t.data.get(f"permit.status.{status}", status)


def action_name(t, action, types_docs=None):
    if action.startswith("upload:"):
        doc = action.split(":", 1)[1]
        return t("permit.action.upload", document=(types_docs or {}).get(doc, doc))
    return t.data.get(f"permit.action.{action}", action)


def upload_section(t, ptype, code="", uploaded=(), hidden=True, level=2):
    """Upload forms for the documents a permit type asks for (scripts send them with the secret)."""
    docs = ptype.get("documents") or []
    if not docs:
        return ""
    forms = []
    names = {}
    for d in docs:
        names[d["code"]] = name_of(t, d["name"])
        formats = d.get("formats") or ["pdf", "jpeg", "png"]
        accept = ",".join(FORMATS[f][0] + "," + FORMATS[f][1] for f in formats if f in FORMATS)
        fid = f"doc-{d['code']}"
        fmt_text = t("upload.formats", formats=", ".join(f.upper() for f in formats),
                     size=size_text(t, d.get("max_bytes", 2_000_000)))
        need = t("form.required_doc") if d.get("required", True) else t("form.optional")
        done = t("upload.already") if d["code"] in uploaded else ""
        forms.append(f"""<form class="upload" data-doc="{h(d['code'])}" data-max="{int(d.get('max_bytes', 2_000_000))}" data-formats="{h(','.join(formats))}" data-name="{h(names[d['code']])}">
  <div class="field" data-field="file">
    <label for="{fid}">{h(names[d['code']])} <span class="optional">{h(need)}</span></label>
    <p class="hint" id="{fid}-hint">{h(fmt_text)}</p>
    <p class="field-error" id="{fid}-error"></p>
    <input type="file" id="{fid}" name="file" accept="{h(accept)}" aria-describedby="{fid}-hint {fid}-error">
  </div>
  <p><button type="submit" class="button secondary">{h(t("upload.button", document=names[d['code']]))}</button></p>
  <p class="upload-done" id="{fid}-done" role="status">{h(done)}</p>
</form>""")
    missing = [names[d["code"]] for d in docs if d.get("required", True) and d["code"] not in uploaded]
    missing_text = t("upload.missing", documents=", ".join(missing)) if missing else t("upload.complete")
    tag = f"h{level}"
    return f"""<section class="uploads" id="uploads" aria-labelledby="uploads-h" data-code="{h(code)}"{" hidden" if hidden else ""}>
  <{tag} id="uploads-h">{h(t("upload.title"))}</{tag}>
  <p>{h(t("upload.intro"))}</p>
  <p class="missing" id="missing" role="status">{h(missing_text)}</p>
  {"".join(forms)}
</section>"""


class PermitsPage(CivicPage):
    """/permits: the permit types, the tracking form and (with ?type=) the application form."""

    scripts = ("permits",)
    body_class = "permits"

    def on_get(self, req, resp):
        t = Texts(language(req, resp))
        track = req.get_param("track")
        if track is not None:
            code = track.strip().upper()
            if _TRACKING.match(code):
                raise falcon.HTTPSeeOther(f"/permits/{code}")
            return self._list(req, resp, t, track_value=track[:60], track_error=t(
                "permit.track_required" if not code else "permit.track_invalid"),
                status=falcon.HTTP_422 if code else falcon.HTTP_200)
        code = req.get_param("type")
        if code:
            return self._apply_page(req, resp, t, code)
        self._list(req, resp, t)

    def on_post(self, req, resp):
        """Applying without JavaScript: a plain form post."""
        t = Texts(language(req, resp))
        form = _form(req)
        code = _first(form, "permit_type", 20)
        ptype = self._type(req, resp, t, code)
        if ptype is None:
            return
        application = self._application(ptype, form)
        key = _first(form, "key", 128)
        made = self.remote(req, resp, t, "permits", "apply", application,
                           # scoped to the client, as the API's keys are
                           idempotency_key=f"{req.context.client}|{key}" if _KEY.match(key) else None)
        if made is None and self.problem is None:
            return
        if made is None:
            cls, body = self.problem
            errors = [(e["field"], field_error(t, e["field"], e["message"])) for e in body.get("errors", [])] \
                or [("form", body.get("detail") or t("error.generic"))]
            return self._apply_page(req, resp, t, code, ptype=ptype, values=form, errors=errors,
                                    status=falcon.code_to_http_status(cls.status))
        self._apply_page(req, resp, t, code, ptype=ptype, made=made, status=falcon.HTTP_201)

    @staticmethod
    def _application(ptype, form):
        get = lambda key, limit=1000: _first(form, key, limit)  # noqa: E731
        def some(**pairs):
            return {k: v for k, v in pairs.items() if v}
        answers = {}
        for a in ptype.get("attributes") or []:
            key = f"answers.{a['code']}"
            if a["datatype"] == "multivaluelist":
                values = [v for v in form.get(key, []) if v]
                if values:
                    answers[a["code"]] = values
            elif get(key):
                answers[a["code"]] = parse_number(get(key)) if a["datatype"] == "number" else get(key)
        return {"office_id": get("office_id", 20), "permit_type": ptype["code"],
                "applicant": some(nik=get("applicant.nik", 40), name=get("applicant.name", 200),
                                  phone=get("applicant.phone", 40)),
                "business": some(name=get("business.name", 200), address=get("business.address", 400),
                                 kbli=get("business.kbli", 20), nib=get("business.nib", 20)),
                "answers": answers}

    def _type(self, req, resp, t, code):
        not_found = (t("permit.type_not_found.title"), t("permit.type_not_found.text"),
                     ("/permits", t("permit.all_types")))
        if not re.fullmatch(r"[A-Z][A-Z0-9_]{0,15}", code or ""):
            self.message(req, resp, t, falcon.HTTP_404, *not_found)
            return None
        ptype = self.remote(req, resp, t, "permits", "get_permit_type", code, not_found=not_found)
        if ptype is None and self.problem:
            raise falcon.HTTPBadRequest()
        return ptype

    def _list(self, req, resp, t, track_value="", track_error="", status=falcon.HTTP_200):
        types = self.remote(req, resp, t, "permits", "list_permit_types")
        if types is None:
            return
        cards = "\n".join(self._type_card(t, p) for p in types) or f'<li>{h(t("permit.no_types"))}</li>'
        main = TEMPLATES["permits"].substitute(
            title=h(t("permit.title")), intro=h(t("permit.intro")),
            track_title=h(t("permit.track_title")),
            track_field=field(t, "track", t("permit.track_label"), value=track_value, error=track_error,
                              hint=t("permit.track_hint"),
                              attrs='autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="40"'),
            track_button=h(t("permit.track_button")), mine_title=h(t("permit.mine_title")),
            types_title=h(t("permit.types_title")), types=cards)
        self.render(req, resp, t, t("permit.title"), main, status=status)

    @staticmethod
    def _type_card(t, p):
        code, name = h(p["code"]), name_of(t, p["name"])
        docs = [name_of(t, d["name"]) + ("" if d.get("required", True) else f' ({t("form.optional")})')
                for d in p.get("documents") or []]
        return f"""<li class="card permit-type" data-type="{code}">
  <h3>{h(name)}</h3>
  <p>{h(name_of(t, p.get("description")))}</p>
  <dl class="pairs">
    <div><dt>{h(t("permit.sla"))}</dt><dd>{h(t("permit.working_days", n=p["sla_working_days"]))}</dd></div>
    <div><dt>{h(t("permit.fee"))}</dt><dd>{h(rupiah(t, p.get("fee")))}</dd></div>
    <div><dt>{h(t("permit.documents"))}</dt><dd>{h(", ".join(docs) or t("permit.no_documents"))}</dd></div>
  </dl>
  <p class="actions"><a class="button" href="/permits?type={code}" aria-label="{h(t("permit.apply_for", name=name))}">{h(t("permit.apply"))}</a></p>
</li>"""

    def _apply_page(self, req, resp, t, code, ptype=None, values=None, errors=(), made=None,
                    status=falcon.HTTP_200):
        ptype = ptype or self._type(req, resp, t, code)
        if ptype is None:
            return
        offices = self.remote(req, resp, t, "queue", "list_offices")
        if offices is None:
            return
        values = values or {}
        val = lambda key: _first(values, key)  # noqa: E731
        err = dict(errors)
        office_choice = val("office_id") or req.get_param("office") or ""
        office_opts = [("", t("permit.choose_office"))] + [
            (o["id"], f'{o["name"]} ({o["id"]})') for o in sorted(offices, key=lambda o: o["id"])]

        def f(name, label_key, **kw):
            return field(t, name, t(label_key), value=val(name), error=err.get(name, ""), **kw)

        applicant = "\n".join([
            f("applicant.nik", "permit.nik", hint=t("permit.nik_hint"),
              attrs='inputmode="numeric" autocomplete="off" maxlength="19" pattern="[0-9 ]{16,19}"'),
            f("applicant.name", "permit.name", attrs='autocomplete="name" maxlength="120"'),
            f("applicant.phone", "permit.phone", hint=t("permit.phone_hint"),
              attrs='type="tel" autocomplete="tel" inputmode="tel" maxlength="20"')])
        business = "\n".join([
            f("business.name", "permit.business_name", attrs='autocomplete="organization" maxlength="160"'),
            f("business.address", "permit.business_address", kind="textarea", attrs='maxlength="300"'),
            f("business.kbli", "permit.kbli", required=False, hint=t("permit.kbli_hint"),
              attrs='inputmode="numeric" maxlength="5" pattern="[0-9]{5}" autocomplete="off"'),
            f("business.nib", "permit.nib", required=False, hint=t("permit.nib_hint"),
              attrs='inputmode="numeric" maxlength="13" pattern="[0-9]{13}" autocomplete="off"')])
        office = field(t, "office_id", t("permit.office"), kind="select", value=office_choice,
                       error=err.get("office_id", ""), options=office_opts, hint=t("permit.office_hint"))
        questions = "\n".join(self._question(t, a, values, err) for a in
                              sorted(ptype.get("attributes") or [], key=lambda a: a.get("order", 0)))
        if err.get("form"):
            errors = [("form", err["form"])]
        done = made or {}
        uploads = upload_section(t, ptype, done.get("tracking_code", ""), hidden=True, level=3)
        docs = [name_of(t, d["name"]) for d in ptype.get("documents") or []]
        secret = done.get("applicant_secret", "")
        tracking = done.get("tracking_code", "")
        main = TEMPLATES["permit_apply"].substitute(
            back=h(t("permit.all_types")), title=h(t("permit.apply_title")),
            type_name=h(name_of(t, ptype["name"])), description=h(name_of(t, ptype.get("description"))),
            sla_label=h(t("permit.sla")), sla=h(t("permit.working_days", n=ptype["sla_working_days"])),
            fee_label=h(t("permit.fee")), fee=h(rupiah(t, ptype.get("fee"))),
            due_now=h(self._due_now(t, ptype["code"], office_choice)),
            errors=error_summary(t, [(k, v) for k, v in errors]),
            form_hidden=" hidden" if made else "", code=h(ptype["code"]), key=h(secrets.token_urlsafe(12)),
            required_note=h(t("form.required_note")),
            applicant_legend=h(t("permit.applicant")), applicant=applicant,
            business_legend=h(t("permit.business")), business=business,
            office=office, questions_legend=h(t("permit.questions")), questions=questions,
            questions_hidden="" if questions else " hidden",
            documents_note=f'<p>{h(t("permit.documents_next", documents=", ".join(docs)))}</p>' if docs else "",
            privacy=h(t("permit.privacy")), submit=h(t("permit.submit")),
            done_hidden="" if made else " hidden", done_title=h(t("permit.done_title")),
            done_text=h(t("permit.done_text")), code_label=h(t("permit.tracking_code")),
            done_code=h(tracking), secret_label=h(t("permit.secret")), done_secret=h(secret),
            warning_title=h(t("permit.secret_warning_title")), warning=h(t("permit.secret_warning")),
            stored=h(t("permit.stored")),
            due=h(t("permit.due", date=full_date(t, done["due_date"])) if done.get("due_date") else ""),
            done_href=h(f"/permits/{tracking}" if tracking else "/permits"), track_link=h(t("permit.track_link")),
            uploads=uploads, uploads_noscript=h(t("upload.noscript")) if uploads else "")
        self.render(req, resp, t, f'{t("permit.apply_title")} · {name_of(t, ptype["name"])}', main,
                    status=status, cache="no-store",
                    data={"type": ptype["code"], "needs": ",".join(
                        d["code"] for d in ptype.get("documents") or [] if d.get("required", True))})

    def _due_now(self, t, code, office_id):
        """"If you apply now, decided by ...": the service standard on the office's calendar."""
        if not office_id:
            return t("permit.due_now_choose")
        try:
            due = self.rpc.call("permits", "due_date", code, office_id,
                                dt.datetime.now(dt.timezone.utc).isoformat())
        except (ServiceUnavailable, RemoteError):
            return ""  # the form works without the estimate
        return t("permit.due_now", date=full_date(t, due["due_date"]))

    @staticmethod
    def _question(t, a, values, err):
        name = f"answers.{a['code']}"
        kind = a["datatype"]
        value = values.get(name, []) if kind == "multivaluelist" else _first(values, name)
        common = dict(value=value, error=err.get(name, ""), required=a.get("required", True))
        label = name_of(t, a.get("description")) or a["code"]
        extra = f' data-datatype="{h(kind)}"' + (f' data-pattern="{h(a["pattern"])}"' if a.get("pattern") else "")
        if kind in ("singlevaluelist", "multivaluelist"):
            options = [(v["key"], name_of(t, v["name"])) for v in a.get("values") or []]
            return field(t, name, label, kind="radio" if kind == "singlevaluelist" else "checkbox",
                         options=options, **common)
        if kind == "text":
            return field(t, name, label, kind="textarea", attrs=f'maxlength="2000"{extra}', **common)
        if kind == "number":
            return field(t, name, label, hint=t("form.number_hint"),
                         attrs=f'inputmode="decimal" autocomplete="off"{extra}', **common)
        if kind == "datetime":
            return field(t, name, label, attrs=f'type="datetime-local"{extra}', **common)
        hint = t("form.pattern_hint", example=_example(a["pattern"])) if a.get("pattern") else ""
        return field(t, name, label, hint=hint if _example(a.get("pattern")) else "",
                     attrs=f'autocomplete="off"{extra}', **common)


def _example(pattern):
    """'5 angka' for ^\\d{5}$; None for patterns we cannot describe simply."""
    m = re.fullmatch(r"\^?\\d\{(\d+)\}\$?", pattern or "")
    return m.group(1) if m else None


class PermitTrackPage(CivicPage):
    """/permits/{tracking_code}: status, SLA and history; the applicant's actions with the secret."""

    scripts = ("permit",)
    body_class = "permit-track"

    def on_get(self, req, resp, tracking_code):
        t = Texts(language(req, resp))
        not_found = (t("permit.not_found.title"), t("permit.not_found.text"),
                     ("/permits", t("permit.track_title")))
        if not _TRACKING.match(tracking_code):
            self.message(req, resp, t, falcon.HTTP_404, *not_found)
            resp.set_header("X-Robots-Tag", "noindex")
            return
        view = self.remote(req, resp, t, "permits", "public_status", tracking_code, not_found=not_found)
        if view is None:
            if self.problem:
                raise falcon.HTTPBadRequest()
            return
        ptype = self.quietly("permits", "get_permit_type", view["permit_type"]) or {"code": view["permit_type"]}
        office = self.quietly("queue", "get_office", view["office_id"]) or {}
        doc_names = {d["code"]: name_of(t, d["name"]) for d in ptype.get("documents") or []}
        uploaded = {e["action"].split(":", 1)[1] for e in view["history"] if e["action"].startswith("upload:")}
        status = view["status"]
        main_text, detail = permit_status_texts(t, view)
        facts = [(t("permit.submitted_at"), t.when(view["submitted_at"])),
                 (t("permit.due_date"), full_date(t, view["due_date"])),
                 (t("permit.applicant_name"), view.get("applicant_name") or "")]
        if view.get("permit_number"):
            facts.append((t("permit.number"), view["permit_number"]))
        verify = ""
        if view.get("verify_url"):
            verify = (f'<p class="verify-link"><a href="{h(view["verify_url"])}">{h(t("permit.verify_link"))}</a></p>')
        main = TEMPLATES["permit_track"].substitute(
            back=h(t("permit.back_to_permits")), title=h(t("permit.track_heading")),
            code_label=h(t("permit.tracking_code")), code=h(view["tracking_code"]),
            type_name=h(name_of(t, ptype.get("name")) or view["permit_type"]),
            office=h(office.get("name") or view["office_id"]),
            status=h(status), status_main=h(main_text), status_detail=h(detail),
            facts="".join(f'<div><dt>{h(k)}</dt><dd>{h(v)}</dd></div>' for k, v in facts),
            sla_state=h(view.get("sla_state", "")), sla=h(sla_text(t, view)), verify=verify,
            mine_title=h(t("permit.mine_actions")), mine_text=h(t("permit.mine_text")),
            note_field=field(t, "note", t("permit.note"), required=False, kind="textarea",
                             hint=t("permit.note_hint"), attrs='maxlength="1000"'),
            resubmit=h(t("permit.resubmit")), withdraw=h(t("permit.withdraw")),
            forget=h(t("permit.forget")),
            uploads=upload_section(t, ptype, view["tracking_code"], uploaded, hidden=True, level=3),
            claim_title=h(t("permit.claim_title")), claim_text=h(t("permit.claim_text")),
            claim_field=field(t, "secret", t("permit.secret"), hint=t("permit.secret_hint"),
                              attrs='autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="64"'),
            claim_button=h(t("permit.claim_button")),
            history_title=h(t("permit.history")),
            history="\n".join(history_item(t, e, doc_names) for e in view["history"]))
        self.render(req, resp, t, t("permit.track_title_code", code=view["tracking_code"]), main,
                    cache="private, no-cache",
                    data={"code": view["tracking_code"], "status": status,
                          "withdrawable": "true" if status in WITHDRAWABLE else "false",
                          "uploadable": "true" if status in UPLOADABLE else "false"})
        resp.set_header("X-Robots-Tag", "noindex")


def permit_status_texts(t, view):
    status = view["status"]
    detail = t.data.get(f"permit.detail.{status}", "")
    notes = [e["note"] for e in view.get("history", []) if e.get("note") and e["status"] == status]
    if notes:
        detail = (detail + " " if detail else "") + t("permit.note_from_office", note=notes[-1])
    return status_name(t, status), detail


def sla_text(t, view):
    state = view.get("sla_state")
    if state in (None, "closed"):
        return ""
    return t(f"permit.sla.{state}", date=full_date(t, view["due_date"]))


def history_item(t, e, doc_names=None):
    """What happened, when, and the status it left the application in (static/js/permit.js too)."""
    note = f'<p class="tl-note">{h(t("permit.note_from_office", note=e["note"]))}</p>' if e.get("note") else ""
    what, status = action_name(t, e["action"], doc_names), status_name(t, e["status"])
    after = "" if what == status else " · " + t("permit.status_after", status=status)
    return (f'<li><p class="tl-status">{h(what)}</p>'
            f'<p class="small"><time datetime="{h(e["at"])}">{h(t.when(e["at"]))}</time>{h(after)}</p>{note}</li>')


# accessibility -----------------------------------------------------------------
def summary_list(t, summary):
    rows = []
    for need in NEEDS:
        value = (summary or {}).get(need, "unknown")
        rows.append(f'<div class="sum sum-{h(value)}"><dt>{h(t("need." + need))}</dt>'
                    f'<dd><span class="sum-icon" aria-hidden="true">{SYMBOL.get(value, "?")}</span> '
                    f'{h(t.data.get("answer." + value, value))}</dd></div>')
    return "".join(rows)


SYMBOL = {"yes": "✓", "limited": "◐", "no": "✗", "unknown": "?"}


def _needs(req):
    asked = []
    for raw in req.get_param_as_list("needs") or []:
        asked += [n.strip() for n in raw.split(",") if n.strip()]
    return [n for n in NEEDS if n in asked]


class AccessPage(CivicPage):
    """/access: offices that meet every chosen need for sure; the open data exports."""

    scripts = ("access",)
    body_class = "access"

    def on_get(self, req, resp):
        t = Texts(language(req, resp))
        needs = _needs(req)
        open_now = req.get_param("open_now") in ("true", "1", "on")
        found = self.remote(req, resp, t, "accessibility", "search", needs)
        if found is None:
            if self.problem:
                raise falcon.HTTPBadRequest()
            return
        if open_now:
            offices = self.remote(req, resp, t, "queue", "list_offices")
            if offices is None:
                return
            open_ids = {o["id"] for o in offices if o["open_now"]}
            found = [o for o in found if o["office_id"] in open_ids]
        boxes = "".join(
            f'<label class="choice"><input type="checkbox" name="needs" value="{n}"'
            f'{" checked" if n in needs else ""}> <span>{h(t("need." + n))}</span></label>' for n in NEEDS)
        main = TEMPLATES["access"].substitute(
            title=h(t("access.title")), intro=h(t("access.intro")), unknown_note=h(t("access.unknown_note")),
            needs_legend=h(t("access.needs")), needs_hint=h(t("access.needs_hint")), needs=boxes,
            open_checked=" checked" if open_now else "", open_now=h(t("access.open_now")),
            search=h(t("access.search")), results_title=h(t("access.results")),
            count=h(results_count(t, len(found), needs)),
            results="\n".join(office_card(t, o) for o in found),
            open_data=h(t("access.open_data")), open_data_text=h(t("access.open_data_text")),
            geojson=h(t("access.geojson")), csv=h(t("access.csv")))
        self.render(req, resp, t, t("access.title"), main)


def results_count(t, n, needs):
    if n == 0:
        return t("access.none") if needs else t("access.none_at_all")
    return t("access.count", n=n)


def office_card(t, o):
    oid, name = h(o["office_id"]), h(o["name"])
    return f"""<li class="card office" data-office="{oid}">
  <h3>{name} <span class="muted small">{oid}</span></h3>
  <dl class="summary">{summary_list(t, o.get("summary"))}</dl>
  <p class="actions"><a class="button secondary" href="/access/{oid}" aria-label="{h(t("access.details_of", office=o["name"]))}">{h(t("access.details"))}</a></p>
</li>"""


MEASURE_UNITS = {"cm": "cm", "degrees": "°"}


def measurement(t, key, value):
    label = t.data.get(f"measure.{key}", key.replace("_", " "))
    if isinstance(value, bool):
        text = t("answer.yes") if value else t("answer.no")
    elif isinstance(value, (int, float)):
        unit = next((u for suffix, u in MEASURE_UNITS.items() if key.endswith("_" + suffix)), "")
        number = f"{value:g}".replace(".", "," if t.lang == "id" else ".")
        text = f"{number}{unit}" if unit == "°" else f"{number} {unit}".strip()
    else:
        text = t.data.get(f"measure.value.{value}", str(value))
    return f"<div><dt>{h(label)}</dt><dd>{h(text)}</dd></div>"


def facility_status_text(t, f):
    eff = f.get("effective_status") or "unknown"
    text = t.data.get(f"facility.status.{eff}", eff)
    why = ""
    if eff == "unknown":
        if f.get("status") not in (None, "unknown") and f.get("verified_at"):
            why = t("facility.stale", status=t.data.get(f"facility.status.{f['status']}", f["status"]),
                    date=full_date(t, f["verified_at"]))
        elif f.get("status") not in (None, "unknown"):
            why = t("facility.unverified", status=t.data.get(f"facility.status.{f['status']}", f["status"]))
        else:
            why = t("facility.no_data")
    elif f.get("verified_at"):
        why = t("facility.verified", date=full_date(t, f["verified_at"]))
    return text, why


class AccessOfficePage(CivicPage):
    """/access/{office_id}: every facility with its status, measurements and a problem report form."""

    scripts = ("access",)
    body_class = "access"

    def on_get(self, req, resp, office_id):
        t = Texts(language(req, resp))
        self._page(req, resp, t, office_id)

    def on_post(self, req, resp, office_id):
        """A problem report without JavaScript."""
        t = Texts(language(req, resp))
        form = _form(req)
        facility_id = _first(form, "facility_id", 80)
        report = {"description": _first(form, "description", 2000)}
        if _first(form, "contact", 40):
            report["contact"] = _first(form, "contact", 40)
        if not _FACILITY.match(facility_id):
            raise falcon.HTTPBadRequest()
        made = self.remote(req, resp, t, "accessibility", "report_problem", facility_id, report,
                           not_found=(t("error.not_found.title"), t("access.facility_not_found"),
                                      (f"/access/{office_id}", t("access.back"))))
        if made is None and self.problem is None:
            return
        if made is None:
            cls, body = self.problem
            errors = {e["field"]: field_error(t, e["field"], e["message"]) for e in body.get("errors", [])}
            return self._page(req, resp, t, office_id, report_for=facility_id, values=form, errors=errors,
                              status=falcon.code_to_http_status(cls.status))
        self._page(req, resp, t, office_id, report_for=facility_id, done=made, status=falcon.HTTP_201)

    def _page(self, req, resp, t, office_id, report_for=None, values=None, errors=None, done=None,
              status=falcon.HTTP_200):
        data = self.remote(req, resp, t, "accessibility", "office_accessibility", office_id,
                           not_found=(t("error.not_found.title"), t("error.office_not_found"),
                                      ("/access", t("access.back"))))
        if data is None:
            if self.problem:
                raise falcon.HTTPBadRequest()
            return
        office = self.quietly("queue", "get_office", office_id) or {}
        name = office.get("name") or office_id
        items = "\n".join(self._facility(t, office_id, f, values if f["id"] == report_for else None,
                                         errors if f["id"] == report_for else None,
                                         done if f["id"] == report_for else None)
                          for f in data["facilities"])
        main = TEMPLATES["access_office"].substitute(
            back=h(t("access.back")), title=h(t("access.office_title")), office=h(name),
            office_id=h(office_id), summary_title=h(t("access.summary")),
            summary=summary_list(t, data["summary"]), unknown_note=h(t("access.unknown_note")),
            facilities_title=h(t("access.facilities")),
            facilities=items or f'<li>{h(t("access.no_facilities"))}</li>',
            kiosk=h(t("home.kiosk")))
        self.render(req, resp, t, f'{t("access.office_title")} · {name}', main, status=status,
                    data={"office": office_id})

    @staticmethod
    def _facility(t, office_id, f, values, errors, done):
        fid = h(f["id"])
        fname = name_of(t, f.get("name")) or f["id"]
        eff = f.get("effective_status") or "unknown"
        status_text, why = facility_status_text(t, f)
        measures = "".join(measurement(t, k, v) for k, v in (f.get("measurements") or {}).items())
        measures_html = (f'<h4>{h(t("facility.measurements"))}</h4><dl class="pairs">{measures}</dl>'
                         if measures else "")
        issues = f.get("standard_issues") or []
        issues_html = ""
        if issues:
            lis = "".join(f"<li>{h(standard_issue(t, f.get('kind'), i))}</li>" for i in issues)
            issues_html = (f'<div class="issues"><p><strong>{h(t("facility.standard_issues"))}</strong></p>'
                           f'<ul>{lis}</ul></div>')
        values, errors = values or {}, errors or {}
        prefix = f"report-{f['id']}"
        desc = field(t, f"{prefix}-description", t("report.description"), kind="textarea",
                     hint=t("report.description_hint"), value=_first(values, "description", 2000),
                     error=errors.get("description", ""), attrs='minlength="5" maxlength="1000"')
        contact = field(t, f"{prefix}-contact", t("report.contact"), required=False,
                        hint=t("report.contact_hint"), value=_first(values, "contact", 40),
                        error=errors.get("contact", ""),
                        attrs='type="tel" inputmode="tel" autocomplete="tel" maxlength="20"')
        # the API's field names, so a 422 finds its place (ids stay unique per facility)
        desc = desc.replace(f'data-field="{prefix}-description"', 'data-field="description"') \
            .replace(f'name="{prefix}-description"', 'name="description"')
        contact = contact.replace(f'data-field="{prefix}-contact"', 'data-field="contact"') \
            .replace(f'name="{prefix}-contact"', 'name="contact"')
        done_text = t("report.done", id=done["id"]) if done else ""
        kind = t.data.get(f"facility.kind.{f.get('kind')}", f.get("kind", ""))
        return f"""<li class="card facility" id="facility-{fid}" data-facility="{fid}">
  <h3>{h(fname)}{f' <span class="muted small">{h(kind)}</span>' if kind != fname else ""}</h3>
  <p class="fstatus fstatus-{h(eff)}"><span class="fstatus-icon" aria-hidden="true">{FAC_SYMBOL.get(eff, "?")}</span> <strong>{h(t("facility.status"))}: {h(status_text)}</strong></p>
  <p class="small">{h(why)}</p>
  {measures_html}
  {issues_html}
  <details class="report"{" open" if (errors or done) else ""}>
    <summary>{h(t("report.open", name=fname))}</summary>
    <form class="report-form" method="post" action="/access/{h(office_id)}" data-facility="{fid}">
      <input type="hidden" name="facility_id" value="{fid}">
      {desc}
      {contact}
      <p><button type="submit" class="button">{h(t("report.send"))}</button></p>
      <p class="report-done" role="status">{h(done_text)}</p>
    </form>
  </details>
</li>"""


def standard_issue(t, kind, issue):
    return t.data.get(f"std.{kind}.{issue['field']}", issue["message"])


FAC_SYMBOL = {"available": "✓", "limited": "◐", "under_maintenance": "⚠", "broken": "✗",
              "removed": "✗", "unknown": "?"}


# verification ----------------------------------------------------------------
def verify_result(t, result, type_name=None, office_name=None):
    """(kind, icon, title, text, facts) for GET /api/v1/verify's answer."""
    if not result.get("genuine"):
        return "fake", "✗", t("verify.fake"), t("verify.fake_text"), []
    facts = [(t("verify.number"), result.get("permit_number")),
             (t("verify.type"), type_name or result.get("permit_type")),
             (t("verify.holder"), result.get("holder")), (t("verify.business"), result.get("business")),
             (t("verify.office"), office_name or result.get("office_id")),
             (t("verify.issued"), full_date(t, result["issued_date"]) if result.get("issued_date") else ""),
             (t("verify.status"), status_name(t, result.get("status")))]
    if result.get("valid"):
        return "ok", "✓", t("verify.ok"), t("verify.ok_text"), facts
    return ("invalid", "!", t("verify.invalid", status=status_name(t, result.get("status")).lower()),
            t("verify.invalid_text"), facts)


class VerifyPage(CivicPage):
    """/verify?number=&code=: the QR code's target; says plainly whether the permit is genuine."""

    scripts = ("verify",)
    body_class = "verify-page"

    def on_get(self, req, resp):
        t = Texts(language(req, resp))
        number = (req.get_param("number") or "").strip()
        code = (req.get_param("code") or "").strip()
        errors = []
        asked = req.get_param("number") is not None or req.get_param("code") is not None
        if asked:
            if not number:
                errors.append(("number", t("verify.number_required")))
            elif not _NUMBER.match(number):
                errors.append(("number", t("verify.number_invalid")))
            if not code:
                errors.append(("code", t("verify.code_required")))
            elif not _VCODE.match(code):
                errors.append(("code", t("verify.code_invalid")))
        result = None
        if asked and not errors:
            result = self.remote(req, resp, t, "permits", "verify", number, code)
            if result is None:
                if self.problem:
                    raise falcon.HTTPBadRequest()
                return
        kind, icon, title, text, facts = ("", "", "", "", [])
        if result is not None:
            type_name = office_name = None
            if result.get("genuine"):
                ptype = self.quietly("permits", "get_permit_type", result.get("permit_type"))
                type_name = name_of(t, (ptype or {}).get("name")) or None
                office_name = (self.quietly("queue", "get_office", result.get("office_id")) or {}).get("name")
            kind, icon, title, text, facts = verify_result(t, result, type_name, office_name)
        err = dict(errors)
        main = TEMPLATES["verify"].substitute(
            title=h(t("verify.title")), intro=h(t("verify.intro")),
            result_hidden="" if result is not None else " hidden", kind=h(kind or "none"), icon=h(icon),
            result_title=h(title), result_text=h(text),
            facts="".join(f'<div><dt>{h(k)}</dt><dd>{h(v)}</dd></div>' for k, v in facts if v),
            errors=error_summary(t, errors),
            manual_title=h(t("verify.manual")), manual_hint=h(t("verify.manual_hint")),
            number_field=field(t, "number", t("verify.number"), value=number[:64], error=err.get("number", ""),
                               hint=t("verify.number_hint"),
                               attrs='autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="64"'),
            code_field=field(t, "code", t("verify.code"), value=code[:64], error=err.get("code", ""),
                             hint=t("verify.code_hint"),
                             attrs='autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="64"'),
            check=h(t("verify.check")))
        page_title = f'{title} · {t("verify.title")}' if title else t("verify.title")
        self.render(req, resp, t, page_title, main, cache="no-store",
                    status=falcon.HTTP_422 if errors else falcon.HTTP_200)
        resp.set_header("X-Robots-Tag", "noindex")


def install(app, deps, static):
    app.add_route("/permits", PermitsPage(deps, static))
    app.add_route("/permits/{tracking_code}", PermitTrackPage(deps, static))
    app.add_route("/access", AccessPage(deps, static))
    app.add_route("/access/{office_id}", AccessOfficePage(deps, static))
    app.add_route("/verify", VerifyPage(deps, static))
