"""The counter hall: offices open now, the kiosk, the display board, the clerk's
console, a citizen's ticket and its QR code."""
import datetime as dt
import io
import json
import re
import secrets

import falcon
import segno

from gateway.clients import errors
from gateway.web import device
from gateway.web.base import Missing, Page, problem_text
from gateway.web.forms import Form, field_errors, load
from gateway.web.notices import notice_text
from services.common import config as senja_config
from services.common.events import PRIORITY_REASONS
from services.queue.schemas import IssueTicket
from services.queue.domain import token_key

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
COUNTER_NAME = re.compile(r"^Loket\s+(\S+)$")
TICKET_NOT_FOUND = ("ticket.not_found.title", "ticket.not_found.text", ("/", "ticket.not_found.action"))


def service_name(t, svc):
    names = svc.get("names") or {}
    return names.get(t.lang) or names.get("id") or svc.get("name") or svc.get("code")


def office_today(office):
    try:
        return dt.date.fromisoformat(office["today"]["date"])
    except (KeyError, TypeError, ValueError):
        return None


class Home(Page):
    scripts = ("home",)  # "my tickets" kept on this device

    def on_get(self, req, resp):
        t = req.context.t
        offices = self.clients.queue.list_offices()
        offices.sort(key=lambda o: (not o["open_now"], not o["evening_service"], o["id"]))
        self.render(req, resp, "home.html", t("home.title"),
                    offices=[self._card(t, o) for o in offices])

    @staticmethod
    def _card(t, o):
        today = office_today(o)
        facts = []
        if o["open_now"] and o.get("closes_at"):
            facts.append(t("home.closes_at", time=t.clock(o["closes_at"], today)))
        elif o.get("next_session"):
            facts.append(t("home.next_session", when=t.when(o["next_session"], today)))
        sessions = (o.get("today") or {}).get("sessions") or []
        holiday = (o.get("today") or {}).get("holiday")
        if holiday:
            hours = t("home.holiday", name=holiday)
        elif sessions:
            hours = ", ".join(f"{t.clock(s['start'])}–{t.clock(s['end'], s['start'])}" for s in sessions)
        else:
            hours = t("home.today_none")
        return {**o, "facts": " · ".join(facts), "hours": hours,
                "services": ", ".join(service_name(t, s) for s in o.get("services", []))}


class Kiosk(Page):
    scripts = ("kiosk",)
    body_class = "kiosk"
    rate_limit = {"POST": "issue_ticket"}  # the same bucket as POST /api/v1/offices/{id}/tickets

    def on_get(self, req, resp, office_id):
        if device.provision(req, resp, self._secret, office_id):
            resp.status, resp.location = falcon.HTTP_303, f"/kiosk/{office_id}"  # the key leaves the address
            return
        self._page(req, resp, office_id)

    @property
    def _secret(self):
        settings = getattr(self.site.deps, "settings", None) or senja_config.from_env()
        return settings.secret

    def on_post(self, req, resp, office_id):
        """Taking a ticket without JavaScript: a plain form post, the API's input rules.
        A phone goes on to the ticket's own page; the kiosk shows the printed view."""
        form = req.context.form = Form.read(req)
        request = load(IssueTicket(), {"service": form.first("service", 16), "channel": "kiosk",
                                        "priority_reason": form.first("priority_reason", 40) or None})
        ticket = self.clients.queue.issue_ticket(office_id, request,
                                                 idempotency_key=form.idempotency_key(req), actor="kiosk")
        if not device.is_kiosk(req, self._secret, office_id) and ticket.get("token"):
            resp.status, resp.location = falcon.HTTP_303, f"/t/{ticket['token']}"
            return
        if ticket.get("replayed"):
            return self._page(req, resp, office_id, notice=req.context.t("kiosk.replayed"))
        self._page(req, resp, office_id, ticket=ticket, status=falcon.HTTP_201)

    def reshow(self, req, resp, exc, office_id):
        self._page(req, resp, office_id, problem=exc)
        return True

    def _page(self, req, resp, office_id, ticket=None, problem=None, notice=None,
              status=falcon.HTTP_200):
        t = req.context.t
        office = self.clients.queue.get_office(office_id)
        services = self.clients.queue.list_services(office_id)
        today = office_today(office)
        alert = notice or ""
        if problem is not None:
            alert = " ".join(m for _, m in field_errors(t, problem)) if problem.errors \
                else problem_text(t, problem, today)
        closed = "" if office["open_now"] else (
            t("kiosk.closed_next", when=t.when(office["next_session"], today))
            if office.get("next_session") else t("kiosk.closed"))
        names = {s["code"]: service_name(t, s) for s in services}
        form = req.context.get("form")
        chosen = form.first("priority_reason", 40) if form else ""
        self.render(req, resp, "kiosk.html", f'{t("kiosk.title")} · {office["name"]}', status=status,
                    data={"office": office_id, "today": office["today"]["date"],
                          "kiosk": "1" if device.is_kiosk(req, self._secret, office_id) else "0"},
                    office=office, office_id=office_id, closed=closed, alert=alert, ticket=ticket,
                    priority_reasons=("",) + PRIORITY_REASONS,
                    chosen_reason=chosen if chosen in PRIORITY_REASONS else "",
                    services=[self._service(t, s, office["open_now"]) for s in services],
                    key=secrets.token_urlsafe(12),
                    view=self._ticket_view(t, ticket, names, req) | printed_facts(t, office, ticket))

    @staticmethod
    def _service(t, s, office_open):
        quota = s.get("daily_quota")
        full = quota is not None and s.get("issued_today", 0) >= quota
        facts = [t("kiosk.waiting", n=s["waiting"])]
        if not s.get("counters_open"):
            facts.append(t("kiosk.no_counter"))
        elif s.get("estimated_wait_minutes") == 0:
            facts.append(t("kiosk.wait_soon"))
        elif s.get("estimated_wait_minutes") is not None:
            facts.append(t("kiosk.wait_estimate", n=s["estimated_wait_minutes"]))
        else:
            facts.append(t("kiosk.no_estimate"))
        if quota is not None and not full:
            facts.append(t("kiosk.quota_left", n=quota - s.get("issued_today", 0)))
        return {"code": s["code"], "prefix": s["prefix"], "name": service_name(t, s),
                "facts": " · ".join(facts), "state": t("kiosk.full") if full else "",
                "disabled": full or not office_open or not s.get("open_now", True)}

    @staticmethod
    def _ticket_view(t, ticket, names, req):
        ticket = ticket or {}
        ahead = ticket.get("people_ahead")
        estimate = ticket.get("estimated_wait_minutes")
        page = f"/t/{ticket['token']}" if ticket.get("token") else ""
        return {
            "number": ticket.get("number", ""), "service": names.get(ticket.get("service"), ""),
            "ahead": "" if ahead is None else (t("kiosk.ahead", n=ahead) if ahead else t("kiosk.ahead_none")),
            "estimate": "" if not ticket else (t("kiosk.estimate", n=estimate) if estimate
                                               else t("kiosk.estimate_soon") if estimate == 0
                                               else t("kiosk.estimate_none")),
            "page": page, "url": (req.forwarded_prefix + page) if page else ""}


def printed_facts(t, office, ticket):
    """What a printed ticket carries besides its number: the office, the date and the time."""
    issued = (ticket or {}).get("issued_at")
    return {"office": office["name"],
            "issued": t("kiosk.issued_at", date=t.full_date(issued), time=t.clock(issued)) if issued else ""}


def counter_label(t, name):
    """A counter's name in the page's language ("Loket 2" reads "Counter 2" in English)."""
    m = COUNTER_NAME.match(name or "")
    return t("counter.label", n=m.group(1)) if m else (name or "")


class Display(Page):
    scripts = ("display",)
    body_class = "display"

    def on_get(self, req, resp, office_id):
        t = req.context.t
        board = self.clients.queue.board(office_id)
        calls = []
        for c in board["calls"]:
            extra = []
            if c["status"] == "serving":
                extra.append(t("display.serving"))
            elif c.get("recalls"):
                extra.append(t("display.recalled", n=c["recalls"] + 1))
            calls.append({**c, "recalls": c.get("recalls", 0), "extra": " · ".join(extra),
                          "counter_label": counter_label(t, c["counter_name"])})
        waiting = [{**w, "name": service_name(t, w)} for w in board["waiting"]]
        self.render(req, resp, "display.html", f'{t("display.title")} · {board["name"]}',
                    data={"office": office_id}, header=False, board=board, calls=calls, waiting=waiting,
                    notices=[{**n, "text": notice_text(t, n)} for n in board["notices"]])


class Counter(Page):
    scripts = ("counter", "booking-arrivals", "counter-notify")
    body_class = "counter"
    ACTIONS = (("open", "o"), ("close", "c"), ("call_next", "n"), ("recall", "r"), ("start", "s"),
               ("complete", "d"), ("no_show", "x"))

    def on_get(self, req, resp):
        self.render(req, resp, "counter.html", req.context.t("counter.title"), cache="no-store",
                    actions=self.ACTIONS)

    def on_post(self, req, resp):
        t = req.context.t
        self.message(req, resp, falcon.HTTP_400, t("counter.title"), t("counter.noscript"),
                     ("/counter", t("counter.title")))


class TicketPage(Page):
    scripts = ("ticket", "notify")
    body_class = "ticket"
    not_found = TICKET_NOT_FOUND

    def on_get(self, req, resp, token):
        t = req.context.t
        view = self._view(token)
        # Without the office the ticket still shows, with codes instead of names.
        office = self.quietly(self.clients.queue.get_office, view["office_id"]) or {}
        names = {s["code"]: service_name(t, s) for s in office.get("services", [])}
        status_main, status_detail = status_texts(t, view, names)
        waiting = view["status"] == "waiting"
        counters_open = None
        if waiting and view.get("estimated_wait_minutes") is None:
            services = self.quietly(self.clients.queue.list_services, view["office_id"]) or []
            counters_open = next((s.get("counters_open") for s in services if s["code"] == view["service"]), None)
        estimate, estimate_why = estimate_texts(t, view.get("estimated_wait_minutes"), counters_open)
        self.render(req, resp, "ticket.html", t("ticket.title", number=view["number"]),
                    cache="private, no-cache",
                    data={"token": token, "status": view["status"], "version": view["version"],
                          "names": json.dumps(names, ensure_ascii=False), "office": view["office_id"],
                          "number": view["number"], "office-name": office.get("name", view["office_id"]),
                          "date": (view.get("issued_at") or "")[:10]},
                    view=view, token=token, waiting=waiting,
                    service=names.get(view["service"], view["service"]),
                    office_name=office.get("name", view["office_id"]),
                    status_main=status_main, status_detail=status_detail,
                    ahead=view["people_ahead"] if waiting else "–", estimate=estimate if waiting else "–",
                    estimate_why=estimate_why if waiting else "", live=live_text(t, view, estimate),
                    issued=t("ticket.issued", time=t.clock(view["issued_at"])) if view.get("issued_at") else "",
                    notify_done=req.params.get("notify") == "ok",
                    notify_settings=getattr(self.site.deps, "settings", None))
        resp.set_header("X-Robots-Tag", "noindex")

    def on_post(self, req, resp, token):
        """Cancel without JavaScript (the script asks for confirmation first)."""
        if not TOKEN.match(token):
            raise Missing(*TICKET_NOT_FOUND)
        try:
            self.clients.queue.cancel_ticket(token)
        except errors.Conflict:
            pass  # no longer waiting: the page shows why
        raise falcon.HTTPSeeOther(f"/t/{token}")

    def _view(self, token):
        if not TOKEN.match(token):
            raise Missing(*TICKET_NOT_FOUND)
        return self.site.deps.readmodel.status(token_key(token)) or self.clients.queue.ticket_status(token)


def estimate_texts(t, minutes, counters_open=None):
    """(estimate, why there is none): never "± 0 minutes"; no counter open is said as such."""
    if minutes == 0:
        return t("ticket.estimate_soon"), ""
    if minutes is not None:
        return t("ticket.minutes", n=minutes), ""
    if counters_open == 0:
        return t("ticket.no_estimate"), t("ticket.no_estimate_no_counter")
    return t("ticket.no_estimate"), t("ticket.no_estimate_no_data")


def live_text(t, view, estimate):
    """The sentence a screen reader hears while waiting: people ahead and the estimate."""
    if view["status"] != "waiting":
        return ""
    ahead = view["people_ahead"]
    return t("ticket.live", ahead=t("kiosk.ahead", n=ahead) if ahead else t("kiosk.ahead_none"),
             estimate=estimate)


def status_texts(t, view, names=None):
    """(headline, detail) of a ticket's status, as the page shows it."""
    status = view["status"]
    counter = counter_label(t, view.get("counter_name") or view.get("counter") or "")
    main = t(f"status.{status}", counter=counter)
    detail = ""
    if status == "called":
        detail = t("ticket.called_text")
        if view.get("recalls"):  # counted as the board counts: the 2nd call is the first recall
            detail += " " + t("ticket.recalls", n=view["recalls"] + 1)
    elif status == "no_show":
        detail = t("ticket.no_show_text")
    elif status == "cancelled":
        detail = t("ticket.cancelled_text")
    elif status == "waiting" and view.get("from_service"):
        src = (names or {}).get(view["from_service"], view["from_service"])
        detail = t("ticket.transferred_from", service=src)
    return main, detail


class TicketQr:
    """The QR code of a ticket's page, as SVG (the kiosk shows it; a phone scans it)."""

    def on_get(self, req, resp, token):
        if not TOKEN.match(token):
            raise falcon.HTTPNotFound()
        base = senja_config.from_env().public_url  # configured, never the request's Host
        qr = segno.make(f"{base}/t/{token}", error="m")
        resp.content_type = "image/svg+xml"
        resp.cache_control = ["private", "max-age=86400"]
        out = io.BytesIO()
        qr.save(out, kind="svg", scale=4, border=2, dark="#000", light="#fff", xmldecl=False,
                svgclass=None, lineclass=None)
        resp.data = out.getvalue()


def install(app, site):
    app.add_route("/", Home(site))
    app.add_route("/kiosk/{office_id}", Kiosk(site))
    app.add_route("/display/{office_id}", Display(site))
    app.add_route("/counter", Counter(site))
    app.add_route("/t/{token}", TicketPage(site))
    app.add_route("/t/{token}/qr.svg", TicketQr())
