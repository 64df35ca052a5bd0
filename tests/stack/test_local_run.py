"""`make run`'s runner (deploy/local/run.py): it serves on PORT, and Ctrl-C
stops the gateway, then the services, then the database, each within its stop
timeout (nothing killed)."""
import os
import re
import signal
import subprocess
import sys
import time

from tests.support import ROOT, free_port, http, vhost


def test_serves_on_port_and_stops_in_dependency_order(tmp_path):
    port, mongo_port = free_port(), free_port()
    with vhost() as amqp_uri:
        env = {**os.environ, "PORT": str(port), "AMQP_URI": amqp_uri,
               "MONGO_URI": f"mongodb://127.0.0.1:{mongo_port}/", "SENJA_STOP_TIMEOUT": "15",
               "SENJA_SECRET": "local-run-test-secret"}
        ports = ",".join(str(free_port()) for _ in range(4))
        log = open(tmp_path / "run.log", "wb")
        run = subprocess.Popen([sys.executable, os.path.join(ROOT, "deploy", "local", "run.py"),
                                "--no-demo", "--data-dir", str(tmp_path / "data"),
                                "--service-ports", ports],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline, status = time.monotonic() + 90, None
            while time.monotonic() < deadline and status != 200:
                try:
                    status = http("GET", f"http://127.0.0.1:{port}/readyz", timeout=5)[0]
                except OSError:
                    time.sleep(0.5)
            assert status == 200, (tmp_path / "run.log").read_text()
            run.send_signal(signal.SIGINT)  # what Ctrl-C sends the runner
            assert run.wait(120) == 0, (tmp_path / "run.log").read_text()
        finally:
            if run.poll() is None:
                run.kill()
    output = (tmp_path / "run.log").read_text()
    stopped = re.findall(r"\| (\w+) stopped$", output, re.M)
    assert stopped[0] == "gateway" and stopped[-1] == "mongo", output
    assert sorted(stopped[1:-1]) == ["accessibility", "permits", "queue", "survey"], output
    # Each stage is asked to stop only once the one before it has ended.
    at = {line: n for n, line in enumerate(re.findall(r"^\S+ run +\| (.*)$", output, re.M))}
    assert at["gateway stopped"] < min(at[f"stopping {s}"] for s in ("queue", "permits", "accessibility", "survey"))
    assert max(at[f"{s} stopped"] for s in ("queue", "permits", "accessibility", "survey")) < at["stopping mongo"]
    assert "killed" not in output
    # The database's own command log (documents, personal data included) never reaches the terminal.
    assert "db.command" not in output and "NeoSQLite" not in output
