"""Issue through gateway -> RPC -> queue in the same run conditions: the stack of an
earlier commit (default 0e77ff9, before issue 12) and this tree's, both running at once
on this machine, measured alternately (before, after, three times each) with wrk.
Writes bench/before_after.json, which `make bench` quotes in RESULTS.md.

    .venv/bin/python -m bench.issue_before_after [commit]
"""
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
NEW = ROOT
sys.path.insert(0, NEW)
import tests.support as support  # noqa: E402
from bench.run import kecamatan_codes, office_config, wrk  # noqa: E402
from tests.support import MongoServer, Stack, vhost  # noqa: E402

def start(root, amqp, mongo, work, offices_yaml):
    support.ROOT = root  # the Stack runs `python -m ...` in this tree
    st = Stack(amqp, mongo, work)
    st.start_all()
    done = st.manage("load-offices", offices_yaml)
    assert done.returncode == 0, done.stderr[-2000:]
    return st

COMMIT = sys.argv[1] if len(sys.argv) > 1 else "0e77ff9"
OLD = tempfile.mkdtemp(prefix="senja-before-")
archive = subprocess.run(["git", "archive", COMMIT], cwd=NEW, capture_output=True, check=True).stdout
subprocess.run(["tar", "-x", "-C", OLD], input=archive, check=True)
codes = kecamatan_codes("33", 150)
work = tempfile.mkdtemp()
yaml.safe_dump(office_config(codes), open(f"{work}/o.yaml", "w"))
open(f"{work}/offices.txt", "w").write("\n".join(codes[10:]) + "\n")
m1, m2 = MongoServer().start(), MongoServer().start()
with vhost() as a1, vhost() as a2:
    old = start(OLD, a1, m1, tempfile.mkdtemp(), f"{work}/o.yaml")
    new = start(NEW, a2, m2, tempfile.mkdtemp(), f"{work}/o.yaml")
    for st in (old, new):
        wrk(st.url, "issue.lua", [f"{work}/offices.txt", "KTP"], duration=2)
    runs = {"before": [], "after": []}
    for _ in range(3):
        for name, st in (("before", old), ("after", new)):
            r = wrk(st.url, "issue.lua", [f"{work}/offices.txt", "UMUM"], duration=8)
            runs[name].append((r["rps"], r["p99_us"] / 1000, r["non2xx"]))
            print(name, f"{r['rps']:.0f}/s p99 {r['p99_us']/1000:.0f} ms non2xx {r['non2xx']}", flush=True)
    old.stop_all()
    new.stop_all()
m1.close()
m2.close()
shutil.rmtree(OLD, ignore_errors=True)
out = {"commit": COMMIT, **{name: {"rps": [x[0] for x in rs], "p99_ms": [x[1] for x in rs],
                                   "non2xx": sum(x[2] for x in rs)} for name, rs in runs.items()}}
out["ratio"] = statistics.median(out["after"]["rps"]) / statistics.median(out["before"]["rps"])
with open(os.path.join(NEW, "bench", "before_after.json"), "w") as fh:
    json.dump(out, fh, indent=1)
print(f"after / before: {out['ratio']:.2f}")
