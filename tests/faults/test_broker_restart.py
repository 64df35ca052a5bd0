"""RabbitMQ stopped and started under load, on a private broker node."""
import time

from tests.faults.conftest import (OFFICE, Load, MongoServer, PrivateRabbit, Stack, act, boot,
                                   check_promises)
from tests.support import http


def _wait(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_broker_restart_under_load(logs_dir):
    rabbit = PrivateRabbit().start()
    mongo = MongoServer().start()
    stack = Stack(rabbit.uri, mongo, logs_dir)
    load = None
    try:
        clerk = boot(stack)
        load = Load(stack, clerk, citizens=4).start()
        time.sleep(3)
        # A ticket issued just before the outage, called just after it.
        status, _, early = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets", {"service": "UMUM"})
        assert status == 201, early

        rabbit.stop()
        down_at = time.monotonic()
        time.sleep(1)
        started = time.monotonic()
        status, headers, problem = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets",
                                        {"service": "KTP"})
        assert status == 503 and headers.get("Retry-After"), (status, problem)
        assert time.monotonic() - started < 5, "the gateway hung on a dead broker"
        # Ticket status is served from the gateway's read model, broker or not.
        assert http("GET", f"{stack.url}{early['status_url']}")[0] == 200
        time.sleep(3)

        rabbit.start()
        up_at = time.monotonic()
        recovered = _wait(lambda: http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets",
                                       {"service": "KTP"})[0] == 201, timeout=10)
        recovery = time.monotonic() - up_at
        assert recovered, "the stack did not recover within 10 s of the broker's return"
        time.sleep(3)
        load.stop()

        down = [r for r in load.statuses("issue", down_at + 0.5, up_at) if r[2] >= 500]
        assert all(r[2] == 503 and r[4] for r in down), down[:5]
        assert all(r[3] < 10 for r in down), "a request hung while the broker was down"
        issued, called = check_promises(stack, load)
        # Events after the outage reach the read model: call the early ticket (UMUM at counter 3).
        assert act(stack, clerk, "3", "open")[0] == 200
        status, _, call = act(stack, clerk, "3", "call_next")
        assert status == 200 and call["ticket"]["number"] == early["number"], call
        assert _wait(lambda: http("GET", f"{stack.url}{early['status_url']}")[2]["status"] == "called", 5), \
            "the ticket_called event did not reach the read model"
        assert stack.wait_ready(timeout=10)
        print(f"recovered {recovery:.1f} s after the broker; issued {issued}, called {called}, "
              f"503 while down {len(down)}, replayed {len(load.replayed)}")
    finally:
        if load is not None:
            load.stop()
        stack.stop_all()
        mongo.close()
        rabbit.close()
