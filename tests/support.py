"""Real infrastructure for tests: an nx-27017 MongoDB wire server on a free
port in a temporary directory, and a RabbitMQ vhost of our own on the
machine's broker, so parallel runs and a running `make run` do not meet."""
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from base64 import b64encode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.dirname(sys.executable)
BROKER = os.environ.get("TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
MANAGEMENT = os.environ.get("TEST_RABBIT_API", "http://127.0.0.1:15672/api")


def _die_with_parent():
    """Children end with the test process, even if it is killed (no stray stacks)."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


class MongoServer:
    """nx-27017 on a free port with its data in a temporary directory."""

    def __init__(self, data_dir=None):
        self.port = free_port()
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="senja-mongo-")
        self.data_dir = data_dir or self._tmp.name
        self.proc = None

    @property
    def uri(self):
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self):
        self.proc = subprocess.Popen(
            [os.path.join(VENV_BIN, "nx-27017"), "--data-dir", self.data_dir, "--port", str(self.port),
             "--log-file", os.devnull, "--pid-file", os.path.join(self.data_dir, "nx.pid")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        wait_port(self.port)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def close(self):
        self.stop()
        if self._tmp:
            self._tmp.cleanup()


def _management(method, path, body=None):
    parts = urllib.parse.urlparse(BROKER)
    auth = b64encode(f"{parts.username or 'guest'}:{parts.password or 'guest'}".encode()).decode()
    req = urllib.request.Request(f"{MANAGEMENT}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Basic {auth}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status


def create_vhost(name):
    """Through the management API; with rabbitmqctl where that plugin is off."""
    user = urllib.parse.urlparse(BROKER).username or "guest"
    try:
        _management("PUT", f"/vhosts/{name}")
        _management("PUT", f"/permissions/{name}/{user}",
                    {"configure": ".*", "write": ".*", "read": ".*"})
    except (urllib.error.URLError, OSError):
        subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=True)
        subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", name, user, ".*", ".*", ".*"],
                       check=True)
    base = BROKER.rstrip("/")
    return f"{base}/{name}"


def delete_vhost(name):
    try:
        _management("DELETE", f"/vhosts/{name}")
    except (urllib.error.URLError, OSError):
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], check=False)


@contextlib.contextmanager
def vhost():
    name = f"senja-test-{uuid.uuid4().hex[:10]}"
    uri = create_vhost(name)
    try:
        yield uri
    finally:
        delete_vhost(name)


def http(method, url, body=None, headers=None, timeout=15):
    """(status, headers, parsed body) without raising on 4xx/5xx."""
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(url, method=method, data=data, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            status, rh = resp.status, resp.headers
    except urllib.error.HTTPError as err:
        raw = err.read()
        status, rh = err.code, err.headers
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return status, rh, parsed


class Stack:
    """The whole stack as subprocesses, as `make run` starts it, on free ports."""

    COMPONENTS = ("queue", "permits", "accessibility", "survey", "gateway")

    # Rate limits are off by default here: stack tests issue many tickets from
    # one address. Tests of the limits pass their own figures in extra_env.
    DEFAULT_ENV = {"RATE_LIMIT_ISSUE_TICKET_PER_MINUTE": "0", "RATE_LIMIT_APPLY_PERMIT_PER_MINUTE": "0",
                   "RATE_LIMIT_REPORT_PROBLEM_PER_MINUTE": "0", "RATE_LIMIT_BOOK_SLOT_PER_MINUTE": "0",
                   "RATE_LIMIT_SUBSCRIBE_TICKET_PER_MINUTE": "0"}

    def __init__(self, amqp_uri, mongo, log_dir, extra_env=None):
        self.extra_env = {**self.DEFAULT_ENV, **(extra_env or {})}
        self.amqp_uri = amqp_uri
        self.mongo = mongo
        self.log_dir = log_dir
        self.port = free_port()
        self.service_ports = {name: free_port() for name in self.COMPONENTS[:-1]}
        self.procs = {}
        self.secret = uuid.uuid4().hex

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra):
        env = {**os.environ, "AMQP_URI": self.amqp_uri, "MONGO_URI": self.mongo.uri,
               "SENJA_SECRET": self.secret,
               "SENJA_ENV": "local",  # test stacks are local: stated, as deploy/local/env does
               "PORT": str(self.port), "EVENTLET_NO_GREENDNS": "yes",
               "PYTHONUNBUFFERED": "1", "RPC_TIMEOUT": "3", "GUNICORN_WORKERS": "2",
               "GUNICORN_THREADS": "8", "PYTHONPATH": ROOT}
        env.update(self.extra_env)
        env.update(extra)
        return env

    def start(self, name):
        if name == "gateway":
            cmd, env = [sys.executable, "-m", "gateway"], self.env()
        else:
            cmd = [sys.executable, "-m", "services", name]
            env = self.env(SERVICE_HTTP_ADDRESS=f"127.0.0.1:{self.service_ports[name]}")
        log = open(os.path.join(self.log_dir, f"{name}.log"), "ab")
        self.procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log,
                                            start_new_session=True, preexec_fn=_die_with_parent)
        return self.procs[name]

    def start_all(self):
        for name in self.COMPONENTS:
            self.start(name)
        self.wait_ready()
        return self

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                status, _, body = http("GET", f"{self.url}/readyz", timeout=5)
                if status == 200:
                    return body
                last = body
            except (urllib.error.URLError, OSError) as exc:
                last = exc
            time.sleep(0.3)
        raise TimeoutError(f"stack not ready: {last}")

    def manage(self, *args, stdin=None):
        return subprocess.run([sys.executable, "-m", "gateway.manage", *args], cwd=ROOT,
                              env=self.env(), input=stdin, capture_output=True, text=True,
                              timeout=120)

    def kill(self, name, sig=signal.SIGKILL):
        proc = self.procs[name]
        os.killpg(proc.pid, sig)
        proc.wait(30)

    def stop_all(self):
        for name, proc in self.procs.items():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    def logs(self):
        out = {}
        for name in self.COMPONENTS:
            path = os.path.join(self.log_dir, f"{name}.log")
            if os.path.exists(path):
                with open(path, errors="replace") as fh:
                    out[name] = fh.read()
        return out


TEST_OFFICES = os.path.join(ROOT, "tests", "data", "always-open.yaml")


def seed(stack, staff, password):
    """The test offices (always open) and staff accounts [(username, office, role)]."""
    done = stack.manage("load-offices", TEST_OFFICES)
    assert done.returncode == 0, done.stderr
    for username, office, role in staff:
        made = stack.manage("create-staff", "--username", username, "--office", office,
                            "--role", role, stdin=password + "\n")
        assert made.returncode == 0, made.stderr


@contextlib.contextmanager
def running_stack(staff, password, prefix="senja-stack-", extra_env=None):
    """A whole stack of its own (vhost, nx-27017, services, gateway), seeded."""
    with vhost() as amqp_uri, tempfile.TemporaryDirectory(prefix=prefix) as logs:
        mongo = MongoServer().start()
        stack = Stack(amqp_uri, mongo, logs, extra_env=extra_env)
        try:
            stack.start_all()
            seed(stack, staff, password)
            yield stack
        finally:
            stack.stop_all()
            mongo.close()
            if os.environ.get("SENJA_KEEP_LOGS"):
                print(stack.logs())


def wiring_only(secret="wiring-only-test-secret"):
    """Dependencies that let ``create_app`` wire its routes without a broker or a
    database (route discovery, the contract); nothing on them is ever called."""
    from gateway.auth import TokenSigner
    from gateway.clients import Clients
    from gateway.readmodel import TicketReadModel
    from services.common import config

    class WiringOnly:
        settings = config.from_env({"SENJA_SECRET": secret, "SENJA_ENV": "local"})
        signer = TokenSigner(secret)
        rpc = db = staff = feed = login_throttle = None
        readmodel = TicketReadModel()
        clients = Clients(None)
    return WiringOnly()
