"""Issuing and cancelling tickets: the queue's rules of who may join a line.

An issue costs at most 3 database round trips (test_queue_workflows counts
them): the idempotency claim (only when the caller sends a key), the line's
one atomic step on the office's hall document (serial, place in line, and
what the refusal and the estimate need: who is ahead, today's service times,
counters open), and the ticket's insert. The office's configuration comes from memory (storage.OfficeMemory).
The ticket document itself records who issued it and when; the history
collection records every change after that.
"""
import datetime as dt
import uuid

from marshmallow import ValidationError

from services.common import calendar
from services.common.errors import Conflict, Invalid, NotFound, marshmallow_errors
from services.queue import domain, views
from services.queue.schemas import IssueTicket
from services.queue.storage import line_of

_ISSUE_TICKET = IssueTicket()  # one instance: building a schema costs more than loading with it


def issue_ticket(ctx, office_id, request, idempotency_key=None, actor="citizen", booked=None):
    """``booked`` (services.queue.bookings.check_in): {ticket_id, slot_start, session}
    of a booking checking in: its place is the slot's start, its session the slot's,
    and the place it already holds meets no quota or closing-time refusal."""
    try:
        req = _ISSUE_TICKET.load(request)
    except ValidationError as err:
        raise Invalid.fields(marshmallow_errors(err.messages))
    office = views.office_or_404(ctx.store, office_id)
    svc = views.find_service(office, req["service"])
    now = ctx.clock()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as MongoDB will keep it
    ticket_id = booked["ticket_id"] if booked else uuid.uuid4().hex
    if idempotency_key:
        owner, replay = replayed_ticket(ctx, office, idempotency_key, ticket_id, req)
        if replay is not None:
            return replay
        ticket_id = owner  # ours, or that of a retry whose first call died before inserting
    session = booked["session"] if booked else calendar.current_session(office, now)
    if session is None:
        nxt = calendar.next_session(office, now)
        reason = calendar.holiday_name(office, calendar.local_date(office, now))
        raise Conflict("The office is closed now" + (f" ({reason})" if reason else ""),
                       reason="holiday" if reason else "closed",
                       next_session=nxt[0].isoformat() if nxt else None)
    today = calendar.local_date(office, now).isoformat()  # numbered on the day it is issued
    key = domain.sort_key(booked["slot_start"] if booked else now, req["priority_reason"],
                          office.get("priority_boost_minutes", domain.DEFAULT_PRIORITY_BOOST_MINUTES))
    session_end = session[1].timestamp()
    entry = domain.line_entry(key, now, session_end, ticket_id)
    hall = ctx.store.join_line(office_id, svc["code"], today, entry, now.timestamp(),
                               None if booked else svc.get("daily_quota"),
                               views.hall_fields(office, svc["code"]))
    if hall is None:
        nxt = next_day_session(office, now)
        raise Conflict("Today's quota for this service is used up", reason="quota",
                       next_session=nxt[0].isoformat() if nxt else None)
    line = line_of(hall, svc["code"])
    serial = line["seq"]
    ahead = domain.ahead_in_line(line["waiting"], entry, now.timestamp())
    load = views.load_of(office, svc["code"], hall)
    counters = load["counters_open"] or views.counters_configured_for(office, svc["code"])
    rest = rest_of_day(office, now, session)
    if not booked and not domain.can_serve_today(now, rest, ahead, load["avg_service_seconds"], counters):
        ctx.store.undo_join(office_id, svc["code"], today, entry, serial)
        nxt = next_day_session(office, now)
        raise Conflict("Those ahead already fill the time until the day's last session closes",
                       reason="cannot_serve_before_close", closes_at=rest[-1][1].isoformat(),
                       next_session=nxt[0].isoformat() if nxt else None)
    token = domain.ticket_token(ctx.secret, ticket_id)
    ticket = {
        "_id": ticket_id, "ticket_key": domain.token_key(token),
        "office_id": office_id, "service": svc["code"], "issued_service": svc["code"],
        "number": domain.format_number(svc["prefix"], serial),
        "local_date": today, "serial": serial, "status": "waiting",
        "priority_reason": req["priority_reason"], "channel": req["channel"],
        "issued_at": now, "issued_by": actor, "queued_at": now, "called_at": None,
        "counter_id": None, "counter_name": None, "recalls": 0, "from_service": None,
        "version": 1, "sort_key": key, "session_end": session_end,
    }
    ctx.store.insert_ticket(ticket)
    # Published before the answer: a service killed right after answering must not
    # leave the read models without a ticket the citizen holds (tests/stack/test_foundation).
    ctx.publish("ticket_issued", views.ticket_event(ctx, ticket, actor, now, load))
    return {**views.ticket_status(ctx, ticket, office, load, ahead), "token": token, "replayed": False}


def replayed_ticket(ctx, office, idempotency_key, ticket_id, request):
    """(owner id, the first call's answer or None): an Idempotency-Key seen before
    with the same request hands back the same ticket and token instead of issuing
    a second one (another request with it: 422, services.common.idempotency)."""
    owner = ctx.store.claim_idempotency_key(office["id"], idempotency_key, ticket_id, request,
                                            ctx.secret)
    if owner == ticket_id:
        return owner, None
    existing = ctx.store.get_ticket(owner)
    if existing is None:
        return owner, None
    return owner, {**views.ticket_status(ctx, existing, office), "replayed": True,
                   "token": domain.ticket_token(ctx.secret, owner)}


def rest_of_day(office, now, session):
    """Today's sessions still to come, from ``now``: the current one to its end
    (past midnight if it runs on), then the later ones; the breaks between
    them are left out."""
    local = calendar.local_now(office, now)
    later = [(s, e) for s, e in calendar.sessions_on(office, local.date()) if s >= session[1]]
    return [(local, session[1])] + later


def next_day_session(office, now):
    """The first session of a later day: what a refused citizen is told to come back for."""
    local = calendar.local_now(office, now)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), local.tzinfo)
    return calendar.next_session(office, midnight - dt.timedelta(microseconds=1))


def cancel_ticket(ctx, token, actor="citizen"):
    ticket = ctx.store.find_ticket_by_key(domain.token_key(token))
    if ticket is None:
        raise NotFound("No ticket with this token")
    office = views.office_or_404(ctx.store, ticket["office_id"])
    now = ctx.clock()
    moved = ctx.store.transition(ticket["_id"], ("waiting",), {"status": "cancelled"})
    if moved is None:
        raise Conflict(f"A {ticket['status']} ticket cannot be cancelled",
                       reason="illegal_transition", current_status=ticket["status"])
    hall = ctx.store.leave_line(office["id"], moved["service"], views.entry_of(moved), now_ts=now.timestamp())
    load = views.load_of(office, moved["service"], hall)
    record(ctx, moved, "cancel", actor, now)
    ctx.publish("ticket_cancelled", views.ticket_event(ctx, moved, actor, now, load))
    return views.ticket_status(ctx, moved, office, load)


def record(ctx, ticket, action, actor, now):
    ctx.store.record({"ticket_id": ticket["_id"], "office_id": ticket["office_id"],
                      "event": domain.EVENT_OF[action], "actor": actor, "at": now,
                      "status": ticket["status"], "counter_id": ticket.get("counter_id"),
                      "service": ticket["service"]})
