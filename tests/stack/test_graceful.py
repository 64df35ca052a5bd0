"""SIGTERM while requests are in flight: components stop taking new work,
finish what they hold, and no request that was accepted is lost."""
import signal
import threading
import time
import urllib.error

from tests.support import http

OFFICE = "33.71.03"  # this module's own office


def _load(stack, stop, results):
    while not stop.is_set():
        try:
            status, _, body = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets",
                                   {"service": "UMUM"}, timeout=10)
        except (urllib.error.URLError, OSError, ConnectionError):
            status, body = None, None  # refused while the gateway restarts: not accepted
        results.append((status, body, time.monotonic()))


def _run_with_sigterm(stack, component, seconds=3.0, clients=8):
    stop, results = threading.Event(), []
    threads = [threading.Thread(target=_load, args=(stack, stop, results)) for _ in range(clients)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    term_at = time.monotonic()
    stack.kill(component, signal.SIGTERM)  # waits for the process to exit
    stack.start(component)
    stack.wait_ready()
    back_at = time.monotonic()
    time.sleep(seconds - 1.0)
    stop.set()
    for t in threads:
        t.join(30)
    # The load really spanned the shutdown: tickets before it and after the restart.
    assert any(s == 201 and at < term_at for s, _, at in results)
    assert any(s == 201 and at > back_at for s, _, at in results)
    return [(s, body) for s, body, _ in results]


def _accepted_tickets_all_exist(stack, results):
    accepted = [body for status, body in results if status == 201]
    assert accepted, "the load produced no ticket"
    assert {status for status, _ in results} <= {201, 503, None}, \
        {status for status, _ in results}
    numbers = [t["number"] for t in accepted]
    assert len(numbers) == len(set(numbers))
    for ticket in accepted:
        status, _, view = http("GET", f"{stack.url}{ticket['status_url']}")
        assert status == 200 and view["number"] == ticket["number"]
    return accepted


def test_queue_service_sigterm_under_load_loses_no_accepted_ticket(stack):
    results = _run_with_sigterm(stack, "queue")
    _accepted_tickets_all_exist(stack, results)


def test_gateway_sigterm_under_load_loses_no_accepted_ticket(stack):
    results = _run_with_sigterm(stack, "gateway")
    _accepted_tickets_all_exist(stack, results)


def test_service_exits_within_its_stop_timeout_even_when_the_broker_is_gone():
    """A pod's grace period is finite: SIGTERM must end the process even if the
    broker vanished first (nameko's own runner can wait forever then)."""
    import os
    import subprocess
    import sys
    import uuid

    from tests.support import ROOT, MongoServer, create_vhost, delete_vhost, free_port, wait_port

    mongo = MongoServer().start()
    vhost_name = f"senja-test-stop-{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {**os.environ, "AMQP_URI": create_vhost(vhost_name), "MONGO_URI": mongo.uri,
           "SERVICE_HTTP_ADDRESS": f"127.0.0.1:{port}", "SENJA_STOP_TIMEOUT": "3",
           "PYTHONPATH": ROOT, "SENJA_ENV": "local"}  # a test: the local secret is fine
    proc = subprocess.Popen([sys.executable, "-m", "services", "queue"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        delete_vhost(vhost_name)  # the broker side disappears under the service
        time.sleep(0.5)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
        mongo.close()
