"""Issue through gateway -> RPC -> queue in the same run conditions: the stack of an
earlier commit (default 0e77ff9, before issue 12) and this tree's, both running at once
on this machine, each on its own empty nx-27017 and vhost, measured alternately
(before, after, three times each) with wrk. `make bench` runs it (bench/run.py) and
quotes it in RESULTS.md; on its own it writes bench/before_after.json:

    .venv/bin/python -m bench.issue_before_after [commit]
"""
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

import yaml

os.environ.setdefault("EVENTLET_NO_GREENDNS", "yes")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import tests.support as support  # noqa: E402
from tests.support import MongoServer, Stack, vhost  # noqa: E402

BEFORE_COMMIT = "0e77ff9"  # main before issue 12


def _start(root, amqp, mongo, work, offices_yaml):
    support.ROOT = root  # the Stack runs `python -m ...` in this tree
    try:
        stack = Stack(amqp, mongo, work)
        stack.start_all()
        done = stack.manage("load-offices", offices_yaml)
        assert done.returncode == 0, done.stderr[-2000:]
    finally:
        support.ROOT = ROOT
    return stack


EVENING_LEVELS = (2, 8, 16)  # connections


def measure(commit=BEFORE_COMMIT, rounds=3, seconds=8, settle=None):
    """{"commit", "before": {...}, "after": {...}, "ratio", "ratios", "evening"}: issue
    req/s of both stacks, alternately, ``rounds`` times each, then the evening's mix on
    both at each of EVENING_LEVELS; ``settle(stack)`` (if given) runs after every
    measurement so the next one starts on a machine at rest."""
    from bench.run import EVENING, evening_offices, issue_tokens, kecamatan_codes, office_config, wrk
    old_tree = tempfile.mkdtemp(prefix="senja-before-")
    work = tempfile.mkdtemp(prefix="senja-before-after-")
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", old_tree], input=archive, check=True)
    codes = kecamatan_codes("33", 150)
    with open(f"{work}/o.yaml", "w") as fh:
        yaml.safe_dump(office_config(codes), fh)
    with open(f"{work}/offices.txt", "w") as fh:
        fh.write("\n".join(codes[10:]) + "\n")
    m1, m2 = MongoServer().start(), MongoServer().start()
    runs = {"before": [], "after": []}
    try:
        with vhost() as a1, vhost() as a2:
            stacks = {"before": _start(old_tree, a1, m1, tempfile.mkdtemp(dir=work), f"{work}/o.yaml"),
                      "after": _start(ROOT, a2, m2, tempfile.mkdtemp(dir=work), f"{work}/o.yaml")}
            try:
                for stack in stacks.values():
                    wrk(stack.url, "issue.lua", [f"{work}/offices.txt", "KTP"], duration=2)
                for _ in range(rounds):
                    for name, stack in stacks.items():
                        r = wrk(stack.url, "issue.lua", [f"{work}/offices.txt", "UMUM"], duration=seconds)
                        runs[name].append((r["rps"], r["p99_us"] / 1000, r["non2xx"]))
                        print(f"bench: issue {name} {r['rps']:.0f}/s p99 {r['p99_us'] / 1000:.0f} ms "
                              f"non2xx {r['non2xx']}", flush=True)
                        if settle:
                            settle(stack)
                # The evening's mix on both (bench/run.py EVENING), each with its own tickets to poll.
                tokens = {}
                for name, stack in stacks.items():
                    tokens[name] = f"{work}/tokens-{name}.txt"
                    with open(tokens[name], "w") as fh:
                        fh.write("\n".join(issue_tokens(stack.url, codes[10:], 1000)) + "\n")
                    if settle:
                        settle(stack)
                weights = [f"{EVENING[k]:.4f}" for k in ("status", "board", "issue")]
                evening = {"before": [], "after": []}
                for conns in EVENING_LEVELS:
                    for name, stack in stacks.items():
                        r = wrk(stack.url, "evening.lua", [f"{work}/offices.txt", tokens[name], *weights],
                                duration=seconds, connections=conns)
                        evening[name].append({"connections": conns, "rps": r["rps"], "p99_ms": r["p99_us"] / 1000,
                                              "non2xx": r["non2xx"], "offices": evening_offices(r["rps"])})
                        print(f"bench: evening {name} c={conns} {r['rps']:.0f} req/s p99 {r['p99_us'] / 1000:.0f} ms",
                              flush=True)
                        if settle:
                            settle(stack)
            finally:
                for stack in stacks.values():
                    stack.stop_all()
    finally:
        m1.close()
        m2.close()
        shutil.rmtree(old_tree, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    out = {"commit": commit, "measured": dt.date.today().isoformat(),
           **{name: {"rps": [x[0] for x in rs], "p99_ms": [x[1] for x in rs], "non2xx": sum(x[2] for x in rs)}
              for name, rs in runs.items()}}
    out["ratio"] = statistics.median(out["after"]["rps"]) / statistics.median(out["before"]["rps"])
    # Round by round too: the stack before issue 12 counted waiting tickets with queries that
    # scan, so it slows as its tickets pile up; the first round is the fairest single pair.
    out["ratios"] = [a / b for a, b in zip(out["after"]["rps"], out["before"]["rps"])]
    out["evening"] = evening
    out["evening_held"] = {name: held(levels) for name, levels in evening.items()}
    return out


def held(levels, p99_ms=50):
    """Offices' evenings held at the best level whose p99 stayed within ``p99_ms`` (0 if none)."""
    return max((e["offices"] for e in levels if e["p99_ms"] <= p99_ms), default=0)


def write(result):
    with open(os.path.join(ROOT, "bench", "before_after.json"), "w") as fh:
        json.dump(result, fh, indent=1)


if __name__ == "__main__":
    result = measure(sys.argv[1] if len(sys.argv) > 1 else BEFORE_COMMIT)
    write(result)
    print(f"after / before: {result['ratio']:.2f}")
