"""Where call-next's time goes: every database command of the queue's call
workflow timed with pymongo command monitoring, against the bench's nx-27017.

The workflows run in this process (services/queue/counter_actions.py, the same
code the service runs), on a database of their own: 2 offices with 4 counters
each, 400 waiting tickets, and the bench's tickets elsewhere on the server;
8 clerks call and complete back to back. What runs after the answer
(``ctx.later``) is timed apart from the answer.
"""
import collections
import concurrent.futures
import threading
import time
import uuid

from pymongo import monitoring

from services.common.mongo import connect
from services.queue import counter_actions, issuing
from services.queue.context import Context
from services.queue.schemas import OfficeConfig
from services.queue.storage import QueueStore

_phase = threading.local()


class Timings(monitoring.CommandListener):
    """Durations of each command, by the phase (answer / after) it ran in."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_command = collections.defaultdict(list)   # (phase, command collection) -> [ms]

    def started(self, event):
        pass

    def succeeded(self, event):
        phase = getattr(_phase, "name", None)
        if phase is None:
            return
        target = event.command_name
        with self.lock:
            self.by_command[(phase, target)].append(event.duration_micros / 1000)
            _phase.commands.append((target, event.duration_micros / 1000))

    def failed(self, event):
        self.succeeded(event)


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def trace_call_next(mongo_uri, office_configs, seconds=8, clerks=8, tickets=400):
    timings = Timings()
    client = connect(mongo_uri, event_listeners=[timings])
    store = QueueStore(client[f"trace{uuid.uuid4().hex[:6]}_senja_queue"])
    store.ensure_indexes()
    offices = []
    for config in office_configs[:2]:
        office = {**OfficeConfig().load(config), "name": config["id"]}
        store.put_office(office)
        offices.append(office)
    ctx = Context(store=store, secret="trace")
    for i in range(tickets):
        issuing.issue_ticket(ctx, offices[i % 2]["id"], {"service": ("UMUM", "KTP")[i % 2]})
    desks = [(o["id"], c["id"]) for o in offices for c in o["counters"]][:clerks]
    for office_id, counter_id in desks:
        counter_actions.act(ctx, office_id, counter_id, "open")
    calls = []  # (total ms, [(command, ms)])
    deadline = time.monotonic() + seconds

    def clerk(desk):
        later = []
        mine = Context(store=store, secret="trace", later=later.append)
        while time.monotonic() < deadline:
            _phase.name, _phase.commands = "answer", []
            started = time.perf_counter()
            result = counter_actions.act(mine, desk[0], desk[1], "call_next")
            took = (time.perf_counter() - started) * 1000
            commands = _phase.commands
            _phase.name, _phase.commands = "after", []
            for task in later:
                task()
            later.clear()
            _phase.name = None
            if result["ticket"] is None:
                break
            calls.append((took, commands))
            counter_actions.act(mine, desk[0], desk[1], "complete")

    with concurrent.futures.ThreadPoolExecutor(len(desks)) as pool:
        list(pool.map(clerk, desks))
    client.drop_database(store.db.name)
    client.close()
    totals = [c[0] for c in calls]
    per_call = collections.Counter(n for _, cmds in calls for n, _ in cmds)
    return {
        "calls": len(calls), "seconds": seconds,
        "p50_ms": percentile(totals, 50), "p99_ms": percentile(totals, 99),
        "round_trips_per_call": sum(per_call.values()) / max(len(calls), 1),
        "commands": [{"phase": phase, "command": name, "count": len(ms),
                      "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99),
                      "share_of_answer": (sum(ms) / sum(totals)) if phase == "answer" and totals else None}
                     for (phase, name), ms in sorted(timings.by_command.items())],
    }


def render(trace):
    lines = [f"call-next workflow in process, 8 clerks back to back: {trace['calls']} calls, "
             f"p50 {trace['p50_ms']:.1f} ms, p99 {trace['p99_ms']:.1f} ms, "
             f"{trace['round_trips_per_call']:.1f} round trips before the answer",
             "", "| phase | command | count | p50 ms | p99 ms | share of the answer's time |",
             "|---|---|---:|---:|---:|---:|"]
    for c in trace["commands"]:
        share = f"{c['share_of_answer']:.0%}" if c["share_of_answer"] is not None else ""
        lines.append(f"| {c['phase']} | {c['command']} | {c['count']} | {c['p50_ms']:.1f} | "
                     f"{c['p99_ms']:.1f} | {share} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import os
    import sys
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from bench.run import office_config, kecamatan_codes
    from tests.support import MongoServer
    mongo = MongoServer().start()
    try:
        print(render(trace_call_next(mongo.uri, office_config(kecamatan_codes("33", 2))["offices"])))
    finally:
        mongo.close()
