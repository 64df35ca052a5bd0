"""Notification latency on a whole local stack: from a clerk's call (or the
leave that makes a ticket's turn near) to the provider's acknowledgement of
the message, with a receiver that answers 2xx at once and one that refuses
the first two attempts of every message.

    .venv/bin/python -m bench.notify_latency [--tickets 30] [--poll 1]

Prints figures; asserts nothing about time (benchmarks never do).
"""
import argparse
import collections
import statistics
import time

from tests.notify_receiver import Receiver
from tests.support import free_port, http, running_stack

OFFICE, COUNTER = "33.71.02", "2"
STAFF = [("clerk.bench", OFFICE, "clerk")]
PASSWORD = "bench-password-123"
SECRET = "bench-webhook-secret-of-at-least-32-bytes"


def run(stack, receiver, clerk, tickets):
    url = f"{stack.url}/api/v1/offices/{OFFICE}/counters/{COUNTER}/actions"
    issued = []
    for i in range(tickets):
        status, _, ticket = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets", {"service": "KTP"})
        assert status == 201, ticket
        status, _, sub = http("POST", f"{stack.url}/api/v1/tickets/{ticket['token']}/subscriptions",
                              {"phone": f"0812{i:08d}", "ahead": 1})
        assert status in (200, 201), sub
        issued.append(ticket["number"])
    http("POST", url, {"action": "open"}, clerk)
    called_at = {}
    for _ in issued:
        status, _, body = http("POST", url, {"action": "call_next"}, clerk)
        assert status == 200, body
        called_at[body["ticket"]["number"]] = time.monotonic()
        http("POST", url, {"action": "complete"}, clerk)
        time.sleep(0.2)  # a clerk's pace, well below the poll
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with receiver.lock:
            called = {m["number"]: t for _, m, t in receiver.acked if m["event"] == "called"}
        if len(called) >= len(issued):
            break
        time.sleep(0.2)
    latencies = sorted(called[n] - called_at[n] for n in issued if n in called)
    ids = collections.Counter(receiver.acked_ids())
    return {"called delivered": f"{len(latencies)}/{len(issued)}",
            "p50 s": round(statistics.median(latencies), 2),
            "p95 s": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
            "max s": round(latencies[-1], 2),
            "acknowledged twice": sum(1 for n in ids.values() if n > 1),
            "attempts per message": dict(collections.Counter(receiver.attempts.values()))}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=30)
    parser.add_argument("--poll", default="1")
    args = parser.parse_args()
    for fail_first in (0, 2):
        port = free_port()
        env = {"NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook", "NOTIFY_WEBHOOK_SECRET": SECRET,
               "NOTIFY_POLL_SECONDS": args.poll, "RATE_LIMIT_SUBSCRIBE_TICKET_PER_MINUTE": "0"}
        receiver = Receiver(port, SECRET, fail_first=fail_first).start()
        try:
            with running_stack(STAFF, PASSWORD, prefix="senja-bench-notify-", extra_env=env) as stack:
                status, _, body = http("POST", f"{stack.url}/api/v1/auth/token",
                                       {"username": "clerk.bench", "password": PASSWORD})
                clerk = {"Authorization": f"Bearer {body['access_token']}"}
                print(f"receiver refuses the first {fail_first} attempts, poll {args.poll} s:",
                      run(stack, receiver, clerk, args.tickets))
        finally:
            receiver.close()


if __name__ == "__main__":
    main()
