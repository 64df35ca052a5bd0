"""The staff desks: /staff/permits (the permit desk: work list, one application,
its documents, history and actions) and /staff/reports (the access desk: citizens'
problem reports, calling back, answering), plus /report, where a citizen reads the
answer by the report's number.

The desks log in like the clerk console (a staff token in this tab's
sessionStorage, shared with /counter) and work through the JSON API with it
(static/js/staff_permits.js, staff_reports.js); the service checks the office on
every call. Without scripts they say so, as the console does.
"""
import re

import falcon

from gateway.web.base import Page
from gateway.web.i18n import name_of
from services.permits.domain import PERMIT_STATUSES

REPORT_NUMBER = re.compile(r"^[0-9a-f]{16}$")
REPORT_NOT_FOUND = ("report.not_found.title", "report.not_found.text", ("/report", "report.lookup_title"))


class StaffPermitsPage(Page):
    scripts = ("staff_permits",)
    body_class = "staff-desk"

    def on_get(self, req, resp):
        t = req.context.t
        self.render(req, resp, "staff_permits.html", t("desk.permits_title"), cache="no-store",
                    statuses=[(s, t.get(f"permit.status.{s}", s)) for s in PERMIT_STATUSES])
        resp.set_header("X-Robots-Tag", "noindex")

    def on_post(self, req, resp):
        t = req.context.t
        self.message(req, resp, falcon.HTTP_400, t("desk.permits_title"), t("counter.noscript"),
                     ("/staff/permits", t("desk.permits_title")))


class StaffReportsPage(Page):
    scripts = ("staff_reports",)
    body_class = "staff-desk"

    def on_get(self, req, resp):
        t = req.context.t
        self.render(req, resp, "staff_reports.html", t("desk.reports_title"), cache="no-store")
        resp.set_header("X-Robots-Tag", "noindex")

    def on_post(self, req, resp):
        t = req.context.t
        self.message(req, resp, falcon.HTTP_400, t("desk.reports_title"), t("counter.noscript"),
                     ("/staff/reports", t("desk.reports_title")))


class ReportLookupPage(Page):
    """/report?number=: a citizen reads the state of their problem report and the
    office's answer (never the contact number). Works without scripts."""

    body_class = "report-lookup"
    not_found = REPORT_NOT_FOUND

    def on_get(self, req, resp):
        t = req.context.t
        asked = req.get_param("number")
        number = re.sub(r"\s+", "", asked or "").lower()
        error, report = "", None
        if asked is not None:
            if not number:
                error = t("report.number_required")
            elif not REPORT_NUMBER.match(number):
                error = t("report.number_invalid")
            else:
                report = self.clients.accessibility.public_report(number)
        shown = None
        if report:
            office = self.quietly(self.clients.queue.get_office, report["office_id"]) or {}
            shown = {"number": report["id"], "state": t(f"report.state.{report['state']}"),
                     "closed": report["state"] == "closed",
                     "facility": name_of(t, report.get("facility_name")) or report["facility_id"],
                     "office": office.get("name") or report["office_id"],
                     "at": report["at"], "answer": report.get("answer") or "",
                     "answered_at": report.get("answered_at") or ""}
        self.render(req, resp, "report_lookup.html", t("report.lookup_title"), scripts=(),
                    cache="no-store", status=falcon.HTTP_422 if error else falcon.HTTP_200,
                    number=(asked or "")[:40], error=error, report=shown)
        resp.set_header("X-Robots-Tag", "noindex")


def install(app, site):
    app.add_route("/staff/permits", StaffPermitsPage(site))
    app.add_route("/staff/reports", StaffReportsPage(site))
    app.add_route("/report", ReportLookupPage(site))
