"""What the queue shows: a citizen's ticket, offices, services, counters, the
board, the waiting list and the day's statistics. Reads only."""
import datetime as dt

from services.common import calendar, events
from services.common.errors import Invalid, NotFound
from services.queue import domain
from services.queue.storage import desk_of, line_of


def office_or_404(store, office_id):
    office = store.get_office(office_id)
    if office is None:
        raise NotFound(f"Unknown office {office_id}",
                       errors=[{"field": "office_id", "message": "unknown office"}])
    return office


def find_service(office, code):
    for svc in office["services"]:
        if svc["code"] == code:
            return svc
    raise Invalid.fields([("service", f"unknown service {code!r} at office {office['id']}")],
                         "Unknown service")


def counters_configured_for(office, service):
    return sum(service in c["services"] for c in office.get("counters", ()))


def find_counter(office, counter_id):
    for counter in office.get("counters", ()):
        if counter["id"] == counter_id:
            return counter
    raise NotFound(f"Unknown counter {counter_id}")


def load_of(office, service, hall):
    """A service's load as events carry it: the service-time basis and counters open."""
    svc = find_service(office, service)
    return {"avg_service_seconds": domain.service_seconds_basis(svc, line_of(hall, service)["recent"]),
            "counters_open": sum(desk_of(hall, c["id"])["open"] for c in office.get("counters", ())
                                 if service in c["services"])}


def hall_fields(office, service):
    """The part of the hall an issue needs back: the service's line and the desks serving it."""
    fields = {f"{part}_{service}": 1 for part in ("day", "seq", "waiting", "recent")}
    fields.update({f"open_{c['id']}": 1 for c in office.get("counters", ()) if service in c["services"]})
    return fields


def entry_of(ticket):
    # Tickets issued before lines had entries carry no session end: in no line.
    return domain.line_entry(ticket["sort_key"], ticket["queued_at"], ticket.get("session_end", 0.0),
                             ticket["_id"])


def ticket_status(ctx, ticket, office, load=None, ahead=None):
    """The citizen's view; ``load`` and ``ahead`` when the caller has them already
    (else one read of the office's hall gives both)."""
    if ticket["status"] != "waiting":
        ahead = 0
    if load is None or ahead is None:
        hall = ctx.store.hall(ticket["office_id"])
        load = load or load_of(office, ticket["service"], hall)
        if ahead is None:
            ahead = domain.ahead_in_line(line_of(hall, ticket["service"])["waiting"], entry_of(ticket),
                                         ctx.clock().timestamp())
    estimate = domain.estimate_wait_minutes(ahead, load["avg_service_seconds"],
                                            load["counters_open"])
    return domain.status_view(as_event_ticket(ticket), calendar.tz(office), ahead, estimate)


def status_by_token(ctx, token):
    ticket = ctx.store.find_ticket_by_key(domain.token_key(token))
    if ticket is None:
        raise NotFound("No ticket with this token")
    return ticket_status(ctx, ticket, office_or_404(ctx.store, ticket["office_id"]))


def as_event_ticket(doc):
    ticket = {k: v for k, v in doc.items() if k not in (
        "_id", "service_seconds", "completed_at", "started_at", "issued_service", "call_id",
        "issued_by")}
    ticket["ticket_id"] = doc["_id"]
    ticket["local_date"] = dt.date.fromisoformat(doc["local_date"])
    return ticket


def ticket_event(ctx, ticket, actor, now, load):
    return {**as_event_ticket(ticket), "at": now, "actor": actor, **load}


def counter_view(counter, desk, ticket):
    return {"id": counter["id"], "name": counter["name"], "services": counter["services"],
            "open": desk["open"], "accessible": bool(counter.get("accessible", False)),
            "current": {"number": ticket["number"], "service": ticket["service"],
                        "status": ticket["status"], "recalls": ticket.get("recalls", 0),
                        "priority_reason": ticket.get("priority_reason")} if ticket else None}


def held_tickets(store, hall, office):
    """{counter id: the ticket its desk holds}, called or being served."""
    held = {}
    for counter in office.get("counters", ()):
        desk = desk_of(hall, counter["id"])
        ticket = store.get_ticket(desk["ticket"]) if desk["ticket"] else store.ticket_of_call(desk["call"])
        if ticket is not None and ticket["status"] in ("called", "serving"):
            held[counter["id"]] = ticket
    return held


def list_counters(ctx, office_id):
    office = office_or_404(ctx.store, office_id)
    hall = ctx.store.hall(office_id)
    held = held_tickets(ctx.store, hall, office)
    return [counter_view(c, desk_of(hall, c["id"]), held.get(c["id"])) for c in office.get("counters", ())]


def office_view(office, now):
    session = calendar.current_session(office, now)
    local = calendar.local_now(office, now)
    today = [{"start": s.isoformat(timespec="minutes"), "end": e.isoformat(timespec="minutes"),
              "evening": calendar.is_evening(e - dt.timedelta(minutes=1))}
             for s, e in calendar.sessions_on(office, local.date())]
    nxt = calendar.next_session(office, now)
    weekly = calendar.describe_sessions(office)
    return {
        "id": office["id"], "name": office["name"], "region_path": office.get("region_path", ""),
        "timezone": office["timezone"], "address": office.get("address", ""),
        "location": office.get("location"),
        "open_now": session is not None,
        "closes_at": session[1].isoformat(timespec="minutes") if session else None,
        "evening_service": any(s["evening"] for spans in weekly.values() for s in spans),
        "sessions": weekly,
        "today": {"date": local.date().isoformat(), "sessions": today,
                  "holiday": calendar.holiday_name(office, local.date())},
        "next_session": nxt[0].isoformat(timespec="minutes") if nxt else None,
        "services": [{"code": s["code"], "name": s["name"]["id"], "names": s["name"],
                      "prefix": s["prefix"], "bookable": bool(s.get("booking"))}
                     for s in office["services"]],
        "max_recalls": office.get("max_recalls", domain.DEFAULT_MAX_RECALLS),
    }


def list_services(ctx, office_id):
    """Each service with its waiting count and estimate: one read of the hall."""
    office = office_or_404(ctx.store, office_id)
    now = ctx.clock()
    today = calendar.local_date(office, now).isoformat()
    open_now = calendar.current_session(office, now) is not None
    hall = ctx.store.hall(office_id)
    out = []
    for svc in office["services"]:
        line = line_of(hall, svc["code"])
        waiting = domain.waiting_in_line(line["waiting"], now.timestamp())
        load = load_of(office, svc["code"], hall)
        out.append({
            "code": svc["code"], "name": svc["name"]["id"], "names": svc["name"],
            "prefix": svc["prefix"], "open_now": open_now,
            "waiting": waiting, "counters_open": load["counters_open"],
            "daily_quota": svc.get("daily_quota"),
            "issued_today": line["seq"] if line["day"] == today else 0,
            "estimated_wait_minutes": domain.estimate_wait_minutes(
                waiting, load["avg_service_seconds"], load["counters_open"]),
        })
    return out


def board(ctx, office_id):
    """What the hall's screen shows (the gateway keeps the same from events)."""
    office = office_or_404(ctx.store, office_id)
    now = ctx.clock()
    zone = calendar.tz(office)
    hall = ctx.store.hall(office_id)
    names = {c["id"]: c["name"] for c in office.get("counters", ())}
    calls = sorted(held_tickets(ctx.store, hall, office).values(),
                   key=lambda t: t["called_at"], reverse=True)
    return {
        "office_id": office_id, "name": office["name"],
        "generated_at": now.astimezone(zone).isoformat(timespec="seconds"),
        "open_now": calendar.current_session(office, now) is not None,
        "calls": [board_call(t, names.get(t["counter_id"], t["counter_id"]), zone) for t in calls],
        "waiting": [{"service": s["code"], "name": s["name"]["id"], "names": s["name"],
                     "waiting": domain.waiting_in_line(line_of(hall, s["code"])["waiting"], now.timestamp())}
                    for s in office["services"]],
        "counters": [{"id": c["id"], "name": c["name"], "open": desk_of(hall, c["id"])["open"]}
                     for c in office.get("counters", ())],
        "notices": [notice_view(n) for n in ctx.store.notices(office_id, now)],
    }


def board_call(ticket, counter_name, zone):
    return {"number": ticket["number"], "service": ticket["service"], "status": ticket["status"],
            "counter_id": ticket["counter_id"], "counter_name": counter_name,
            "called_at": ticket["called_at"].astimezone(zone).isoformat(timespec="seconds"),
            "recalls": ticket.get("recalls", 0), "version": ticket["version"]}


def notice_view(notice):
    return {"id": notice["id"], "text": notice["text"], "kind": notice["kind"],
            "facility_kind": notice.get("facility_kind"), "facility_status": notice.get("facility_status")}


def board_basis(ctx, office, now):
    """What a board read model needs of an office beyond the ticket events."""
    hall = ctx.store.hall(office["id"])
    return {
        "office_id": office["id"], "name": office["name"], "timezone": office["timezone"],
        "calendar": calendar.calendar_facts(office),
        "services": [{"code": s["code"], "name": s["name"]["id"], "names": s["name"]}
                     for s in office["services"]],
        "counters": [{"id": c["id"], "name": c["name"], "open": desk_of(hall, c["id"])["open"]}
                     for c in office.get("counters", ())],
        "notices": [{**notice_view(n), "until": n["until"].isoformat()}
                    for n in ctx.store.notices(office["id"], now)],
    }


def active_snapshot(ctx):
    """Tickets still in play (today's, and those of a session running past
    midnight) as event payloads, office time zones and board bases, for read models."""
    now = ctx.clock()
    tickets, offices, boards = [], {}, {}
    for office in ctx.store.list_offices():
        offices[office["id"]] = office["timezone"]
        boards[office["id"]] = board_basis(ctx, office, now)
        today = calendar.local_date(office, now)
        hall = ctx.store.hall(office["id"])
        loads = {s["code"]: load_of(office, s["code"], hall) for s in office["services"]}
        for day in (today - dt.timedelta(days=1), today):
            for ticket in ctx.store.tickets_of_day(office["id"], day.isoformat()):
                if day < today and ticket.get("session_end", 0) <= now.timestamp():
                    continue
                load = loads.get(ticket["service"]) or {"avg_service_seconds": None, "counters_open": 0}
                tickets.append(events.dump("ticket_issued", ticket_event(ctx, ticket, "system", now, load)))
    return {"tickets": tickets, "offices": offices, "boards": boards}


def waiting_list(ctx, office_id):
    office = office_or_404(ctx.store, office_id)
    now = ctx.clock()
    waiting = sorted(ctx.store.waiting_list(office_id, [s["code"] for s in office["services"]], now),
                     key=domain.call_order_key)
    return [{"number": t["number"], "service": t["service"],
             "priority_reason": t.get("priority_reason"), "from_service": t.get("from_service"),
             "waited_minutes": round((now - t["queued_at"]).total_seconds() / 60)}
            for t in waiting]


def stats(ctx, office_id, date):
    office = office_or_404(ctx.store, office_id)
    try:
        day = dt.date.fromisoformat(date)
    except (TypeError, ValueError):
        raise Invalid.fields([("date", "expected YYYY-MM-DD")])
    zone = calendar.tz(office)

    def session_of(local):
        return "evening" if local.time() >= calendar.EVENING_FROM else "day"

    tickets = list(ctx.store.tickets_of_day(office_id, day.isoformat()))
    return {"office_id": office_id, "date": day.isoformat(),
            **domain.daily_stats(tickets, zone, session_of)}
