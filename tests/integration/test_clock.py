"""Calendar rules through the real service, with a controlled clock."""
import datetime as dt

import pytest
import time_machine
import yaml
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from services.queue.service import QueueService

UTC = dt.timezone.utc
DEMO = yaml.safe_load(open("gateway/data/kota-magelang.yaml"))


def issue(rpc, office, service="KTP"):
    return rpc.queue.issue_ticket(office, {"service": service})


def serial(ticket):
    return int(ticket["number"].split("-")[1])


def test_numbering_restarts_at_each_office_local_midnight(container_factory, config, offices):
    container_factory(QueueService, config).start()
    by_id = {o["id"]: o for o in offices}
    wib, wit = by_id["33.71.02"], by_id["91.71.01"]  # Asia/Jakarta, Asia/Jayapura
    with ClusterRpcProxy(config, timeout=10) as rpc:
        with time_machine.travel(dt.datetime(2026, 11, 23, 14, 59, tzinfo=UTC), tick=True):
            rpc.queue.put_office(wib)
            rpc.queue.put_office(wit)
            assert serial(issue(rpc, wib["id"])) == 1  # 21:59 WIB
            assert serial(issue(rpc, wit["id"])) == 1  # 23:59 WIT
        with time_machine.travel(dt.datetime(2026, 11, 23, 15, 1, tzinfo=UTC), tick=True):
            assert serial(issue(rpc, wib["id"])) == 2  # 22:01 WIB, same day
            assert serial(issue(rpc, wit["id"])) == 1  # 00:01 WIT, a new day
        with time_machine.travel(dt.datetime(2026, 11, 23, 17, 1, tzinfo=UTC), tick=True):
            assert serial(issue(rpc, wib["id"])) == 1  # 00:01 WIB, a new day
            assert serial(issue(rpc, wit["id"])) == 2


def _problem(exc):
    import json
    assert exc.value.exc_type == "Conflict"
    return json.loads(exc.value.value)


def test_holiday_evening_session_and_closing_time(container_factory, config):
    container_factory(QueueService, config).start()
    office = DEMO["offices"][1]  # Magelang Utara, real calendar: holidays, 13:00-21:00
    with ClusterRpcProxy(config, timeout=10) as rpc:
        with time_machine.travel(dt.datetime(2026, 12, 25, 3, 0, tzinfo=UTC), tick=True):  # 10:00 WIB
            rpc.queue.put_office(office)
            with pytest.raises(RemoteError) as exc:
                issue(rpc, office["id"])
            body = _problem(exc)
            assert body["reason"] == "holiday" and body["next_session"].startswith("2026-12-26T08:00")
        with time_machine.travel(dt.datetime(2026, 11, 23, 13, 30, tzinfo=UTC), tick=True):  # 20:30 WIB
            ticket = issue(rpc, office["id"])
            assert ticket["status"] == "waiting"
        with time_machine.travel(dt.datetime(2026, 11, 23, 13, 55, tzinfo=UTC), tick=True):  # 20:55 WIB
            # Typical KTP service is 6 minutes: a ticket now cannot be served before 21:00.
            with pytest.raises(RemoteError) as exc:
                issue(rpc, office["id"])
            body = _problem(exc)
            assert body["reason"] == "cannot_serve_before_close"
            assert body["next_session"].startswith("2026-11-24T08:00")
        with time_machine.travel(dt.datetime(2026, 11, 23, 14, 5, tzinfo=UTC), tick=True):  # 21:05 WIB
            with pytest.raises(RemoteError) as exc:
                issue(rpc, office["id"])
            assert _problem(exc)["reason"] == "closed"
