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


# --- the display board -------------------------------------------------------------
BASIS = {
    "office_id": "33.71.02", "name": "Magelang Utara", "timezone": "Asia/Jakarta",
    "calendar": {"sessions": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
                 "cuti_bersama": {}, "closures": [], "observe_national_holidays": False},
    "services": [{"code": "KTP", "name": "KTP-el", "names": {"id": "KTP-el", "en": "ID card"}}],
    "counters": [{"id": "1", "name": "Loket 1", "open": False}],
    "notices": [],
}


def board_model(*payloads, clock=NOW.timestamp):
    model = TicketReadModel(clock=clock)
    model.reset({"tickets": list(payloads), "offices": {"33.71.02": "Asia/Jakarta"},
                 "boards": {"33.71.02": BASIS}})
    return model


def board_of(model):
    import json
    etag, data = model.board("33.71.02")
    return etag, json.loads(data)


def test_board_from_events_calls_waiting_counters_and_notices():
    model = board_model(ticket(1), ticket(2))
    etag, board = board_of(model)
    assert board["waiting"] == [{"service": "KTP", "name": "KTP-el", "names": {"id": "KTP-el", "en": "ID card"},
                                 "waiting": 2}]
    assert board["calls"] == [] and board["open_now"] is True
    model.apply("counter_opened", events.dump("counter_opened", {
        "at": NOW, "actor": "staff:x", "office_id": "33.71.02", "counter_id": "1", "services": ["KTP"],
        "loads": {"KTP": {"avg_service_seconds": 300.0, "counters_open": 1}}}))
    called = events.load("ticket_called", ticket(1, status="called", version=2))
    called.update(counter_id="1", counter_name="Loket 1", called_at=NOW)
    model.apply("ticket_called", events.dump("ticket_called", called))
    model.apply("notices_changed", events.dump("notices_changed", {
        "at": NOW, "actor": "system", "office_id": "33.71.02",
        "notices": [{"id": "n1", "text": "Ram rusak", "kind": "accessibility",
                     "until": NOW + dt.timedelta(days=1), "facility_kind": "ramp", "facility_status": "broken"}]}))
    new_etag, board = board_of(model)
    assert new_etag != etag
    assert [c["number"] for c in board["calls"]] == ["A-001"] and board["calls"][0]["counter_name"] == "Loket 1"
    assert board["waiting"][0]["waiting"] == 1 and board["counters"] == [{"id": "1", "name": "Loket 1", "open": True}]
    # The facility's kind and status travel along, so pages say the notice in their own language.
    assert board["notices"] == [{"id": "n1", "text": "Ram rusak", "kind": "accessibility",
                                 "facility_kind": "ramp", "facility_status": "broken"}]
    assert board_of(model)[0] == new_etag  # nothing changed: the same ETag


def test_board_of_an_unknown_or_unsynced_office_is_left_to_the_service():
    assert TicketReadModel().board("33.71.02") is None
    assert board_model().board("33.71.01") is None


def test_changed_office_is_marked_for_a_fresh_basis_and_expired_sessions_wait_for_nobody():
    model = board_model(ticket(1))
    model.apply("office_updated", events.dump("office_updated", {
        "at": NOW, "actor": "admin", "office_id": "33.71.02", "name": "Magelang Utara", "timezone": "Asia/Jakarta"}))
    assert model.stale_offices == {"33.71.02"}
    model.set_board_basis({**BASIS, "name": "Kecamatan Magelang Utara"})
    assert board_of(model)[1]["name"] == "Kecamatan Magelang Utara"
    over = events.load("ticket_issued", ticket(9))
    over["session_end"] = NOW.timestamp() - 1  # yesterday's session, over
    over["sort_key"] = 0.5  # ahead of ticket 1 in the call order, but no longer waiting
    model.apply("ticket_issued", events.dump("ticket_issued", over))
    assert model.waiting_count("33.71.02", "KTP") == 1
    assert model.status(f"{1:064d}")["people_ahead"] == 0


def test_status_view_has_the_contract_shape_so_polls_skip_marshmallow():
    """GET /tickets/{token} sends domain.status_view as it is (no schema dump per poll):
    it must be exactly what TicketView declares and dumps, waiting or called."""
    from services.queue.schemas import TicketView
    model = model_with(ticket(1), ticket(2))
    model.apply("ticket_called", ticket(1, status="called", version=2))
    for key in (f"{1:064d}", f"{2:064d}"):
        view = model.status(key)
        assert set(view) == set(TicketView().fields)
        assert TicketView().dump(view) == view and TicketView().validate(view) == {}
    assert model.status(f"{1:064d}")["status"] == "called"


def test_status_body_is_the_view_and_is_rendered_again_only_when_its_etag_moves():
    import json
    model = model_with(ticket(1), ticket(2), ticket(3))
    key = f"{3:064d}"
    etag, body = model.status_body(key)
    assert json.loads(body) == model.status(key)
    assert etag == 'W/"1-2-5"'  # version, people ahead, minutes
    assert model.status_body(key)[1] is body  # the same bytes, not built again
    model.apply("ticket_called", ticket(1, status="called", version=2))  # one fewer ahead
    etag2, body2 = model.status_body(key)
    assert etag2 == 'W/"1-1-2"' and json.loads(body2)["people_ahead"] == 1
    called = model.status_body(f"{1:064d}")
    assert called[0] == 'W/"2-0-None"' and json.loads(called[1])["status"] == "called"
    assert TicketReadModel().status_body(key) is None  # unsynced: the caller asks the service
