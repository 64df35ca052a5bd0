"""Browser tests against the whole stack. Plain pytest (not monkey-patched):
the stack runs as subprocesses (tests/support.py), the browser is Debian's
chromium driven by playwright-core from npm through tests/e2e/flows.mjs."""
import os
import json
import shutil
import subprocess

import pytest

from tests.support import running_stack

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "test-password-123"
CLERK = "clerk.utara"
OFFICE = "33.71.02"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = os.path.join(ROOT, "test-artifacts", "screenshots")


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

def run_flow(script, stack, results_file, **env):
    """Run one browser flow (a .mjs beside this file) against the stack; its results as a dict.

    The flow prints one JSON line at the end; a copy is kept in test-artifacts/.
    """
    missing = browser_tools_missing()
    if missing:
        pytest.fail(f"browser tests cannot run: {missing}")
    os.makedirs(SHOTS, exist_ok=True)
    env = {**os.environ, "SENJA_URL": stack.url, "SENJA_OFFICE": OFFICE, "SCREENSHOT_DIR": SHOTS,
           "CHROMIUM": CHROMIUM, **env}
    proc = subprocess.run(["node", os.path.join(ROOT, "tests", "e2e", script)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=240)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"{script} printed no result (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    results = json.loads(lines[-1])
    with open(os.path.join(ROOT, "test-artifacts", results_file), "w") as fh:
        json.dump(results, fh, indent=1, ensure_ascii=False)
    return results
