"""Queue service entrypoints: thin; the rules live in domain.py and calendar.py."""
import datetime as dt
import uuid

from marshmallow import ValidationError
from nameko.events import EventDispatcher, event_handler
from nameko.dependency_providers import Config
from nameko.rpc import rpc
from prometheus_client import Gauge

from services.common import calendar, events, regions
from services.common.errors import Conflict, Invalid, NotFound, ServiceError, marshmallow_errors
from services.common.mongo import Storage
from services.common.observability import EVENTS_HANDLED, Observable
from services.queue import domain
from services.queue.schemas import IssueTicket, OfficeConfig
from services.queue.storage import QueueStore

EXPECTED = (ServiceError,)
QUEUE_WAITING = Gauge("senja_queue_waiting", "Tickets waiting (as last counted by this instance)",
                      ["office_id", "service"])


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


class QueueService(Observable):
    name = "queue"

    store = Storage(QueueStore, "senja_queue")
    dispatch = EventDispatcher()
    config = Config()

    # offices -------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def put_office(self, office, actor="system"):
        """Create or replace an office's configuration (the queue service owns offices)."""
        try:
            data = OfficeConfig().load(office)
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages), "Invalid office configuration")
        region = regions.kecamatan(data["id"])
        if region is None:
            raise Invalid.fields([("id", "not a Kemendagri kecamatan code")], "Unknown kecamatan")
        data = _plain({**data, "name": data["name"] or region[0], "region_path": region[1]})
        self.store.put_office(data)
        self.store.record({"office_id": data["id"], "event": "office_configured", "actor": actor,
                           "at": utcnow(), "config": data})
        for counter in data["counters"]:
            self.store.put_counter(data["id"], counter)
        self._publish_office(data, actor)
        return self._office_view(data, utcnow())

    @rpc
    def republish_offices(self, actor="system"):
        """Re-announce every office (for a service that started after they were loaded)."""
        offices = self.store.list_offices()
        for office in offices:
            self._publish_office(office, actor)
        return len(offices)

    @rpc
    def list_offices(self):
        now = utcnow()
        return [self._office_view(o, now) for o in self.store.list_offices()]

    @rpc(expected_exceptions=EXPECTED)
    def get_office(self, office_id):
        return self._office_view(self._office(office_id), utcnow())

    @rpc(expected_exceptions=EXPECTED)
    def list_services(self, office_id):
        office = self._office(office_id)
        now = utcnow()
        today = calendar.local_date(office, now).isoformat()
        session = calendar.current_session(office, now)
        out = []
        for svc in office["services"]:
            waiting = self.store.count_waiting(office_id, svc["code"], today)
            QUEUE_WAITING.labels(office_id, svc["code"]).set(waiting)
            basis = self._avg_service_seconds(office_id, svc)
            counters = self.store.counters_open_for(office_id, svc["code"])
            out.append({
                "code": svc["code"], "name": svc["name"]["id"], "names": svc["name"],
                "prefix": svc["prefix"], "open_now": session is not None,
                "waiting": waiting, "counters_open": counters,
                "daily_quota": svc.get("daily_quota"),
                "issued_today": self.store.issued_today(office_id, svc["code"], today),
                "estimated_wait_minutes": domain.estimate_wait_minutes(waiting, basis, counters),
            })
        return out

    # tickets -------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def issue_ticket(self, office_id, request, idempotency_key=None, actor="citizen"):
        try:
            req = IssueTicket().load(request)
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages))
        office = self._office(office_id)
        svc = _find_service(office, req["service"])
        now = utcnow()
        ticket_id = uuid.uuid4().hex
        if idempotency_key:
            owner = self.store.claim_idempotency_key(office_id, idempotency_key, ticket_id, req,
                                                     self.config["SENJA_SECRET"])
            existing = self.store.get_ticket(owner)
            if existing is not None:
                return {**self._status(existing, office), "replayed": True,
                        "token": domain.ticket_token(self.config["SENJA_SECRET"], owner)}
            ticket_id = owner  # a retry of a call that died before inserting
        session = calendar.current_session(office, now)
        if session is None:
            nxt = calendar.next_session(office, now)
            reason = calendar.holiday_name(office, calendar.local_date(office, now))
            raise Conflict("The office is closed now" + (f" ({reason})" if reason else ""),
                           reason="holiday" if reason else "closed",
                           next_session=nxt[0].isoformat() if nxt else None)
        today = calendar.local_date(office, now).isoformat()
        waiting = self.store.count_waiting(office_id, svc["code"], today)
        load = self._load(office, svc["code"])
        if not domain.can_finish_before_close(
                now, session[1], waiting, load["avg_service_seconds"], load["counters_open"]):
            nxt = calendar.next_session(office, session[1])
            raise Conflict("Those waiting now already fill the time until closing",
                           reason="cannot_serve_before_close",
                           closes_at=session[1].isoformat(),
                           next_session=nxt[0].isoformat() if nxt else None)
        serial = self.store.next_serial(office_id, svc["code"], today, svc.get("daily_quota"))
        if serial is None:
            nxt = calendar.next_session(office, session[1])
            raise Conflict("Today's quota for this service is used up", reason="quota",
                           next_session=nxt[0].isoformat() if nxt else None)
        token = domain.ticket_token(self.config["SENJA_SECRET"], ticket_id)
        ticket = {
            "_id": ticket_id, "ticket_key": domain.token_key(token),
            "office_id": office_id, "service": svc["code"], "issued_service": svc["code"],
            "number": domain.format_number(svc["prefix"], serial),
            "local_date": today, "serial": serial, "status": "waiting",
            "priority_reason": req["priority_reason"], "channel": req["channel"],
            "issued_at": now, "queued_at": now, "called_at": None, "counter_id": None,
            "counter_name": None, "recalls": 0, "from_service": None, "version": 1,
            "sort_key": domain.sort_key(now, req["priority_reason"],
                                        office.get("priority_boost_minutes", 20)),
        }
        self.store.insert_ticket(ticket)
        self.store.record({"ticket_id": ticket_id, "office_id": office_id, "event": "ticket_issued",
                           "actor": actor, "at": now, "status": "waiting"})
        self._publish_ticket("ticket_issued", ticket, office, actor, now, load)
        QUEUE_WAITING.labels(office_id, svc["code"]).set(waiting + 1)
        # An ordinary ticket queues behind everyone waiting; a priority one may not.
        ahead = waiting if not req["priority_reason"] else None
        return {**self._status(ticket, office, load, ahead), "token": token, "replayed": False}

    @rpc(expected_exceptions=EXPECTED)
    def ticket_status(self, token):
        ticket = self.store.find_ticket_by_key(domain.token_key(token))
        if ticket is None:
            raise NotFound("No ticket with this token")
        return self._status(ticket, self._office(ticket["office_id"]))

    @rpc
    def active_snapshot(self):
        """Today's tickets of every office as event payloads, and office time zones, for read models."""
        now = utcnow()
        tickets, offices = [], {}
        for office in self.store.list_offices():
            offices[office["id"]] = office["timezone"]
            today = calendar.local_date(office, now).isoformat()
            loads = {}  # one look-up per service, not per ticket
            for ticket in self.store.tickets_of_day(office["id"], today):
                if ticket["service"] not in loads:
                    loads[ticket["service"]] = self._load(office, ticket["service"])
                tickets.append(events.dump("ticket_issued", self._ticket_payload(
                    ticket, office, "system", now, loads[ticket["service"]])))
        return {"tickets": tickets, "offices": offices}

    @rpc(expected_exceptions=EXPECTED)
    def cancel_ticket(self, token, actor="citizen"):
        ticket = self.store.find_ticket_by_key(domain.token_key(token))
        if ticket is None:
            raise NotFound("No ticket with this token")
        office = self._office(ticket["office_id"])
        moved, load = self._move(ticket, "cancel", office, actor, {})
        return self._status(moved, office, load)

    # counters ------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def list_counters(self, office_id):
        office = self._office(office_id)
        current = {t["_id"]: t for t in self.store.active_at_counters(
            office_id, calendar.local_date(office, utcnow()).isoformat())}
        return [self._counter_view(c, current.get(c["current_ticket_id"]))
                for c in self.store.list_counters(office_id)]

    @rpc(expected_exceptions=EXPECTED)
    def counter_action(self, office_id, counter_id, action, to_service=None, actor="staff"):
        """A clerk's action at a counter; returns {"counter": ..., "ticket": view or None}."""
        if action not in domain.COUNTER_ACTIONS:
            raise Invalid.fields([("action", f"must be one of {', '.join(domain.COUNTER_ACTIONS)}")])
        office = self._office(office_id)
        counter = self.store.get_counter(office_id, counter_id)
        if counter is None:
            raise NotFound(f"Unknown counter {counter_id}")
        now = utcnow()
        if action in ("open", "close"):
            return self._open_close(office, counter, action == "open", actor, now)
        if action == "call_next":
            return self._call_next(office, counter, actor, now)
        ticket = self.store.get_ticket(counter["current_ticket_id"]) if counter["current_ticket_id"] else None
        if ticket is None:
            raise Conflict("No ticket at this counter; call the next one first", reason="no_current_ticket")
        if action == "recall":
            action = domain.recall_outcome(ticket.get("recalls", 0), office.get("max_recalls", 2))
        changes, inc = {}, {}
        if action == "recall":
            inc = {"recalls": 1}
        elif action == "start":
            changes = {"status": "serving", "started_at": now}
        elif action == "complete":
            started = ticket.get("started_at") or ticket.get("called_at")
            changes = {"completed_at": now, "started_at": started,
                       "service_seconds": (now - started).total_seconds()}
        elif action == "transfer":
            target = _find_service(office, to_service or "")  # 422 when unknown
            if target["code"] == ticket["service"]:
                raise Invalid.fields([("to_service", "the ticket is already in this service")])
            # Back to waiting in the new service, at its original place in time.
            changes = {"service": target["code"], "from_service": ticket["service"],
                       "counter_id": None, "counter_name": None, "called_at": None, "recalls": 0}
        moved, load = self._move(ticket, action, office, actor, changes, inc)
        at_counter = moved["status"] in ("called", "serving")
        if not at_counter:
            self.store.set_counter_ticket(office_id, counter["counter_id"], "")
        counter = {**counter, "current_ticket_id": moved["_id"] if at_counter else ""}
        return {"counter": self._counter_view(counter, moved if at_counter else None),
                "ticket": self._status(moved, office, load), "action": action}

    def _open_close(self, office, counter, is_open, actor, now):
        updated = self.store.set_counter_open(office["id"], counter["counter_id"], is_open)
        if updated is None:
            raise Conflict("Finish the ticket at this counter before closing it", reason="counter_busy")
        name = "counter_opened" if is_open else "counter_closed"
        events.publish(self.dispatch, name, {
            "at": now, "actor": actor, "request_id": self.request_id, "office_id": office["id"],
            "counter_id": counter["counter_id"], "services": counter["services"],
            "loads": {code: self._load(office, code) for code in counter["services"]}})
        self.store.record({"counter_id": counter["counter_id"], "office_id": office["id"],
                           "event": name, "actor": actor, "at": now})
        return {"counter": self._counter_view(updated, None), "ticket": None, "action": name[8:]}

    def _call_next(self, office, counter, actor, now):
        if not counter["open"]:
            raise Conflict("Open the counter first", reason="counter_closed")
        if counter["current_ticket_id"]:
            raise Conflict("Finish the current ticket first (complete, no_show or transfer)",
                           reason="counter_busy")
        claimed = self.store.claim_counter(office["id"], counter["counter_id"], now)
        if claimed is None:
            raise Conflict("Another call is in progress at this counter", reason="counter_busy")
        today = calendar.local_date(office, now).isoformat()
        ticket = self.store.take_next(office["id"], counter["services"], today, counter, now)
        self.store.set_counter_ticket(office["id"], counter["counter_id"], ticket["_id"] if ticket else "")
        if ticket is None:
            return {"counter": self._counter_view(claimed, None), "ticket": None, "action": "call_next"}
        load = self._after_move(ticket, "call", office, actor, now)
        return {"counter": self._counter_view(claimed, ticket),
                "ticket": self._status(ticket, office, load), "action": "call_next"}

    def _move(self, ticket, action, office, actor, changes, inc=None):
        allowed, target = domain.TRANSITIONS[action]
        moved = self.store.transition(ticket["_id"], allowed, {"status": target, **changes}, inc)
        if moved is None:
            raise Conflict(f"A {ticket['status']} ticket cannot be {action.replace('_', '-')}ed",
                           reason="illegal_transition", current_status=ticket["status"])
        return moved, self._after_move(moved, action, office, actor, utcnow())

    def _after_move(self, ticket, action, office, actor, now):
        name = domain.EVENT_OF[action]
        self.store.record({"ticket_id": ticket["_id"], "office_id": office["id"], "event": name,
                           "actor": actor, "at": now, "status": ticket["status"],
                           "counter_id": ticket.get("counter_id"), "service": ticket["service"]})
        if action == "complete":
            self.store.forget_service_times(office["id"], ticket["service"])
        return self._publish_ticket(name, ticket, office, actor, now)

    def _counter_view(self, counter, ticket):
        return {"id": counter["counter_id"], "name": counter["name"], "services": counter["services"],
                # bool(): nx-27017 stores a boolean $set on an existing document as 0/1.
                "open": bool(counter["open"]), "accessible": bool(counter.get("accessible", False)),
                "current": {"number": ticket["number"], "service": ticket["service"],
                            "status": ticket["status"], "recalls": ticket.get("recalls", 0),
                            "priority_reason": ticket.get("priority_reason")} if ticket else None}

    # board, waiting list, statistics, notices ------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def board(self, office_id):
        office = self._office(office_id)
        now = utcnow()
        today = calendar.local_date(office, now).isoformat()
        zone = calendar.tz(office)
        counters = {c["counter_id"]: c for c in self.store.list_counters(office_id)}
        calls = sorted(self.store.active_at_counters(office_id, today),
                       key=lambda t: t["called_at"], reverse=True)
        waiting = {}
        for t in self.store.waiting_list(office_id, today):
            waiting[t["service"]] = waiting.get(t["service"], 0) + 1
        return {
            "office_id": office_id, "name": office["name"],
            "generated_at": now.astimezone(zone).isoformat(timespec="seconds"),
            "open_now": calendar.current_session(office, now) is not None,
            "calls": [{"number": t["number"], "service": t["service"], "status": t["status"],
                       "counter_id": t["counter_id"],
                       "counter_name": counters.get(t["counter_id"], {}).get("name", t["counter_id"]),
                       "called_at": t["called_at"].astimezone(zone).isoformat(timespec="seconds"),
                       "recalls": t.get("recalls", 0), "version": t["version"]} for t in calls],
            "waiting": [{"service": s["code"], "name": s["name"]["id"], "names": s["name"],
                         "waiting": waiting.get(s["code"], 0)} for s in office["services"]],
            "counters": [{"id": c["counter_id"], "name": c["name"], "open": bool(c["open"])}
                         for c in counters.values()],
            "notices": [{"id": n["id"], "text": n["text"], "kind": n["kind"]}
                        for n in self.store.notices(office_id, now)],
        }

    @rpc(expected_exceptions=EXPECTED)
    def waiting_list(self, office_id):
        office = self._office(office_id)
        now = utcnow()
        today = calendar.local_date(office, now).isoformat()
        return [{"number": t["number"], "service": t["service"],
                 "priority_reason": t.get("priority_reason"), "from_service": t.get("from_service"),
                 "waited_minutes": round((now - t["queued_at"]).total_seconds() / 60)}
                for t in self.store.waiting_list(office_id, today)]

    @rpc(expected_exceptions=EXPECTED)
    def stats(self, office_id, date):
        office = self._office(office_id)
        try:
            day = dt.date.fromisoformat(date)
        except (TypeError, ValueError):
            raise Invalid.fields([("date", "expected YYYY-MM-DD")])
        zone = calendar.tz(office)

        def session_of(local):
            return "evening" if local.time() >= calendar.EVENING_FROM else "day"

        tickets = list(self.store.tickets_of_day(office_id, day.isoformat()))
        return {"office_id": office_id, "date": day.isoformat(),
                **domain.daily_stats(tickets, zone, session_of)}

    @rpc(expected_exceptions=EXPECTED)
    def post_notice(self, office_id, text, hours=12, actor="staff"):
        self._office(office_id)
        now = utcnow()
        notice = {"id": uuid.uuid4().hex[:12], "office_id": office_id, "text": text[:280],
                  "kind": "office", "at": now, "until": now + dt.timedelta(hours=hours), "actor": actor}
        self.store.put_notice(notice)
        return {k: v for k, v in notice.items() if k not in ("at", "until")}

    @rpc
    def remove_notice(self, notice_id):
        self.store.remove_notice(notice_id)

    @event_handler("accessibility", "facility_status_changed")
    def on_facility_status_changed(self, payload):
        """A broken ramp or accessible counter is news for everyone in the hall."""
        change = events.load("facility_status_changed", payload)
        notice_id = f"facility-{change['facility_id']}"
        if change["status"] in ("broken", "under_maintenance", "removed"):
            words = {"broken": "rusak", "under_maintenance": "dalam perbaikan", "removed": "tidak tersedia"}
            self.store.put_notice({
                "id": notice_id, "office_id": change["office_id"], "kind": "accessibility",
                "text": f"{change['name']} sedang {words[change['status']]}. Petugas siap membantu.",
                "at": change["at"], "until": change["at"] + dt.timedelta(days=30), "actor": change["actor"]})
        else:
            self.store.remove_notice(notice_id)
        EVENTS_HANDLED.labels(self.name, "facility_status_changed").inc()

    # helpers -------------------------------------------------------------
    def _office(self, office_id):
        office = self.store.get_office(office_id)
        if office is None:
            raise NotFound(f"Unknown office {office_id}", errors=[{"field": "office_id", "message": "unknown office"}])
        return office

    def _avg_service_seconds(self, office_id, svc):
        measured = domain.mean_service_seconds(self.store.recent_service_seconds(office_id, svc["code"]))
        return domain.service_seconds_basis(svc, measured)

    def _status(self, ticket, office, load=None, ahead=None):
        """The citizen's view; ``load`` and ``ahead`` when the caller has them already."""
        if ticket["status"] != "waiting":
            ahead = 0
        elif ahead is None:
            ahead = self.store.count_ahead(ticket["office_id"], ticket["service"],
                                           ticket["local_date"], ticket["sort_key"])
        load = load or self._load(office, ticket["service"])
        estimate = domain.estimate_wait_minutes(ahead, load["avg_service_seconds"],
                                                load["counters_open"])
        return domain.status_view(_as_event_ticket(ticket), calendar.tz(office), ahead, estimate)

    def _load(self, office, service):
        """The service's current load, as events carry it for read models."""
        return {"avg_service_seconds": self._avg_service_seconds(office["id"], _find_service(office, service)),
                "counters_open": self.store.counters_open_for(office["id"], service)}

    def _ticket_payload(self, ticket, office, actor, now, load=None):
        return {**_as_event_ticket(ticket), "at": now, "actor": actor,
                "request_id": self.request_id, **(load or self._load(office, ticket["service"]))}

    def _publish_ticket(self, name, ticket, office, actor, now, load=None):
        """Publish the ticket's change; returns the service load the event carried."""
        load = load or self._load(office, ticket["service"])
        events.publish(self.dispatch, name, self._ticket_payload(ticket, office, actor, now, load))
        return load

    def _publish_office(self, office, actor):
        loc = office.get("location") or {}
        events.publish(self.dispatch, "office_updated", {
            "at": utcnow(), "actor": actor, "office_id": office["id"], "name": office["name"],
            "timezone": office["timezone"], "address": office.get("address", ""),
            "latitude": loc.get("lat"), "longitude": loc.get("lon"),
            "region_path": office.get("region_path", ""), **calendar.calendar_facts(office)})

    def _office_view(self, office, now):
        session = calendar.current_session(office, now)
        local = calendar.local_now(office, now)
        today = [{"start": s.isoformat(timespec="minutes"), "end": e.isoformat(timespec="minutes"),
                  "evening": calendar.is_evening(e - dt.timedelta(minutes=1))}
                 for s, e in calendar.sessions_on(office, local.date())]
        nxt = calendar.next_session(office, now)
        return {
            "id": office["id"], "name": office["name"], "region_path": office.get("region_path", ""),
            "timezone": office["timezone"], "address": office.get("address", ""),
            "location": office.get("location"),
            "open_now": session is not None,
            "closes_at": session[1].isoformat(timespec="minutes") if session else None,
            "evening_service": any(s["evening"] for spans in calendar.describe_sessions(office).values() for s in spans),
            "sessions": calendar.describe_sessions(office),
            "today": {"date": local.date().isoformat(), "sessions": today,
                      "holiday": calendar.holiday_name(office, local.date())},
            "next_session": nxt[0].isoformat(timespec="minutes") if nxt else None,
            "services": [{"code": s["code"], "name": s["name"]["id"], "names": s["name"],
                          "prefix": s["prefix"]} for s in office["services"]],
        }


def _find_service(office, code):
    for svc in office["services"]:
        if svc["code"] == code:
            return svc
    raise Invalid.fields([("service", f"unknown service {code!r} at office {office['id']}")],
                         "Unknown service")


def _as_event_ticket(doc):
    ticket = {k: v for k, v in doc.items() if k not in ("_id", "service_seconds", "completed_at",
                                                         "started_at", "issued_service")}
    ticket["ticket_id"] = doc["_id"]
    ticket["local_date"] = dt.date.fromisoformat(doc["local_date"])
    return ticket


def _plain(data):
    """Marshmallow output -> BSON-safe (dates as ISO text)."""
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    if isinstance(data, dt.date):
        return data.isoformat()
    return data
