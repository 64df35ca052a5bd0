"""Browser tests against the whole stack. Plain pytest (not monkey-patched):
the stack runs as subprocesses (tests/support.py), the browser is Debian's
chromium driven by playwright-core from npm through tests/e2e/flows.mjs."""
import os
import shutil
import tempfile

import pytest

from tests.support import MongoServer, Stack, vhost

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "test-password-123"
CLERK = "clerk.utara"
OFFICE = "33.71.02"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def browser_tools_missing():
    """Why the browser tests cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed (apt-get install nodejs npm)"
    for package in ("playwright-core", "axe-core"):
        if not os.path.isdir(os.path.join(ROOT, "node_modules", package)):
            return f"node_modules/{package} is missing (run `npm ci` at the repository root)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def stack():
    """The whole stack (nx-27017, three services, gateway) with test offices and a clerk."""
    with vhost() as amqp_uri, tempfile.TemporaryDirectory(prefix="senja-e2e-") as logs:
        mongo = MongoServer().start()
        s = Stack(amqp_uri, mongo, logs)
        try:
            s.start_all()
            done = s.manage("load-offices", os.path.join(ROOT, "tests", "data", "always-open.yaml"))
            assert done.returncode == 0, done.stderr
            made = s.manage("create-staff", "--username", CLERK, "--office", OFFICE,
                            "--role", "clerk", stdin=PASSWORD + "\n")
            assert made.returncode == 0, made.stderr
            yield s
        finally:
            s.stop_all()
            mongo.close()
            if os.environ.get("SENJA_KEEP_LOGS"):
                print(s.logs())
