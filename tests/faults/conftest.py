"""Fault tests: the whole stack as subprocesses, then something breaks.

Each test builds its own stack (the faults leave things behind). RabbitMQ
faults use a PRIVATE broker node started here (PrivateRabbit), never the
machine's shared one, which other test runs use.
"""
import concurrent.futures
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

from tests.support import MongoServer, Stack, free_port, http, seed, vhost

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "fault-password-123"
OFFICE = "33.71.02"


class PrivateRabbit:
    """A second RabbitMQ node of our own: own node name, ports and data, no plugins.

    rabbitmq-server drops to the rabbitmq user, so its directories belong to it.
    """

    def __init__(self):
        self.name = f"senja-fault-{uuid.uuid4().hex[:8]}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.dir = tempfile.mkdtemp(prefix="senja-rabbit-")
        for sub in ("mnesia", "log"):
            os.makedirs(os.path.join(self.dir, sub))
        with open(os.path.join(self.dir, "enabled_plugins"), "w") as fh:
            fh.write("[].\n")
        open(os.path.join(self.dir, "rabbitmq-env.conf"), "w").close()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "rabbitmq", "rabbitmq")
            for base, dirs, files in os.walk(self.dir):
                for name in dirs + files:
                    shutil.chown(os.path.join(base, name), "rabbitmq", "rabbitmq")
        self.env = {**os.environ,
                    "RABBITMQ_NODENAME": self.name, "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                    "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(self.dist_port),
                    "RABBITMQ_MNESIA_BASE": os.path.join(self.dir, "mnesia"),
                    "RABBITMQ_LOG_BASE": os.path.join(self.dir, "log"),
                    "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(self.dir, "enabled_plugins"),
                    "RABBITMQ_CONF_ENV_FILE": os.path.join(self.dir, "rabbitmq-env.conf"),
                    "RABBITMQ_CONFIG_FILE": os.path.join(self.dir, "none"),
                    "ERL_EPMD_ADDRESS": "127.0.0.1"}

    @property
    def uri(self):
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def start(self, timeout=60):
        subprocess.run(["rabbitmq-server", "-detached"], env=self.env, check=True, timeout=30,
                       capture_output=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = subprocess.run(["rabbitmqctl", "-n", self.name, "-q", "await_startup"],
                                  env=self.env, capture_output=True, timeout=60)
            if done.returncode == 0:
                return self
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} did not start: see {self.dir}/log")

    def stop(self):
        subprocess.run(["rabbitmqctl", "-n", self.name, "-q", "stop"], env=self.env,
                       capture_output=True, timeout=60)

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def logs_dir(request):
    with tempfile.TemporaryDirectory(prefix="senja-faults-") as logs:
        yield logs
        keep = os.environ.get("SENJA_KEEP_LOGS")
        if keep:  # a directory to copy the stack's logs to
            shutil.copytree(logs, os.path.join(keep, request.node.name), dirs_exist_ok=True)


def boot(stack):
    """Offices, a clerk, counters 1 and 2 open; returns the clerk's headers."""
    stack.start_all()
    seed(stack, [("clerk.fault", OFFICE, "clerk")], PASSWORD)
    status, _, body = http("POST", f"{stack.url}/api/v1/auth/token",
                           {"username": "clerk.fault", "password": PASSWORD})
    assert status == 200, body
    clerk = {"Authorization": f"Bearer {body['access_token']}"}
    for counter in ("1", "2"):
        status, _, body = act(stack, clerk, counter, "open")
        assert status == 200, body
    return clerk


def act(stack, clerk, counter, action, timeout=15):
    return http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/counters/{counter}/actions",
                {"action": action}, headers=clerk, timeout=timeout)


class Load:
    """Citizens taking tickets and clerks calling them, in threads, until stopped.

    Every ticket request carries an Idempotency-Key and is retried (same key)
    after a 503, as a kiosk does; everything answered is recorded.
    """

    def __init__(self, stack, clerk, citizens=4, counters=("1", "2"), service="KTP",
                 pause=0.02):
        self.stack, self.clerk = stack, clerk
        self.citizens, self.counters, self.service, self.pause = citizens, counters, service, pause
        self.issued = {}        # idempotency key -> 201 body
        self.replayed = []      # 200 replays
        self.called = []        # call_next 200 bodies
        self.responses = []     # (t, kind, status, seconds, retry_after)
        self.errors = []        # transport errors
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pool = None

    def _record(self, kind, status, started, headers):
        with self._lock:
            self.responses.append((time.monotonic(), kind, status, time.monotonic() - started,
                                   headers.get("Retry-After") if headers is not None else None))

    def _citizen(self, n):
        url = f"{self.stack.url}/api/v1/offices/{OFFICE}/tickets"
        i = 0
        while not self._stop.is_set():
            key = f"fault-{n}-{i}-{uuid.uuid4().hex[:8]}"
            i += 1
            for _ in range(20):  # retries of one ticket, same key
                started = time.monotonic()
                try:
                    status, headers, body = http("POST", url, {"service": self.service},
                                                 headers={"Idempotency-Key": key}, timeout=15)
                except OSError as exc:
                    self.errors.append(repr(exc))
                    time.sleep(0.2)
                    continue
                self._record("issue", status, started, headers)
                if status == 201:
                    with self._lock:
                        assert key not in self.issued, "two 201 for one Idempotency-Key"
                        self.issued[key] = body
                    break
                if status == 200:
                    with self._lock:
                        self.replayed.append((key, body))
                    break
                if self._stop.is_set():
                    break
                time.sleep(0.3)
            time.sleep(self.pause)

    def _clerk(self, counter):
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                status, headers, body = act(self.stack, self.clerk, counter, "call_next")
            except OSError as exc:
                self.errors.append(repr(exc))
                time.sleep(0.2)
                continue
            self._record("call_next", status, started, headers)
            if status == 200:
                with self._lock:
                    self.called.append(body)
                for _ in range(20):  # finish it, whatever happens meanwhile
                    try:
                        done = act(self.stack, self.clerk, counter, "complete")[0]
                    except OSError:
                        done = None
                    if done in (200, 409):
                        break
                    time.sleep(0.3)
            elif status == 409:
                # A counter still holding a ticket (its complete got lost): finish it.
                act(self.stack, self.clerk, counter, "complete")
                time.sleep(0.2)
            else:
                time.sleep(0.1)

    def start(self):
        self._pool = concurrent.futures.ThreadPoolExecutor(self.citizens + len(self.counters))
        self._futures = [self._pool.submit(self._citizen, n) for n in range(self.citizens)]
        self._futures += [self._pool.submit(self._clerk, c) for c in self.counters]
        return self

    def stop(self):
        if self._pool is None:
            return
        self._stop.set()
        for f in self._futures:
            f.result(timeout=120)
        self._pool.shutdown()
        self._pool = None

    def statuses(self, kind, since=0.0, until=float("inf")):
        return [r for r in self.responses if r[1] == kind and since <= r[0] <= until]


def check_promises(stack, load):
    """Every 201 ticket exists with its number; numbers are unique; no call is lost."""
    issued = list(load.issued.values())
    replayed = [body for _, body in load.replayed]  # a retry after a lost answer: the same ticket
    numbers = [b["number"] for b in issued] + [b["number"] for b in replayed]
    assert len(numbers) == len(set(numbers)), "a number was handed out twice"
    for body in issued:
        status, _, view = http("GET", f"{stack.url}{body['status_url']}")
        assert status == 200, (body, view)
        assert view["number"] == body["number"] and view["id"] == body["id"], (body, view)
    called_ids = [call["ticket"]["id"] for call in load.called]
    assert len(called_ids) == len(set(called_ids)), "one ticket was called twice"
    by_id = {b["id"]: b for b in issued}
    for call in load.called:
        body = by_id.get(call["ticket"]["id"])
        if body is not None:  # we hold its token: the call must have stuck
            view = http("GET", f"{stack.url}{body['status_url']}")[2]
            assert view["status"] in ("called", "serving", "done"), (call, view)
    return len(issued), len(load.called)


__all__ = ["MongoServer", "Stack", "vhost", "PrivateRabbit", "Load", "boot", "act",
           "check_promises"]


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def outage_under_load(stack, what, stop, start, hang_limit):
    """Stop ``what`` (broker, database) under load, then start it again; check
    the promises: quick 503 + Retry-After while down, status reads still served
    by the read model, recovery within 10 s, no accepted ticket lost, numbers
    unique, and events published around the outage reach the read model."""
    clerk = boot(stack)
    load = Load(stack, clerk, citizens=4).start()
    try:
        time.sleep(3)
        # A ticket issued just before the outage, called just after it (UMUM at counter 3).
        status, _, early = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets", {"service": "UMUM"})
        assert status == 201, early

        stop()
        down_at = time.monotonic()
        time.sleep(1)
        started = time.monotonic()
        status, headers, problem = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets",
                                        {"service": "KTP"})
        assert status == 503 and headers.get("Retry-After"), (status, problem)
        assert time.monotonic() - started < hang_limit, f"the gateway hung on a dead {what}"
        assert http("GET", f"{stack.url}{early['status_url']}")[0] == 200  # the read model
        time.sleep(3)

        start()
        up_at = time.monotonic()
        recovered = wait_for(lambda: http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets",
                                          {"service": "KTP"})[0] == 201, timeout=10)
        recovery = time.monotonic() - up_at
        assert recovered, f"the stack did not recover within 10 s of the {what}'s return"
        time.sleep(3)
    finally:
        load.stop()

    down = [r for r in load.statuses("issue", down_at + 0.5, up_at) if r[2] >= 500]
    assert all(r[2] == 503 and r[4] for r in down), down[:5]
    assert all(r[3] < 10 for r in down), f"a request hung while the {what} was down"
    issued, called = check_promises(stack, load)
    assert act(stack, clerk, "3", "open")[0] == 200
    status, _, call = act(stack, clerk, "3", "call_next")
    assert status == 200 and call["ticket"]["number"] == early["number"], call
    assert wait_for(lambda: http("GET", f"{stack.url}{early['status_url']}")[2]["status"] == "called", 5), \
        "the ticket_called event did not reach the read model"
    stack.wait_ready(timeout=10)
    print(f"recovered {recovery:.1f} s after the {what}; issued {issued}, called {called}, "
          f"503 while down {len(down)}, replayed {len(load.replayed)}")
