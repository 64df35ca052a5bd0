"""Run one service: ``python -m services queue|permits|accessibility|survey``.

Equivalent to ``nameko run`` with the config built from environment variables.
"""
import os
import sys

# Before eventlet is imported: green DNS breaks pymongo 4 (docs/architecture.md).
os.environ.setdefault("EVENTLET_NO_GREENDNS", "yes")

import eventlet  # noqa: E402

eventlet.monkey_patch()

SERVICES = {
    "queue": "services.queue.service:QueueService",
    "permits": "services.permits.service:PermitsService",
    "accessibility": "services.accessibility.service:AccessibilityService",
    "survey": "services.survey.service:SurveyService",
}


def main(argv):
    if len(argv) != 1 or argv[0] not in SERVICES:
        sys.exit(f"usage: python -m services {{{'|'.join(SERVICES)}}}")
    import importlib

    from services.common import broker, config, logs, replies

    replies.install()  # a reply lost to a broker outage must not kill the container
    broker.install()  # back within 2 s of the broker's return, not up to 30 s

    settings = config.require_safe_settings(config.from_env(), argv[0])
    logs.configure(argv[0], settings.log_level)
    module, cls = SERVICES[argv[0]].split(":")
    service = getattr(importlib.import_module(module), cls)
    serve(service, config.nameko_config(settings), settings.stop_timeout)


def serve(service, config, stop_timeout):
    """``nameko run`` for one service, with a bounded stop.

    SIGTERM stops the service gracefully: consumers stop taking messages, running
    workers finish, unacknowledged messages go back to the broker. nameko's own
    runner may wait forever when the broker is unreachable at that moment (seen:
    services still up minutes after SIGTERM); after ``stop_timeout`` seconds the
    container is killed instead, so the process always ends within a pod's grace period.
    """
    import errno
    import signal

    from nameko.runners import ServiceRunner

    runner = ServiceRunner(config)
    runner.add_service(service)

    def stop():
        eventlet.spawn_after(stop_timeout, runner.kill)
        runner.stop()

    # Signal handlers run in the main loop; eventlet work must go to a greenlet.
    signal.signal(signal.SIGTERM, lambda signum, frame: eventlet.spawn_n(stop))
    runner.start()
    waiter = eventlet.spawn(runner.wait)
    while True:
        try:
            waiter.wait()
            return
        except OSError as exc:  # EINTR when the signal lands during a socket wait
            if exc.errno != errno.EINTR:
                raise
        except KeyboardInterrupt:
            eventlet.spawn_n(stop)


if __name__ == "__main__":
    main(sys.argv[1:])
