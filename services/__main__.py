"""Run one service: ``python -m services queue|permits|accessibility``.

Equivalent to ``nameko run`` with the config built from environment variables.
"""
import os
import sys

# Before eventlet is imported: green DNS breaks pymongo 4 (DESIGN.md).
os.environ.setdefault("EVENTLET_NO_GREENDNS", "yes")

import eventlet  # noqa: E402

eventlet.monkey_patch()

SERVICES = {
    "queue": "services.queue.service:QueueService",
    "permits": "services.permits.service:PermitsService",
    "accessibility": "services.accessibility.service:AccessibilityService",
}


def main(argv):
    if len(argv) != 1 or argv[0] not in SERVICES:
        sys.exit(f"usage: python -m services {{{'|'.join(SERVICES)}}}")
    import importlib

    from nameko.cli.run import run

    from services.common import config, logs, replies

    replies.install()  # a reply lost to a broker outage must not kill the container

    settings = config.from_env()
    logs.configure(argv[0], settings.log_level)
    module, cls = SERVICES[argv[0]].split(":")
    service = getattr(importlib.import_module(module), cls)
    run([service], config.nameko_config(settings))


if __name__ == "__main__":
    main(sys.argv[1:])
