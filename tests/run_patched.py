"""Run pytest with eventlet's monkey patch applied first, for tests that host
nameko containers in-process (nameko 2.14 has no `nameko test` command)."""
import os
import sys

os.environ.setdefault("EVENTLET_NO_GREENDNS", "yes")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import pytest  # noqa: E402

if __name__ == "__main__":
    sys.exit(pytest.main(sys.argv[1:]))
