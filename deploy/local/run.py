"""`make run`: the whole stack on one machine, started in dependency order and
stopped in the reverse one.

  database (nx-27017) -> queue, permits, accessibility, survey -> gateway -> demo data

Ctrl-C (or SIGTERM) stops the gateway first, then the services, then the
database, and the RabbitMQ node last if `make run` started it
(deploy/local/ensure-rabbitmq.sh leaves .run/rabbitmq-started). Each child
runs in its own session, so the terminal's SIGINT reaches this process only
and nothing is stopped out of order; each gets SIGTERM and the stop timeout
(SENJA_STOP_TIMEOUT) to finish. Settings come from the one settings object
(services/common/config.py): PORT, MONGO_URI, AMQP_URI, ...
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from services.common import config  # noqa: E402

BIN = os.path.dirname(sys.executable)
SERVICES = ("queue", "permits", "accessibility", "survey")


class Child:
    def __init__(self, name, cmd, env, quiet=False):
        self.name = name
        # quiet: the child's output is dropped (nx-27017 logs every command with its
        # documents to stderr, personal data included: never to the terminal).
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL if quiet else subprocess.PIPE,
                                     stderr=subprocess.DEVNULL if quiet else subprocess.STDOUT,
                                     start_new_session=True)
        if not quiet:
            threading.Thread(target=self._relay, daemon=True).start()

    def _relay(self):
        for line in iter(self.proc.stdout.readline, b""):
            say(self.name, line.decode(errors="replace").rstrip())

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout):
        """SIGTERM and wait; True when it ended by itself within ``timeout``."""
        if not self.alive():
            return True
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            self.proc.kill()  # never expected: reported as a failure below
            self.proc.wait()
            return False


_print_lock = threading.Lock()


def say(name, text):
    with _print_lock:
        print(f"{time.strftime('%H:%M:%S')} {name:<13} | {text}", flush=True)


def wait_port(host, port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def main(argv=None):
    parser = argparse.ArgumentParser(prog="deploy/local/run.py")
    parser.add_argument("--data-dir", default=os.path.join(ROOT, ".run"))
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    parser.add_argument("--service-ports", default="8101,8102,8103,8104",
                        help="the services' /healthz, /readyz and /metrics ports")
    args = parser.parse_args(argv)
    # SENJA_ENV=local: the only place the public default SENJA_SECRET is accepted
    # (services/common/config.py require_safe_settings).
    env = {"SENJA_ENV": "local", **os.environ, "EVENTLET_NO_GREENDNS": "yes", "PYTHONUNBUFFERED": "1"}
    settings = config.from_env(env)
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: stopping.set())

    started = []  # in start order; stopped in reverse
    mongo = urllib.parse.urlparse(settings.mongo_uri)
    if mongo.hostname in ("127.0.0.1", "localhost"):
        os.makedirs(os.path.join(args.data_dir, "mongo"), exist_ok=True)
        # nx-27017 logs every command with its data: keep that out of the terminal (PDP).
        started.append(Child("mongo", [os.path.join(BIN, "nx-27017"), "--data-dir",
                                       os.path.join(args.data_dir, "mongo"), "--port",
                                       str(mongo.port or 27017), "--log-file", os.devnull],
                             env, quiet=True))
        if not wait_port("127.0.0.1", mongo.port or 27017):
            stopping.set()
    for name, http_port in zip(SERVICES, args.service_ports.split(",")):
        if not stopping.is_set():
            started.append(Child(name, [sys.executable, "-m", "services", name],
                                 {**env, "SERVICE_HTTP_ADDRESS": f"127.0.0.1:{http_port}"}))
    if not stopping.is_set():
        started.append(Child("gateway", [sys.executable, "-m", "gateway"], env))
    demo = None
    if not stopping.is_set() and not args.no_demo:
        demo = Child("demo", [sys.executable, "-m", "gateway.manage", "load-demo"], env)

    banner_shown = False
    while not stopping.is_set():
        if demo is not None and not demo.alive() and not banner_shown:
            banner_shown = True
            if demo.proc.returncode == 0:
                subprocess.run([os.path.join(ROOT, "deploy", "local", "banner.sh")],
                               env={**env, "PORT": str(settings.port)})
        gone = [c for c in started if not c.alive()]
        if gone:
            say("run", f"{gone[0].name} ended ({gone[0].proc.returncode}); stopping the rest")
            break
        time.sleep(0.2)

    # Reverse order: nothing loses its database or broker while it still works.
    # The services do not depend on each other: they stop together.
    clean = True
    if demo is not None:
        demo.stop(5)
    stages = [[c for c in started if c.name == "gateway"],
              [c for c in started if c.name in SERVICES],
              [c for c in started if c.name == "mongo"]]
    for stage in stages:
        for child in stage:
            say("run", f"stopping {child.name}")
            if child.alive():
                child.proc.send_signal(signal.SIGTERM)
        for child in stage:
            if child.stop(settings.stop_timeout + 5):
                say("run", f"{child.name} stopped")
            else:
                clean = False
                say("run", f"{child.name} did not stop within {settings.stop_timeout + 5:g} s: killed")
    marker = os.path.join(args.data_dir, "rabbitmq-started")
    if os.path.exists(marker):
        say("run", "stopping the RabbitMQ node make run started")
        subprocess.run(["rabbitmqctl", "-q", "stop"], check=False)
        os.remove(marker)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
