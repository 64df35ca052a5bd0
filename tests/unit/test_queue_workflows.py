"""The queue's workflows without nameko: a real nx-27017, a fixed clock, events
collected in a list. Round trips are counted with pymongo command monitoring."""
import datetime as dt
import os
import uuid

import pytest
import yaml
from pymongo import monitoring

from services.common.errors import Conflict
from services.common.mongo import connect
from services.queue import counter_actions, issuing, views
from services.queue.context import Context
from services.queue.service import _plain
from services.queue.schemas import OfficeConfig
from services.queue.storage import QueueStore
from tests.support import MongoServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEST_OFFICES = yaml.safe_load(open(os.path.join(ROOT, "tests", "data", "always-open.yaml")))
DEMO = yaml.safe_load(open(os.path.join(ROOT, "gateway", "data", "kota-magelang.yaml")))
UTC = dt.timezone.utc


class Commands(monitoring.CommandListener):
    def __init__(self):
        self.names = []

    def started(self, event):
        self.names.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


@pytest.fixture(scope="module")
def server():
    mongo = MongoServer().start()
    yield mongo
    mongo.close()


@pytest.fixture(scope="module")
def client(server):
    commands = Commands()
    client = connect(server.uri, event_listeners=[commands])
    client.commands = commands
    yield client
    client.close()


class Clock:
    def __init__(self, at):
        self.at = at

    def __call__(self):
        return self.at


@pytest.fixture
def hall(client):
    """A fresh database, the always-open test offices, a clock and the events."""
    store = QueueStore(client[f"w{uuid.uuid4().hex[:8]}_senja_queue"])
    store.ensure_indexes()
    published = []
    ctx = Context(store=store, secret="test", clock=Clock(dt.datetime(2026, 11, 23, 12, 0, 0, 123456, tzinfo=UTC)),
                  dispatch=lambda name, payload: published.append((name, payload)))
    ctx.published = published
    for office in TEST_OFFICES["offices"]:
        put(ctx, office)
    return ctx


def put(ctx, office):
    data = _plain({**OfficeConfig().load(office), "name": office.get("name") or office["id"]})
    ctx.store.put_office(data)
    return data


def round_trips(client, work):
    client.commands.names.clear()
    result = work()
    return result, [n for n in client.commands.names if n not in ("endSessions",)]


def test_an_issue_costs_at_most_three_round_trips(hall, client):
    issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})  # the line exists from here on
    # (the same instant: the tie-break puts the lower number first)
    ticket, trips = round_trips(client, lambda: issuing.issue_ticket(
        hall, "33.71.02", {"service": "KTP"}, idempotency_key="kiosk-1-0001"))
    assert ticket["number"] == "A-002" and ticket["people_ahead"] == 1
    assert trips == ["insert", "findAndModify", "insert"]  # key claim, the line's step, the ticket
    _, trips = round_trips(client, lambda: issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"}))
    assert len(trips) == 2
    replay, _ = round_trips(client, lambda: issuing.issue_ticket(
        hall, "33.71.02", {"service": "KTP"}, idempotency_key="kiosk-1-0001"))
    assert replay["replayed"] and replay["number"] == "A-002" and replay["token"] == ticket["token"]


def test_call_next_answers_after_two_round_trips_and_calls_each_ticket_once(hall, client):
    deferred = []
    hall.later = deferred.append
    first = issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    second = issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    counter_actions.act(hall, "33.71.02", "2", "open")
    called, trips = round_trips(client, lambda: counter_actions.act(hall, "33.71.02", "2", "call_next"))
    assert called["ticket"]["number"] == first["number"] and called["counter"]["current"]
    assert trips == ["findAndModify", "findAndModify"]  # the claim, the conditional update
    assert hall.published[-1][0] == "ticket_called"  # before the answer
    history = hall.store.history.count_documents({"event": "ticket_called"})
    for task in deferred:
        task()
    assert hall.store.history.count_documents({"event": "ticket_called"}) == history + 1  # after it
    assert views.status_by_token(hall, second["token"])["people_ahead"] == 0
    busy = pytest.raises(Conflict, counter_actions.act, hall, "33.71.02", "2", "call_next")
    assert busy.value.extra["reason"] == "counter_busy"
    done = counter_actions.act(hall, "33.71.02", "2", "complete")
    assert done["ticket"]["status"] == "done" and done["counter"]["current"] is None


def test_transfer_cancel_and_the_lines_summary_stay_in_step(hall):
    counter_actions.act(hall, "33.71.02", "1", "open")  # KTP, UMUM
    general = issuing.issue_ticket(hall, "33.71.02", {"service": "UMUM"})
    hall.clock.at += dt.timedelta(minutes=1)
    later = issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    gone = issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    assert issuing.cancel_ticket(hall, gone["token"])["status"] == "cancelled"
    assert counter_actions.act(hall, "33.71.02", "1", "call_next")["ticket"]["number"] == general["number"]
    moved = counter_actions.act(hall, "33.71.02", "1", "transfer", to_service="KTP")["ticket"]
    assert moved["status"] == "waiting" and moved["people_ahead"] == 0
    assert views.status_by_token(hall, later["token"])["people_ahead"] == 1
    services = {s["code"]: s for s in views.list_services(hall, "33.71.02")}
    assert services["KTP"]["waiting"] == 2 and services["UMUM"]["waiting"] == 0
    assert services["KTP"]["counters_open"] == 1


def test_a_ticket_of_a_session_past_midnight_stays_callable(hall):
    office = {**TEST_OFFICES["offices"][0], "id": "33.71.01",
              "sessions": {d: [["20:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        office["sessions"][day] = [["00:00", "01:00"], ["20:00", "24:00"]]
    put(hall, office)
    hall.clock.at = dt.datetime(2026, 11, 23, 16, 50, tzinfo=UTC)  # 23:50 WIB
    before = issuing.issue_ticket(hall, "33.71.01", {"service": "UMUM"})
    hall.clock.at = dt.datetime(2026, 11, 23, 17, 10, tzinfo=UTC)  # 00:10 WIB, the next day
    after = issuing.issue_ticket(hall, "33.71.01", {"service": "UMUM"})
    assert after["number"] == "C-001" and after["people_ahead"] == 1  # numbers restart, the line does not
    counter_actions.act(hall, "33.71.01", "3", "open")
    assert counter_actions.act(hall, "33.71.01", "3", "call_next")["ticket"]["number"] == before["number"]
    assert views.board(hall, "33.71.01")["calls"][0]["number"] == before["number"]


def test_a_priority_ticket_is_judged_by_its_own_place_near_closing(hall):
    office = put(hall, {**DEMO["offices"][1]})  # Magelang Utara: KTP 6 min, 2 counters, until 21:00
    hall.clock.at = dt.datetime(2026, 11, 23, 13, 40, tzinfo=UTC)  # Monday 20:40 WIB
    # No counter open yet: the two that serve KTP are assumed. (n/2 + 1) x 6 <= 20 minutes
    # holds for n = 0..4 ahead: five tickets, then a refusal.
    issued = [issuing.issue_ticket(hall, office["id"], {"service": "KTP"}) for _ in range(5)]
    assert [t["people_ahead"] for t in issued] == [0, 1, 2, 3, 4]
    with pytest.raises(Conflict) as refused:
        issuing.issue_ticket(hall, office["id"], {"service": "KTP"})
    assert refused.value.extra["reason"] == "cannot_serve_before_close"
    assert refused.value.extra["next_session"].startswith("2026-11-24T08:00")
    priority = issuing.issue_ticket(hall, office["id"], {"service": "KTP", "priority_reason": "elderly"})
    assert priority["people_ahead"] == 0
    assert priority["number"] == "A-006"  # the refused ticket gave its number back


def test_a_break_pauses_the_line_it_does_not_end_the_day(hall):
    office = put(hall, {**DEMO["offices"][1]})  # Friday: 08:00-11:00, prayer break, 13:30-21:00
    hall.clock.at = dt.datetime(2026, 11, 27, 3, 50, tzinfo=UTC)  # Friday 10:50 WIB
    # Twelve tickets are 42 minutes of work for two counters, ten minutes before the
    # break: the afternoon session serves them, so none is refused.
    issued = [issuing.issue_ticket(hall, office["id"], {"service": "KTP"}) for _ in range(12)]
    assert issued[-1]["people_ahead"] == 11


def test_a_ticket_called_a_moment_ago_is_passed_over_not_called_twice(hall):
    first = issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    hall.clock.at += dt.timedelta(seconds=1)
    second = issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    counter_actions.act(hall, "33.71.02", "1", "open")
    counter_actions.act(hall, "33.71.02", "2", "open")
    a_later, b_later = [], []
    hall.later = a_later.append
    assert counter_actions.act(hall, "33.71.02", "1", "call_next")["ticket"]["number"] == first["number"]
    # Clerk A's bookkeeping has not run yet: the hall still lists the first ticket.
    hall.later = b_later.append
    assert counter_actions.act(hall, "33.71.02", "2", "call_next")["ticket"]["number"] == second["number"]
    for task in b_later + a_later:
        task()
    hall.later = lambda task: task()
    assert {s["code"]: s["waiting"] for s in views.list_services(hall, "33.71.02")}["KTP"] == 0
    held = {c["id"]: c["current"] and c["current"]["number"] for c in views.list_counters(hall, "33.71.02")}
    assert held == {"1": first["number"], "2": second["number"], "3": None}


def test_a_no_show_is_undone_within_the_time_and_not_after(hall):
    """A citizen who reaches the counter just after "no-show" is called back to it."""
    from services.queue import domain
    counter_actions.act(hall, "33.71.02", "1", "open")
    first = issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    second = issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    nothing = pytest.raises(Conflict, counter_actions.undo_no_show, hall, "33.71.02", "1")
    assert nothing.value.extra["reason"] == "nothing_to_undo"
    counter_actions.act(hall, "33.71.02", "1", "call_next")
    assert counter_actions.act(hall, "33.71.02", "1", "no_show")["ticket"]["status"] == "no_show"
    hall.clock.at += dt.timedelta(seconds=domain.UNDO_NO_SHOW_SECONDS - 1)
    undone = counter_actions.undo_no_show(hall, "33.71.02", "1", actor="staff:clerk")
    assert undone["action"] == "undo_no_show" and undone["ticket"]["status"] == "called"
    assert undone["counter"]["current"]["number"] == first["number"]
    assert hall.published[-1][0] == "ticket_no_show_undone"
    assert views.status_by_token(hall, first["token"])["status"] == "called"
    assert views.status_by_token(hall, second["token"])["people_ahead"] == 0  # still next in line
    # Held at the counter as any call: served, then the next one.
    assert counter_actions.act(hall, "33.71.02", "1", "complete")["ticket"]["status"] == "done"
    again = pytest.raises(Conflict, counter_actions.undo_no_show, hall, "33.71.02", "1")
    assert again.value.extra["reason"] == "nothing_to_undo"  # a done ticket is not a no-show
    # Too late: past the undo time the no-show stands.
    counter_actions.act(hall, "33.71.02", "1", "call_next")
    counter_actions.act(hall, "33.71.02", "1", "no_show")
    hall.clock.at += dt.timedelta(seconds=domain.UNDO_NO_SHOW_SECONDS + 1)
    late = pytest.raises(Conflict, counter_actions.undo_no_show, hall, "33.71.02", "1")
    assert late.value.extra["reason"] == "nothing_to_undo"
    assert views.status_by_token(hall, second["token"])["status"] == "no_show"


def test_an_undo_needs_an_idle_counter(hall):
    counter_actions.act(hall, "33.71.02", "1", "open")
    issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    issuing.issue_ticket(hall, "33.71.02", {"service": "KTP"})
    counter_actions.act(hall, "33.71.02", "1", "call_next")
    counter_actions.act(hall, "33.71.02", "1", "no_show")
    counter_actions.act(hall, "33.71.02", "1", "call_next")  # the clerk went on
    busy = pytest.raises(Conflict, counter_actions.undo_no_show, hall, "33.71.02", "1")
    assert busy.value.extra["reason"] == "counter_busy"
