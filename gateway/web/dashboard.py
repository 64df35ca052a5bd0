"""/staff/dashboard: the supervisor's evening dashboard. The page signs in with
a staff token as the counter console does (static/js/dashboard.js); the figures
come as a server-rendered panel (GET /api/v1/offices/{office_id}/dashboard/panel,
the token in the Authorization header): SVG charts with a title, a description and the
same figures as tables, and a CSV download of each table."""
from gateway.charts import bar_chart
from gateway.web.base import TEMPLATES, Page
from gateway.web.i18n import name_of


def minutes(t, value):
    return "–" if value is None else t.number(value)


def percent(t, value):
    return "–" if value is None else f"{t.number(round(value * 100, 1))} %"


class DashboardPage(Page):
    scripts = ("dashboard",)
    body_class = "dashboard"

    def on_get(self, req, resp):
        self.render(req, resp, "dashboard.html", req.context.t("dash.title"), cache="no-store")


def panel_html(t, f):
    """The figures panel (HTML) in ``t``'s language; served by the API route
    GET /api/v1/offices/{office_id}/dashboard/panel (gateway/resources/dashboard.py)."""
    hours = f["queue"]["hours"]
    labels = [f'{h["hour"]:02d}' for h in hours]
    session_names = {"day": t("ikm.session.day"), "evening": t("ikm.session.evening")}
    counts = bar_chart("chart-counts", t("dash.chart.counts"), t("dash.chart.counts_desc",
                       issued=f["queue"]["totals"]["issued"], served=f["queue"]["totals"]["served"]),
                       labels, [(t("dash.issued"), [h["issued"] for h in hours]),
                                (t("dash.served"), [h["served"] for h in hours])])
    waits = {}
    for session in ("day", "evening"):
        mine = [h for h in hours if h["session"] == session]
        waits[session] = bar_chart(
            f"chart-waits-{session}", t("dash.chart.waits", session=session_names[session]),
            t("dash.chart.waits_desc", hours=len(mine)),
            [f'{h["hour"]:02d}' for h in mine],
            [(t("dash.p50"), [h["p50_wait_minutes"] for h in mine]),
             (t("dash.p90"), [h["p90_wait_minutes"] for h in mine])], unit=" min")
    ikm = f["ikm"]
    elements = bar_chart("chart-ikm", t("dash.chart.ikm"), t("dash.chart.ikm_desc", n=ikm["respondents"]),
                         list((ikm["elements"] or {}).keys()),
                         [(t("ikm.nrr"), list((ikm["elements"] or {}).values()))])
    return TEMPLATES.get_template("dashboard_panel.html").render(
        t=t, f=f, counts=counts, waits=waits, elements=elements, session_names=session_names,
        minutes=lambda v: minutes(t, v), percent=lambda v: percent(t, v),
        name=lambda v: name_of(t, v), number=t.number,
        quality=lambda c: t(f"ikm.quality.{c}") if c else "")


def install(app, site):
    app.add_route("/staff/dashboard", DashboardPage(site))
