"""A clerk's actions at a counter: open, close, call the next ticket, recall,
start, complete, no-show, transfer.

call_next answers after 2 database round trips: the desk's claim in the
office's hall document (open, idle, no call in flight), which also returns
who waits in call order, and the conditional update that calls the first of
them still waiting. The event goes out before the answer (the load it carries
comes from the claimed hall). What does not decide the call waits until the
clerk has the answer (``ctx.later``): the hall drops the ticket from its line
and notes it at the desk, and the history entry is written. A service killed
in between loses that history entry only: the next call passes over a ticket
that is no longer waiting and drops it from the line, and a desk without its
ticket noted finds it by the call's id.
"""
import uuid

from services.common.errors import Conflict, Invalid
from services.queue import domain, issuing, views
from services.queue.storage import desk_of, line_of

# A called ticket has nobody ahead and no estimate: its view needs no load.
NO_LOAD = {"avg_service_seconds": None, "counters_open": 0}


def act(ctx, office_id, counter_id, action, to_service=None, actor="staff"):
    """Returns {"counter": ..., "ticket": view or None, "action": ...}."""
    if action not in domain.COUNTER_ACTIONS:
        raise Invalid.fields([("action", f"must be one of {', '.join(domain.COUNTER_ACTIONS)}")])
    office = views.office_or_404(ctx.store, office_id)
    counter = views.find_counter(office, counter_id)
    if action == "call_next":
        return call_next(ctx, office, counter, actor)
    now = ctx.clock()
    if action in ("open", "close"):
        return open_close(ctx, office, counter, action == "open", actor, now)
    desk = desk_of(ctx.store.hall(office_id), counter_id)
    ticket = current_ticket(ctx, office, counter, desk, now)
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
    elif action == "no_show":
        changes = {"no_show_at": now.timestamp()}  # epoch seconds: undo_no_show filters on it
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
    at_counter = moved["status"] in ("called", "serving")
    if at_counter:
        hall = ctx.store.hall(office_id)
    else:
        hall = ctx.store.leave_desk(
            office_id, counter_id,
            service_time=(moved["service"], changes["service_seconds"]) if action == "complete" else None,
            rejoin=(moved["service"], views.entry_of(moved)) if action == "transfer" else None,
            no_show=moved["_id"] if action == "no_show" else "")
        desk = {**desk, "call": "", "ticket": ""}
    load = views.load_of(office, moved["service"], hall)
    issuing.record(ctx, moved, action, actor, now)
    ctx.publish(domain.EVENT_OF[action], views.ticket_event(ctx, moved, actor, now, load))
    return {"counter": views.counter_view(counter, desk, moved if at_counter else None),
            "ticket": views.ticket_status(ctx, moved, office, load), "action": action}


def undo_no_show(ctx, office_id, counter_id, actor="staff"):
    """The ticket this counter last let go as a no-show, called back to it within
    domain.UNDO_NO_SHOW_SECONDS, as long as no other ticket has left the counter
    since. The counter must be open and hold no ticket."""
    office = views.office_or_404(ctx.store, office_id)
    counter = views.find_counter(office, counter_id)
    now = ctx.clock()
    desk = desk_of(ctx.store.hall(office_id), counter_id)
    ticket = ctx.store.get_ticket(desk["no_show"]) if desk["no_show"] else None
    if ticket is None or ticket["status"] != "no_show" or \
            not domain.no_show_undoable(ticket.get("no_show_at"), now.timestamp()):
        raise Conflict(f"No no-show at this counter in the last {domain.UNDO_NO_SHOW_SECONDS} s to undo",
                       reason="nothing_to_undo")
    call_id = uuid.uuid4().hex
    hall = ctx.store.claim_desk(office_id, counter_id, call_id, now)
    if hall is None:
        _why_no_claim(ctx, office, counter, now)
        hall = ctx.store.claim_desk(office_id, counter_id, call_id, now)
        if hall is None:
            raise Conflict("Another call is in progress at this counter", reason="counter_busy")
    moved = ctx.store.transition(ticket["_id"], ("no_show",), {
        "status": "called", "call_id": call_id, "counter_id": counter["id"],
        "counter_name": counter["name"], "no_show_at": None})
    if moved is None:  # undone by another press a moment ago
        ctx.store.release_desk(office_id, counter_id, call_id)
        raise Conflict("This no-show was already undone", reason="nothing_to_undo")
    hall = ctx.store.hold_at_desk(office_id, counter_id, moved["_id"])
    issuing.record(ctx, moved, "undo_no_show", actor, now)
    ctx.publish("ticket_no_show_undone", views.ticket_event(ctx, moved, actor, now, NO_LOAD))
    return {"counter": views.counter_view(counter, desk_of(hall, counter_id), moved),
            "ticket": views.ticket_status(ctx, moved, office, NO_LOAD, 0), "action": "undo_no_show"}


def current_ticket(ctx, office, counter, desk, now):
    """The ticket a desk holds, if any. A claim left by a call that died before
    calling anyone holds nothing: it is cleared once it has lapsed."""
    if not desk["call"]:
        return None
    ticket = (ctx.store.get_ticket(desk["ticket"]) if desk["ticket"]
              else ctx.store.ticket_of_call(desk["call"]))  # the call's bookkeeping is not done yet
    if ticket is not None and ticket["status"] in ("called", "serving"):
        return ticket
    if desk["busy_until"] < now.timestamp():
        ctx.store.release_desk(office["id"], counter["id"], desk["call"])
    return None


def open_close(ctx, office, counter, is_open, actor, now):
    hall = ctx.store.set_desk_open(office["id"], counter["id"], is_open)
    if hall is None:
        raise Conflict("Finish the ticket at this counter before closing it", reason="counter_busy")
    name = "counter_opened" if is_open else "counter_closed"
    ctx.publish(name, {
        "at": now, "actor": actor, "office_id": office["id"],
        "counter_id": counter["id"], "services": counter["services"],
        "loads": {code: views.load_of(office, code, hall) for code in counter["services"]}})
    ctx.store.record({"counter_id": counter["id"], "office_id": office["id"],
                      "event": name, "actor": actor, "at": now})
    return {"counter": views.counter_view(counter, desk_of(hall, counter["id"]), None),
            "ticket": None, "action": name[8:]}


def call_next(ctx, office, counter, actor):
    now = ctx.clock()
    call_id = uuid.uuid4().hex
    hall = ctx.store.claim_desk(office["id"], counter["id"], call_id, now)
    if hall is None:
        _why_no_claim(ctx, office, counter, now)
        hall = ctx.store.claim_desk(office["id"], counter["id"], call_id, now)
        if hall is None:
            raise Conflict("Another call is in progress at this counter", reason="counter_busy")
    lines = {service: line_of(hall, service)["waiting"] for service in counter["services"]}
    passed = {}  # entry -> service: tickets another clerk called a moment ago
    while True:
        head = domain.next_in_call_order(lines, now.timestamp(), passed)
        if head is None:
            ctx.store.release_desk(office["id"], counter["id"], call_id)
            ctx.later(lambda: _drop(ctx, office, passed))
            return {"counter": views.counter_view(counter, desk_of(hall, counter["id"]) | {"call": ""}, None),
                    "ticket": None, "action": "call_next"}
        service, entry = head
        ticket = ctx.store.call(domain.entry_ticket(entry), counter, call_id, now)
        if ticket is not None:
            break
        passed[entry] = service

    ctx.publish("ticket_called", views.ticket_event(ctx, ticket, actor, now,
                                                    views.load_of(office, service, hall)))

    def bookkeeping():
        ctx.store.leave_line(office["id"], service, entry, counter["id"], ticket["_id"])
        issuing.record(ctx, ticket, "call", actor, now)
        _drop(ctx, office, passed)

    ctx.later(bookkeeping)
    return {"counter": views.counter_view(counter, desk_of(hall, counter["id"]), ticket),
            "ticket": views.ticket_status(ctx, ticket, office, NO_LOAD, 0), "action": "call_next"}


def _drop(ctx, office, passed):
    """Entries of tickets no longer waiting leave their lines (pulling twice is harmless)."""
    for entry, service in passed.items():
        ctx.store.leave_line(office["id"], service, entry)


def _why_no_claim(ctx, office, counter, now):
    """The claim failed: say why, or clear a lapsed claim so the caller may try once more."""
    desk = desk_of(ctx.store.hall(office["id"]), counter["id"])
    if not desk["open"]:
        raise Conflict("Open the counter first", reason="counter_closed")
    if desk["call"]:
        if current_ticket(ctx, office, counter, desk, now) is not None:
            raise Conflict("Finish the current ticket first (complete, no_show or transfer)",
                           reason="counter_busy")
        if desk["busy_until"] >= now.timestamp():
            raise Conflict("Another call is in progress at this counter", reason="counter_busy")
