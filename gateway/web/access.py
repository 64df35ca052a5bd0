"""Accessibility: the finder (offices that meet every chosen need for sure), an
office's facilities with their status and measurements, and problem reports
posted without scripts. static/js/access.js keeps the finder live."""
import re

import falcon

from gateway.clients.errors import NotFound
from gateway.web.base import Missing, Page
from gateway.web.forms import Form, field_errors
from gateway.web.i18n import name_of
from gateway.web.notices import facility_help

NEEDS = ("wheelchair", "toilets_wheelchair", "hearing", "vision", "tactile_paving",
         "hearing_loop", "priority_counter")
FACILITY = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
SYMBOL = {"yes": "✓", "limited": "◐", "no": "✗", "unknown": "?"}
FAC_SYMBOL = {"available": "✓", "limited": "◐", "under_maintenance": "⚠", "broken": "✗",
              "removed": "✗", "unknown": "?"}
MEASURE_UNITS = {"cm": "cm", "degrees": "°"}
OFFICE_NOT_FOUND = ("error.not_found.title", "error.office_not_found", ("/access", "access.back"))


def summary_rows(t, summary):
    rows = []
    for need in NEEDS:
        value = (summary or {}).get(need, "unknown")
        rows.append({"need": need, "value": value, "symbol": SYMBOL.get(value, "?"),
                     "text": t.get("answer." + value, value)})
    return rows


def results_count(t, n, needs):
    if n == 0:
        return t("access.none") if needs else t("access.none_at_all")
    return t("access.count", n=n)


def _needs(req):
    asked = []
    for raw in req.get_param_as_list("needs") or []:
        asked += [n.strip() for n in raw.split(",") if n.strip()]
    return [n for n in NEEDS if n in asked]


class AccessPage(Page):
    """/access: offices that meet every chosen need for sure; the open data exports."""

    scripts = ("access",)
    body_class = "access"

    def on_get(self, req, resp):
        t = req.context.t
        needs = _needs(req)
        open_now = req.get_param("open_now") in ("true", "1", "on")
        found = self.clients.accessibility.search(needs)
        if open_now:
            open_ids = {o["id"] for o in self.clients.queue.list_offices() if o["open_now"]}
            found = [o for o in found if o["office_id"] in open_ids]
        self.render(req, resp, "access.html", t("access.title"), all_needs=NEEDS, needs=needs,
                    open_now=open_now, count=results_count(t, len(found), needs),
                    found=[{**o, "summary": summary_rows(t, o.get("summary"))} for o in found])


def measurement(t, key, value):
    label = t.get(f"measure.{key}", key.replace("_", " "))
    if isinstance(value, bool):
        text = t("answer.yes") if value else t("answer.no")
    elif isinstance(value, (int, float)):
        unit = next((u for suffix, u in MEASURE_UNITS.items() if key.endswith("_" + suffix)), "")
        number = t.number(value)
        text = f"{number}{unit}" if unit == "°" else f"{number} {unit}".strip()
    else:
        text = t.get(f"measure.value.{value}", str(value))
    return label, text


def facility_status_text(t, f):
    eff = f.get("effective_status") or "unknown"
    text = t.get(f"facility.status.{eff}", eff)
    why = ""
    recorded = t.get(f"facility.status.{f.get('status')}", f.get("status"))
    if eff == "unknown":
        if f.get("status") not in (None, "unknown") and f.get("verified_at"):
            why = t("facility.stale", status=recorded, date=t.full_date(f["verified_at"]))
        elif f.get("status") not in (None, "unknown"):
            why = t("facility.unverified", status=recorded)
        else:
            why = t("facility.no_data")
    elif f.get("verified_at"):
        why = t("facility.verified", date=t.full_date(f["verified_at"]))
    return text, why


def standard_issue(t, kind, issue):
    return t.get(f"std.{kind}.{issue['field']}", issue["message"])


class AccessOfficePage(Page):
    """/access/{office_id}: every facility with its status, measurements and a problem report form."""

    scripts = ("access",)
    body_class = "access"
    rate_limit = {"POST": "report_problem"}  # the same bucket as POST /api/v1/facilities/{id}/reports
    not_found = OFFICE_NOT_FOUND

    def on_get(self, req, resp, office_id):
        self._page(req, resp, office_id)

    def on_post(self, req, resp, office_id):
        """A problem report without JavaScript."""
        form = req.context.form = Form.read(req)
        facility_id = form.first("facility_id", 80)
        facility_missing = ("error.not_found.title", "access.facility_not_found",
                            (f"/access/{office_id}", "access.back"))
        if not FACILITY.match(facility_id):
            raise Missing(*facility_missing)
        report = {"description": form.first("description", 2000)}
        if form.first("contact", 40):
            report["contact"] = form.first("contact", 40)
        try:
            made = self.clients.accessibility.report_problem(facility_id, report)
        except NotFound:
            raise Missing(*facility_missing) from None
        self._page(req, resp, office_id, done=made, status=falcon.HTTP_201)

    def reshow(self, req, resp, exc, office_id):
        self._page(req, resp, office_id, errors=dict(field_errors(req.context.t, exc)))
        return True

    def _page(self, req, resp, office_id, errors=None, done=None, status=falcon.HTTP_200):
        t = req.context.t
        data = self.clients.accessibility.office_accessibility(office_id)
        office = self.quietly(self.clients.queue.get_office, office_id) or {}
        name = office.get("name") or office_id
        form = req.context.get("form")
        report_for = form.first("facility_id", 80) if form else None
        facilities = [self._facility(t, f, form if f["id"] == report_for else None,
                                     errors if f["id"] == report_for else None,
                                     done if f["id"] == report_for else None)
                      for f in data["facilities"]]
        self.render(req, resp, "access_office.html", f'{t("access.office_title")} · {name}',
                    status=status, data={"office": office_id}, office_id=office_id, office_name=name,
                    summary=summary_rows(t, data["summary"]), facilities=facilities)

    @staticmethod
    def _facility(t, f, form, errors, done):
        fname = name_of(t, f.get("name")) or f["id"]
        status_text, why = facility_status_text(t, f)
        return {
            "id": f["id"], "name": fname, "kind": t.get(f"facility.kind.{f.get('kind')}", f.get("kind", "")),
            "status": f.get("effective_status") or "unknown", "status_text": status_text, "why": why,
            "help": facility_help(t, f.get("kind"), f.get("effective_status")),
            "symbol": FAC_SYMBOL.get(f.get("effective_status") or "unknown", "?"),
            "measurements": [measurement(t, k, v) for k, v in (f.get("measurements") or {}).items()],
            "issues": [standard_issue(t, f.get("kind"), i) for i in f.get("standard_issues") or []],
            "report": {"open": bool(errors or done), "errors": errors or {},
                       "description": form.first("description", 2000) if form else "",
                       "contact": form.first("contact", 40) if form else "",
                       "done": t("report.done", id=done["id"]) if done else ""}}


def install(app, site):
    app.add_route("/access", AccessPage(site))
    app.add_route("/access/{office_id}", AccessOfficePage(site))
