import time

import eventlet
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.testing.services import entrypoint_waiter

from gateway.readmodel import EventFeed, TicketReadModel
from services.accessibility.service import AccessibilityService
from services.permits.service import PermitsService
from services.queue import domain
from services.queue.service import QueueService


def test_ticket_issued_reaches_the_gateway_read_model(container_factory, config, offices):
    container = container_factory(QueueService, config)
    container.start()
    model = TicketReadModel()
    with ClusterRpcProxy(config, timeout=10) as rpc:
        rpc.queue.put_office(offices[0])
        feed = EventFeed(config["AMQP_URI"], model, lambda: rpc.queue.active_snapshot(), "it").start()
        try:
            _wait(lambda: model.synced)
            ticket = rpc.queue.issue_ticket("33.71.02", {"service": "KTP"})
            _wait(lambda: model.status(domain.token_key(ticket["token"])) is not None)
            view = model.status(domain.token_key(ticket["token"]))
            assert view["number"] == ticket["number"] and view["status"] == "waiting"
        finally:
            feed.stop()


def test_office_updated_reaches_permits_and_accessibility(runner_factory, config, offices):
    runner = runner_factory(config, QueueService, PermitsService, AccessibilityService)
    runner.start()
    access = next(c for c in runner.containers if c.service_name == "accessibility")
    with entrypoint_waiter(access, "on_office_updated"):
        with ClusterRpcProxy(config, timeout=10) as rpc:
            rpc.queue.put_office(offices[0])
    with ClusterRpcProxy(config, timeout=10) as rpc:
        made = rpc.accessibility.put_facility({
            "id": "ramp-1", "office_id": "33.71.02", "kind": "ramp",
            "name": {"id": "Ram", "en": "Ramp"}, "status": "available"})
        assert made["office_id"] == "33.71.02"
        assert rpc.accessibility.office_accessibility("33.71.02")["facilities"][0]["id"] == "ramp-1"


def test_two_instances_twenty_clients_two_hundred_tickets(container_factory, config, offices):
    for _ in range(2):
        container_factory(QueueService, config).start()
    with ClusterRpcProxy(config, timeout=10) as rpc:
        rpc.queue.put_office(offices[0])

    def client(n):
        out = []
        with ClusterRpcProxy(config, timeout=30) as rpc:
            for _ in range(10):
                out.append(rpc.queue.issue_ticket("33.71.02", {"service": "UMUM"}))
        return out

    pool = eventlet.GreenPool(20)
    tickets = [t for batch in pool.imap(client, range(20)) for t in batch]
    serials = sorted(int(t["number"].split("-")[1]) for t in tickets)
    assert serials == list(range(1, 201))
    with ClusterRpcProxy(config, timeout=10) as rpc:
        assert all(rpc.queue.ticket_status(t["token"])["status"] == "waiting" for t in tickets[::20])


def _wait(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        eventlet.sleep(0.05)


def test_broken_facility_becomes_a_board_notice_and_goes_when_fixed(runner_factory, config, offices):
    runner = runner_factory(config, QueueService, AccessibilityService)
    runner.start()
    queue = next(c for c in runner.containers if c.service_name == "queue")
    access = next(c for c in runner.containers if c.service_name == "accessibility")
    ramp = {"id": "ramp-9", "office_id": "33.71.02", "kind": "ramp",
            "name": {"id": "Ram pintu utama", "en": "Main ramp"}, "status": "available"}
    with ClusterRpcProxy(config, timeout=10) as rpc:
        with entrypoint_waiter(access, "on_office_updated"):
            rpc.queue.put_office(offices[0])
        with entrypoint_waiter(queue, "on_facility_status_changed"):
            rpc.accessibility.put_facility({**ramp, "status": "broken"}, reason="cracked")
        notices = rpc.queue.board("33.71.02")["notices"]
        assert [n["kind"] for n in notices] == ["accessibility"]
        assert "Ram pintu utama" in notices[0]["text"] and "rusak" in notices[0]["text"]
        with entrypoint_waiter(queue, "on_facility_status_changed"):
            rpc.accessibility.put_facility(ramp, reason="repaired")
        assert rpc.queue.board("33.71.02")["notices"] == []


def test_board_read_model_matches_the_service_board(container_factory, config, offices):
    import json
    container = container_factory(QueueService, config)
    container.start()
    model = TicketReadModel()
    with ClusterRpcProxy(config, timeout=10) as rpc:
        rpc.queue.put_office(offices[0])
        feed = EventFeed(config["AMQP_URI"], model, lambda: rpc.queue.active_snapshot(), "board",
                         board_basis=lambda office_id: rpc.queue.board_basis(office_id)).start()
        try:
            _wait(lambda: model.synced and model.board("33.71.02") is not None)
            first = rpc.queue.issue_ticket("33.71.02", {"service": "KTP"})
            rpc.queue.issue_ticket("33.71.02", {"service": "KTP"})
            rpc.queue.counter_action("33.71.02", "2", "open")
            called = rpc.queue.counter_action("33.71.02", "2", "call_next")
            assert called["ticket"]["number"] == first["number"]
            rpc.queue.post_notice("33.71.02", "Loket 2 tutup pukul 20.00")

            def same():
                from_events = json.loads(model.board("33.71.02")[1])
                from_service = rpc.queue.board("33.71.02")
                return all(from_events[k] == from_service[k] for k in from_service if k != "generated_at")
            _wait(same)
            board = json.loads(model.board("33.71.02")[1])
            assert board["calls"][0]["number"] == first["number"] and board["waiting"][0]["waiting"] == 1
            assert board["notices"][0]["text"] == "Loket 2 tutup pukul 20.00"
        finally:
            feed.stop()


def test_entrypoints_wire_the_workflows(container_factory, config, offices):
    """Thin entrypoints: each hands its arguments to its workflow; call_next's
    bookkeeping runs after the reply (the event is published by then)."""
    from nameko.testing.services import entrypoint_hook
    container = container_factory(QueueService, config)
    container.start()
    with entrypoint_hook(container, "put_office") as put_office:
        assert put_office(offices[0])["id"] == "33.71.02"
    with entrypoint_hook(container, "issue_ticket") as issue:
        ticket = issue("33.71.02", {"service": "UMUM"}, idempotency_key="kiosk-7-0001")
        again = issue("33.71.02", {"service": "UMUM"}, idempotency_key="kiosk-7-0001")
        assert again["replayed"] and again["number"] == ticket["number"]
    with entrypoint_hook(container, "counter_action") as act:
        act("33.71.02", "3", "open")
        with entrypoint_waiter(container, "counter_action"):
            assert act("33.71.02", "3", "call_next")["ticket"]["number"] == ticket["number"]
    with entrypoint_hook(container, "list_services") as services:
        assert {s["code"]: s["waiting"] for s in services("33.71.02")}["UMUM"] == 0
    with entrypoint_hook(container, "ticket_status") as status:
        assert status(ticket["token"])["status"] == "called"
