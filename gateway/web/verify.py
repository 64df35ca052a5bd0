"""/verify?number=&code=: the target of an issued permit's QR code; says plainly
whether the permit is genuine and still valid. static/js/verify.js checks
without reloading."""
import re

import falcon

from gateway.web.base import Page
from gateway.web.i18n import name_of
from gateway.web.permits import status_name

NUMBER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
VCODE = re.compile(r"^[A-Za-z0-9]{1,64}$")
CODE_ATTRS = {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
              "maxlength": "64"}


def typed(text):
    """A number or code as typed from paper: spaces anywhere go, letters in capitals."""
    return re.sub(r"\s+", "", text or "").upper()


def verify_result(t, result, type_name=None, office_name=None):
    """What the page says about GET /api/v1/verify's answer: kind, icon, title, text, facts.
    Not finding a number is a reason to check the typing, never a verdict of forgery."""
    if not result.get("genuine"):
        if result.get("reason") == "code_mismatch":
            return {"kind": "fake", "icon": "✗", "title": t("verify.mismatch"),
                    "text": t("verify.mismatch_text"), "facts": [(t("verify.number"), result.get("permit_number"))]}
        return {"kind": "unknown", "icon": "?", "title": t("verify.not_found"),
                "text": t("verify.not_found_text"), "facts": []}
    facts = [(t("verify.number"), result.get("permit_number")),
             (t("verify.type"), type_name or result.get("permit_type")),
             (t("verify.holder"), result.get("holder")), (t("verify.business"), result.get("business")),
             (t("verify.office"), office_name or result.get("office_id")),
             (t("verify.issued"), t.full_date(result["issued_date"]) if result.get("issued_date") else ""),
             (t("verify.status"), status_name(t, result.get("status")))]
    if result.get("valid"):
        return {"kind": "ok", "icon": "✓", "title": t("verify.ok"), "text": t("verify.ok_text"),
                "facts": facts}
    return {"kind": "invalid", "icon": "!",
            "title": t("verify.invalid", status=status_name(t, result.get("status")).lower()),
            "text": t("verify.invalid_text"), "facts": facts}


class VerifyPage(Page):
    scripts = ("verify",)
    body_class = "verify-page"

    def on_get(self, req, resp):
        t = req.context.t
        number = typed(req.get_param("number"))
        code = typed(req.get_param("code"))
        errors = []
        asked = req.get_param("number") is not None or req.get_param("code") is not None
        if asked:
            if not number:
                errors.append(("number", t("verify.number_required")))
            elif not NUMBER.match(number):
                errors.append(("number", t("verify.number_invalid")))
            if not code:
                errors.append(("code", t("verify.code_required")))
            elif not VCODE.match(code):
                errors.append(("code", t("verify.code_invalid")))
        result = {"kind": "", "icon": "", "title": "", "text": "", "facts": []}
        if asked and not errors:
            found = self.clients.permits.verify(number, code)
            type_name = office_name = None
            if found.get("genuine"):
                ptype = self.quietly(self.clients.permits.get_permit_type, found.get("permit_type"))
                type_name = name_of(t, (ptype or {}).get("name")) or None
                office_name = (self.quietly(self.clients.queue.get_office, found.get("office_id")) or {}).get("name")
            result = verify_result(t, found, type_name, office_name)
        title = f'{result["title"]} · {t("verify.title")}' if result["title"] else t("verify.title")
        self.render(req, resp, "verify.html", title, cache="no-store",
                    status=falcon.HTTP_422 if errors else falcon.HTTP_200,
                    result=result, errors=errors, error_of=dict(errors), number=number[:64],
                    code=code[:64], code_attrs=CODE_ATTRS)
        resp.set_header("X-Robots-Tag", "noindex")


def install(app, site):
    app.add_route("/verify", VerifyPage(site))
