"""The queue service SIGKILLed in the middle of a burst of ticket issues and
call-nexts, then restarted."""
import time

from tests.faults.conftest import Load, MongoServer, Stack, boot, check_promises, vhost
from tests.support import http


def test_queue_service_killed_during_burst(logs_dir):
    with vhost() as amqp_uri:
        mongo = MongoServer().start()
        stack = Stack(amqp_uri, mongo, logs_dir)
        load = None
        try:
            clerk = boot(stack)
            load = Load(stack, clerk, citizens=6).start()
            time.sleep(3)
            before = len(load.issued)
            stack.kill("queue")
            killed_at = time.monotonic()
            time.sleep(3)
            stack.start("queue")
            stack.wait_ready()
            back_at = time.monotonic()
            time.sleep(4)
            load.stop()

            assert before > 10 and len(load.issued) > before, (before, len(load.issued))
            # While it was down: quick 503s with Retry-After, not hangs.
            down = [r for r in load.statuses("issue", killed_at + 0.5, back_at - 0.5) if r[2] >= 500]
            assert down and all(r[2] == 503 and r[4] for r in down), down[:5]
            assert max(r[3] for r in down) < 5, "a request hung while the service was down"
            issued, called = check_promises(stack, load)
            assert called > 3, called
            # Clerks call again after the restart.
            assert any(r[2] == 200 for r in load.statuses("call_next", back_at)), "no call after restart"
            print(f"issued {issued}, replayed {len(load.replayed)}, called {called}, "
                  f"503 while down {len(down)}, transport errors {len(load.errors)}")
            # Fresh work after the restart.
            assert http("POST", f"{stack.url}/api/v1/offices/33.71.02/tickets", {"service": "KTP"})[0] == 201
        finally:
            if load is not None:
                load.stop()
            stack.stop_all()
            mongo.close()
