"""The MongoDB wire server (nx-27017) stopped and started again under load,
same port and data directory."""
import time

from tests.faults.conftest import OFFICE, Load, MongoServer, Stack, act, boot, check_promises, vhost
from tests.support import http


def _wait(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_mongo_restart_under_load(logs_dir):
    with vhost() as amqp_uri:
        mongo = MongoServer().start()
        # The production RPC timeout (5 s) outlasts pymongo's server selection (3 s):
        # the service itself sees the database error, not only the gateway's timeout.
        stack = Stack(amqp_uri, mongo, logs_dir, extra_env={"RPC_TIMEOUT": "5"})
        load = None
        try:
            clerk = boot(stack)
            load = Load(stack, clerk, citizens=4).start()
            time.sleep(3)
            status, _, early = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets",
                                    {"service": "UMUM"})
            assert status == 201, early

            mongo.stop()
            down_at = time.monotonic()
            time.sleep(1)
            started = time.monotonic()
            status, headers, problem = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets",
                                            {"service": "KTP"})
            assert status == 503 and headers.get("Retry-After"), (status, problem)
            assert time.monotonic() - started < 8, "the gateway hung on a dead database"
            assert http("GET", f"{stack.url}{early['status_url']}")[0] == 200  # read model
            time.sleep(3)

            mongo.start()
            up_at = time.monotonic()
            recovered = _wait(lambda: http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets",
                                           {"service": "KTP"})[0] == 201, timeout=10)
            recovery = time.monotonic() - up_at
            assert recovered, "the stack did not recover within 10 s of the database's return"
            time.sleep(3)
            load.stop()

            down = [r for r in load.statuses("issue", down_at + 0.5, up_at) if r[2] >= 500]
            assert all(r[2] == 503 and r[4] for r in down), down[:5]
            issued, called = check_promises(stack, load)
            assert act(stack, clerk, "3", "open")[0] == 200
            status, _, call = act(stack, clerk, "3", "call_next")
            assert status == 200 and call["ticket"]["number"] == early["number"], call
            assert _wait(lambda: http("GET", f"{stack.url}{early['status_url']}")[2]["status"] == "called", 5)
            stack.wait_ready(timeout=10)
            print(f"recovered {recovery:.1f} s after the database; issued {issued}, called {called}, "
                  f"503 while down {len(down)}, replayed {len(load.replayed)}")
        finally:
            if load is not None:
                load.stop()
            stack.stop_all()
            mongo.close()
