import datetime as dt

from gateway.readmodel import TicketReadModel
from services.common import events

NOW = dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.timezone.utc)


def ticket(n, status="waiting", version=1, priority=None, key=None):
    return events.dump("ticket_issued", {
        "at": NOW, "actor": "kiosk", "ticket_id": f"t{n}", "ticket_key": key or f"{n:064d}",
        "office_id": "33.71.02", "service": "KTP", "number": f"A-{n:03d}",
        "local_date": NOW.date(), "serial": n, "status": status, "priority_reason": priority,
        "issued_at": NOW, "queued_at": NOW, "version": version, "sort_key": float(n),
        "avg_service_seconds": 300.0, "counters_open": 2})


def model_with(*payloads):
    model = TicketReadModel()
    model.reset({"tickets": [], "offices": {"33.71.02": "Asia/Jakarta"}})
    for p in payloads:
        model.apply("ticket_issued", p)
    return model


def test_people_ahead_and_estimate_from_events():
    model = model_with(ticket(1), ticket(2), ticket(3))
    view = model.status(f"{3:064d}")
    assert view["people_ahead"] == 2 and view["estimated_wait_minutes"] == 5
    assert view["issued_at"].endswith("+07:00")


def test_called_ticket_leaves_the_line_and_stale_events_are_ignored():
    model = model_with(ticket(1), ticket(2))
    model.apply("ticket_called", ticket(1, status="called", version=2))
    model.apply("ticket_issued", ticket(1, status="waiting", version=1))  # late replay
    assert model.status(f"{1:064d}")["status"] == "called"
    assert model.status(f"{2:064d}")["people_ahead"] == 0


def test_unsynced_model_answers_nothing_so_callers_use_rpc():
    model = TicketReadModel()
    model.apply("ticket_issued", ticket(1))
    assert model.status(f"{1:064d}") is None
