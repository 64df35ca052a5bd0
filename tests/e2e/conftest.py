"""Browser tests against the whole stack. Plain pytest (not monkey-patched):
the stack runs as subprocesses (tests/support.py), the browser is Debian's
chromium driven by playwright-core from npm through tests/e2e/flows.mjs."""
import os
import shutil

import pytest

from tests.support import running_stack

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
    with running_stack([(CLERK, OFFICE, "clerk")], PASSWORD, prefix="senja-e2e-") as s:
        yield s