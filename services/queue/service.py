"""Queue service entrypoints: thin; the rules live in domain.py and calendar.py."""
import datetime as dt
import uuid

from marshmallow import ValidationError
from nameko.events import EventDispatcher
from nameko.rpc import rpc

from services.common import events, regions
from services.common.errors import Conflict, Invalid, NotFound, ServiceError, marshmallow_errors
from services.common.mongo import Storage
from services.common.observability import Observable
from services.queue import calendar, domain
from services.queue.schemas import IssueTicket, OfficeConfig
from services.queue.storage import QueueStore

EXPECTED = (ServiceError,)


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


class QueueService(Observable):
    name = "queue"

    store = Storage(QueueStore, "senja_queue")
    dispatch = EventDispatcher()

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
            owner = self.store.claim_idempotency_key(office_id, idempotency_key, ticket_id)
            existing = self.store.get_ticket(owner)
            if existing is not None:
                return {**self._status(existing, office), "token": None, "replayed": True}
            ticket_id = owner  # a retry of a call that died before inserting
        session = calendar.current_session(office, now)
        if session is None:
            nxt = calendar.next_session(office, now)
            reason = calendar.holiday_name(office, calendar.local_date(office, now))
            raise Conflict("The office is closed now" + (f" ({reason})" if reason else ""),
                           reason="holiday" if reason else "closed",
                           next_session=nxt[0].isoformat() if nxt else None)
        today = calendar.local_date(office, now).isoformat()
        serial = self.store.next_serial(office_id, svc["code"], today, svc.get("daily_quota"))
        if serial is None:
            nxt = calendar.next_session(office, session[1])
            raise Conflict("Today's quota for this service is used up", reason="quota",
                           next_session=nxt[0].isoformat() if nxt else None)
        token = domain.new_token()
        ticket = {
            "_id": ticket_id, "ticket_key": domain.token_key(token),
            "office_id": office_id, "service": svc["code"],
            "number": domain.format_number(svc["prefix"], serial),
            "local_date": today, "serial": serial, "status": "waiting",
            "priority_reason": req["priority_reason"], "channel": req["channel"],
            "issued_at": now, "queued_at": now, "called_at": None, "counter_id": None,
            "recalls": 0, "from_service": None, "version": 1,
            "sort_key": domain.sort_key(now, req["priority_reason"],
                                        office.get("priority_boost_minutes", 20)),
        }
        self.store.insert_ticket(ticket)
        self.store.record({"ticket_id": ticket_id, "office_id": office_id, "event": "ticket_issued",
                           "actor": actor, "at": now, "status": "waiting"})
        self._publish_ticket("ticket_issued", ticket, office, actor, now)
        return {**self._status(ticket, office), "token": token, "replayed": False}

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
            for ticket in self.store.tickets_of_day(office["id"], today):
                tickets.append(events.dump("ticket_issued",
                                           self._ticket_payload(ticket, office, "system", now)))
        return {"tickets": tickets, "offices": offices}

    # helpers -------------------------------------------------------------
    def _office(self, office_id):
        office = self.store.get_office(office_id)
        if office is None:
            raise NotFound(f"Unknown office {office_id}", errors=[{"field": "office_id", "message": "unknown office"}])
        return office

    def _avg_service_seconds(self, office_id, svc):
        measured = domain.mean_service_seconds(self.store.recent_service_seconds(office_id, svc["code"]))
        return domain.service_seconds_basis(svc, measured)

    def _status(self, ticket, office):
        zone = calendar.tz(office)
        ahead = self.store.count_ahead(ticket["office_id"], ticket["service"],
                                       ticket["local_date"], ticket["sort_key"])
        svc = _find_service(office, ticket["service"])
        estimate = domain.estimate_wait_minutes(
            ahead, self._avg_service_seconds(office["id"], svc),
            self.store.counters_open_for(office["id"], ticket["service"]))
        return domain.status_view(_as_event_ticket(ticket), zone, ahead, estimate)

    def _ticket_payload(self, ticket, office, actor, now):
        svc = _find_service(office, ticket["service"])
        return {**_as_event_ticket(ticket), "at": now, "actor": actor,
                "request_id": self.request_id,
                "avg_service_seconds": self._avg_service_seconds(office["id"], svc),
                "counters_open": self.store.counters_open_for(office["id"], ticket["service"])}

    def _publish_ticket(self, name, ticket, office, actor, now):
        events.publish(self.dispatch, name, self._ticket_payload(ticket, office, actor, now))

    def _publish_office(self, office, actor):
        loc = office.get("location") or {}
        events.publish(self.dispatch, "office_updated", {
            "at": utcnow(), "actor": actor, "office_id": office["id"], "name": office["name"],
            "timezone": office["timezone"], "address": office.get("address", ""),
            "latitude": loc.get("lat"), "longitude": loc.get("lon"),
            "region_path": office.get("region_path", "")})

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
                                                         "started_at")}
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
