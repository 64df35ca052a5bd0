"""Board latency while a burst of wrong-password logins hits the gateway.

    .venv/bin/python -m bench.login_burst [--threads 16] [--seconds 10]

Starts a seeded stack of its own (TRUSTED_PROXIES=1), reads the display board
from one thread and measures its latency, first alone, then while N threads
send wrong passwords for random usernames from random addresses (so the
per-username and per-address throttles do not stop them: what is left is the
bounded password hashing). Prints figures; asserts nothing."""
import argparse
import random
import statistics
import threading
import time

from tests.support import http, running_stack

OFFICE = "33.71.02"
PASSWORD = "bench-password-123"


def board_latencies(stack, seconds):
    out, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        status, _, _ = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/board")
        out.append((time.perf_counter() - started) * 1000)
        assert status == 200
    return out


def guesser(stack, stop, statuses):
    while not stop.is_set():
        address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
        status, _, _ = http("POST", f"{stack.url}/api/v1/auth/token",
                            {"username": f"u{random.randrange(10**9)}", "password": "wrong-password-x"},
                            headers={"X-Forwarded-For": address})
        statuses.append(status)


def describe(name, values):
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    print(f"{name}: p50 {statistics.median(values):.1f} ms, p99 {p99:.1f} ms ({len(values)} reads)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with running_stack([("bench.clerk", OFFICE, "clerk")], PASSWORD, prefix="senja-bench-login-",
                       extra_env={"TRUSTED_PROXIES": "1"}) as stack:
        board_latencies(stack, 1)  # warm-up
        describe("board alone", board_latencies(stack, args.seconds))
        stop, statuses = threading.Event(), []
        threads = [threading.Thread(target=guesser, args=(stack, stop, statuses))
                   for _ in range(args.threads)]
        for t in threads:
            t.start()
        try:
            describe(f"board during {args.threads} threads of wrong passwords",
                     board_latencies(stack, args.seconds))
        finally:
            stop.set()
            for t in threads:
                t.join()
        counts = {s: statuses.count(s) for s in sorted(set(statuses))}
        print(f"login answers during the burst: {counts}")


if __name__ == "__main__":
    main()
