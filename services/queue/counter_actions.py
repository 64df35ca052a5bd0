"""A clerk's actions at a counter: open, close, call the next ticket, recall,
start, complete, no-show, transfer.

call_next answers after 2 database round trips: the counter's claim (open,
idle, not claimed by a call in flight) and the conditional update that calls
the head of the line. The claim writes the call's id into the counter and the
ticket carries the same id, so the counter needs no second write. What does
not decide the call waits until the clerk has the answer (``ctx.later``): the
line's summary drops the ticket, then the event and the history entry follow.
"""
import uuid

from services.common.errors import Conflict, Invalid, NotFound
from services.queue import domain, issuing, views


def act(ctx, office_id, counter_id, action, to_service=None, actor="staff"):
    """Returns {"counter": ..., "ticket": view or None, "action": ...}."""
    if action not in domain.COUNTER_ACTIONS:
        raise Invalid.fields([("action", f"must be one of {', '.join(domain.COUNTER_ACTIONS)}")])
    office = views.office_or_404(ctx.store, office_id)
    if action == "call_next":
        return call_next(ctx, office, counter_id, actor)
    counter = ctx.store.get_counter(office_id, counter_id)
    if counter is None:
        raise NotFound(f"Unknown counter {counter_id}")
    now = ctx.clock()
    if action in ("open", "close"):
        return open_close(ctx, office, counter, action == "open", actor, now)
    ticket = current_ticket(ctx, counter, now)
    if ticket is None:
        raise Conflict("No ticket at this counter; call the next one first", reason="no_current_ticket")
    if action == "recall":
        action = domain.recall_outcome(ticket.get("recalls", 0),
                                       office.get("max_recalls", domain.DEFAULT_MAX_RECALLS))
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
        target = views.find_service(office, to_service or "")  # 422 when unknown
        if target["code"] == ticket["service"]:
            raise Invalid.fields([("to_service", "the ticket is already in this service")])
        # Back to waiting in the new service, at its original place in time.
        changes = {"service": target["code"], "from_service": ticket["service"],
                   "counter_id": None, "counter_name": None, "called_at": None, "recalls": 0,
                   "call_id": ""}
    allowed, status = domain.TRANSITIONS[action]
    moved = ctx.store.transition(ticket["_id"], allowed, {"status": status, **changes}, inc)
    if moved is None:
        raise Conflict(f"A {ticket['status']} ticket cannot be {action.replace('_', '-')}ed",
                       reason="illegal_transition", current_status=ticket["status"])
    if action == "complete":
        line = ctx.store.add_service_time(office_id, moved["service"], changes["service_seconds"])
    elif action == "transfer":
        line = ctx.store.rejoin_line(office_id, moved["service"], views.entry_of(moved))
    else:
        line = ctx.store.get_line(office_id, moved["service"])
    load = views.load_of(office, moved["service"], line)
    at_counter = moved["status"] in ("called", "serving")
    if not at_counter:
        ctx.store.release_counter(office_id, counter["counter_id"], counter["current_ticket_id"])
    issuing.record(ctx, moved, action, actor, now)
    ctx.publish(domain.EVENT_OF[action], views.ticket_event(ctx, moved, actor, now, load))
    counter = {**counter, "current_ticket_id": counter["current_ticket_id"] if at_counter else ""}
    return {"counter": views.counter_view(counter, moved if at_counter else None),
            "ticket": views.ticket_status(ctx, moved, office, load), "action": action}


def current_ticket(ctx, counter, now):
    """The ticket a counter holds, if any. A claim left by a call that died before
    calling anyone holds nothing: it is cleared once it has lapsed."""
    call_id = counter["current_ticket_id"]
    ticket = ctx.store.ticket_of_call(call_id)
    if ticket is not None and ticket["status"] in ("called", "serving"):
        return ticket
    if call_id and counter["busy_until"] < now.timestamp():
        ctx.store.release_counter(counter["office_id"], counter["counter_id"], call_id)
    return None


def open_close(ctx, office, counter, is_open, actor, now):
    updated = ctx.store.set_counter_open(office["id"], counter["counter_id"], is_open)
    if updated is None:
        raise Conflict("Finish the ticket at this counter before closing it", reason="counter_busy")
    ctx.store.recount_open_counters(office["id"], counter["services"])
    lines = ctx.store.lines_of(office["id"])
    name = "counter_opened" if is_open else "counter_closed"
    ctx.publish(name, {
        "at": now, "actor": actor, "office_id": office["id"],
        "counter_id": counter["counter_id"], "services": counter["services"],
        "loads": {code: views.load_of(office, code, lines.get(code)) for code in counter["services"]}})
    ctx.store.record({"counter_id": counter["counter_id"], "office_id": office["id"],
                      "event": name, "actor": actor, "at": now})
    return {"counter": views.counter_view(updated, None), "ticket": None, "action": name[8:]}


def call_next(ctx, office, counter_id, actor):
    now = ctx.clock()
    call_id = uuid.uuid4().hex
    claimed = ctx.store.claim_counter(office["id"], counter_id, call_id, now)
    if claimed is None:
        _why_no_claim(ctx, office, counter_id, now)
        claimed = ctx.store.claim_counter(office["id"], counter_id, call_id, now)
        if claimed is None:
            raise Conflict("Another call is in progress at this counter", reason="counter_busy")
    ticket = ctx.store.take_next(office["id"], claimed["services"], claimed, call_id, now)
    if ticket is None:
        ctx.store.release_counter(office["id"], counter_id, call_id)
        counter = {**claimed, "current_ticket_id": ""}
        return {"counter": views.counter_view(counter, None), "ticket": None, "action": "call_next"}

    def bookkeeping():
        line = ctx.store.leave_line(office["id"], ticket["service"], views.entry_of(ticket))
        load = views.load_of(office, ticket["service"], line)
        ctx.publish("ticket_called", views.ticket_event(ctx, ticket, actor, now, load))
        issuing.record(ctx, ticket, "call", actor, now)

    ctx.later(bookkeeping)
    # A called ticket has nobody ahead and no estimate: no load needed for its view.
    idle = {"avg_service_seconds": None, "counters_open": 0}
    return {"counter": views.counter_view(claimed, ticket),
            "ticket": views.ticket_status(ctx, ticket, office, idle, 0), "action": "call_next"}


def _why_no_claim(ctx, office, counter_id, now):
    """The claim failed: say why, or clear a lapsed claim so the caller may try once more."""
    counter = ctx.store.get_counter(office["id"], counter_id)
    if counter is None:
        raise NotFound(f"Unknown counter {counter_id}")
    if not counter["open"]:
        raise Conflict("Open the counter first", reason="counter_closed")
    if counter["current_ticket_id"]:
        if current_ticket(ctx, counter, now) is not None:
            raise Conflict("Finish the current ticket first (complete, no_show or transfer)",
                           reason="counter_busy")
        if counter["busy_until"] >= now.timestamp():
            raise Conflict("Another call is in progress at this counter", reason="counter_busy")
