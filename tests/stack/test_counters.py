"""Counter hall end to end: clerks' actions, the citizen's page, the board,
statistics, access rules and concurrency, over HTTP against the real stack."""
import concurrent.futures
import datetime as dt
import time

import pytest

from tests.support import http

OFFICE = "91.71.01"  # Jayapura Utara (WIT): this module's own office


def act(stack, login, counter, action, user="clerk.jayapura", office=OFFICE, **extra):
    return http("POST", f"{stack.url}/api/v1/offices/{office}/counters/{counter}/actions",
                {"action": action, **extra}, headers=login(user))


def issue(stack, service, office=OFFICE, **extra):
    status, _, body = http("POST", f"{stack.url}/api/v1/offices/{office}/tickets",
                           {"service": service, **extra})
    assert status == 201, body
    return body


def status_of(stack, ticket):
    return http("GET", f"{stack.url}{ticket['status_url']}")[2]


def eventually(check, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_staff_routes_need_a_token_of_the_office_and_the_role(stack, login):
    url = f"{stack.url}/api/v1/offices/{OFFICE}/counters/3/actions"
    assert http("POST", url, {"action": "open"})[0] == 401
    assert http("POST", url, {"action": "open"}, headers=login("clerk.utara"))[0] == 403
    stats = f"{stack.url}/api/v1/offices/{OFFICE}/stats?date=2026-11-23"
    assert http("GET", stats, headers=login("clerk.jayapura"))[0] == 403  # supervisors only
    assert http("GET", stats, headers=login("super.utara"))[0] == 403  # other office
    assert http("GET", stats, headers=login("super.jayapura"))[0] == 200


def test_call_recall_no_show_start_complete_and_what_the_citizen_sees(stack, login):
    assert act(stack, login, "3", "open")[0] == 200
    assert act(stack, login, "3", "call_next")[0] == 204  # nobody waits for IZIN/UMUM yet
    first, second = issue(stack, "IZIN"), issue(stack, "IZIN")

    status, _, called = act(stack, login, "3", "call_next")
    assert status == 200 and called["ticket"]["number"] == first["number"]
    assert called["counter"]["current"]["number"] == first["number"]
    view = eventually(lambda: (v := status_of(stack, first))["status"] == "called" and v)
    assert view["counter"] == "3" and view["counter_name"] == "Loket 3" and view["called_at"]
    assert eventually(lambda: status_of(stack, second)["people_ahead"] == 0)

    board = eventually(lambda: (b := http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/board")[2])
                       ["calls"] and b)  # the board follows the ticket_called event
    assert board["calls"][0]["number"] == first["number"] and board["calls"][0]["counter_name"] == "Loket 3"

    # Busy counter: a second call_next is refused until this ticket is finished.
    assert act(stack, login, "3", "call_next")[2]["reason"] == "counter_busy"
    assert act(stack, login, "3", "recall")[2]["ticket"]["recalls"] == 1
    assert eventually(lambda: status_of(stack, first)["recalls"] == 1)
    assert act(stack, login, "3", "recall")[2]["ticket"]["recalls"] == 2
    spent = act(stack, login, "3", "recall")[2]  # max_recalls 2: now a no-show
    assert spent["action"] == "no_show" and spent["ticket"]["status"] == "no_show"
    assert eventually(lambda: status_of(stack, first)["status"] == "no_show")

    assert act(stack, login, "3", "call_next")[2]["ticket"]["number"] == second["number"]
    assert act(stack, login, "3", "start")[2]["ticket"]["status"] == "serving"
    done = act(stack, login, "3", "complete")[2]
    assert done["ticket"]["status"] == "done" and done["counter"]["current"] is None
    assert act(stack, login, "3", "start")[2]["reason"] == "no_current_ticket"

    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date().isoformat()
    stats = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/stats?date={today}",
                 headers=login("super.jayapura"))[2]
    assert stats["served"] >= 1 and stats["no_shows"] >= 1 and stats["issued"] >= 2
    assert stats["mean_wait_minutes"] is not None and stats["per_hour"]
    assert act(stack, login, "3", "close")[0] == 200


def test_transfer_keeps_the_place_in_time(stack, login):
    assert act(stack, login, "1", "open")[0] == 200  # KTP, UMUM
    general = issue(stack, "UMUM")
    later = issue(stack, "KTP")
    # Counter 1 serves both; the UMUM ticket came first.
    assert act(stack, login, "1", "call_next")[2]["ticket"]["number"] == general["number"]
    moved = act(stack, login, "1", "transfer", to_service="KTP")[2]
    assert moved["ticket"]["status"] == "waiting" and moved["ticket"]["service"] == "KTP"
    assert moved["ticket"]["from_service"] == "UMUM" and moved["ticket"]["number"] == general["number"]
    # Back in line ahead of the KTP ticket that arrived after it.
    assert eventually(lambda: status_of(stack, later)["people_ahead"] >= 1)
    assert act(stack, login, "1", "call_next")[2]["ticket"]["number"] == general["number"]
    assert act(stack, login, "1", "complete")[0] == 200
    assert act(stack, login, "1", "call_next")[2]["ticket"]["number"] == later["number"]
    assert act(stack, login, "1", "complete")[0] == 200
    assert act(stack, login, "1", "close")[0] == 200


def test_citizen_cancels_a_waiting_ticket_once(stack):
    ticket = issue(stack, "UMUM")
    status, _, view = http("DELETE", f"{stack.url}{ticket['status_url']}")
    assert status == 200 and view["status"] == "cancelled"
    status, _, problem = http("DELETE", f"{stack.url}{ticket['status_url']}")
    assert status == 409 and problem["reason"] == "illegal_transition"


@pytest.mark.parametrize("body,field", [
    ({"action": "dance"}, "action"),
    ({"action": "transfer"}, "to_service"),
    ({"action": "open", "extra": 1}, "extra"),
    ({}, "action"),
])
def test_bad_actions_are_422_and_change_nothing(stack, login, body, field):
    before = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/counters")[2]
    status, _, problem = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/counters/2/actions",
                              body, headers=login("clerk.jayapura"))
    assert status == 422 and field in {e["field"] for e in problem["errors"]}
    assert http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/counters")[2] == before


def test_unknown_counter_and_transfer_target(stack, login):
    assert act(stack, login, "99", "open")[0] == 404
    assert act(stack, login, "2", "open")[0] == 200
    issue(stack, "KTP")
    assert act(stack, login, "2", "call_next")[0] == 200
    status, _, problem = act(stack, login, "2", "transfer", to_service="NOPE")
    assert status == 422 and problem["errors"][0]["field"] == "service"
    assert act(stack, login, "2", "complete")[0] == 200


def test_notice_posted_by_a_supervisor_shows_on_the_board(stack, login):
    url = f"{stack.url}/api/v1/offices/{OFFICE}/notices"
    assert http("POST", url, {"text": "Loket 2 tutup pukul 20.00"}, headers=login("clerk.jayapura"))[0] == 403
    status, _, notice = http("POST", url, {"text": "Loket 2 tutup pukul 20.00"},
                             headers=login("super.jayapura"))
    assert status == 201
    board = eventually(lambda: (b := http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/board"))
                       and notice["id"] in {n["id"] for n in b[2]["notices"]} and b)
    assert board, "the notice never reached the board"
    time.sleep(0.5)  # both gateway workers' read models have had the notices_changed event
    assert http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/board",
                headers={"If-None-Match": board[1]["etag"]})[0] == 304


def test_eight_clerks_call_a_hundred_tickets_exactly_once_in_priority_then_arrival_order(stack, login):
    office = "51.71.01"  # Denpasar Selatan (WITA), configured here through the API
    config = {
        "timezone": "Asia/Makassar", "observe_national_holidays": False,
        "sessions": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        "services": [{"code": "KTP", "prefix": "A", "name": {"id": "KTP-el", "en": "ID card"}}],
        "counters": [{"id": str(i), "name": f"Loket {i}", "services": ["KTP"]} for i in range(1, 9)],
    }
    status, _, made = http("PUT", f"{stack.url}/api/v1/offices/{office}", config,
                           headers=login("admin.denpasar"))
    assert status == 200 and made["name"] == "Denpasar Selatan"
    tickets = []
    for i in range(100):
        tickets.append(issue(stack, "KTP", office=office,
                             **({"priority_reason": "elderly"} if i % 10 == 7 else {})))
    rank = {t["number"]: (t["priority_reason"] is None, int(t["number"][2:])) for t in tickets}

    def clerk(counter):
        assert act(stack, login, counter, "open", user="admin.denpasar", office=office)[0] == 200
        calls = []
        while True:
            status, _, body = act(stack, login, counter, "call_next", user="admin.denpasar", office=office)
            if status == 204:
                return calls
            assert status == 200, body
            calls.append(body["ticket"]["number"])
            assert act(stack, login, counter, "complete", user="admin.denpasar", office=office)[0] == 200

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        per_clerk = list(pool.map(clerk, [str(i) for i in range(1, 9)]))
    called = [n for calls in per_clerk for n in calls]
    assert sorted(called) == sorted(rank)  # each of the 100 exactly once
    # Whatever the interleaving, each clerk got tickets in call order.
    for calls in per_clerk:
        assert [rank[n] for n in calls] == sorted(rank[n] for n in calls)


def test_a_no_show_is_undone_by_the_clerk_and_the_citizen_sees_the_call_again(stack, login):
    undo = f"{stack.url}/api/v1/offices/{OFFICE}/counters/3/undo-no-show"
    assert http("POST", undo, {})[0] == 401
    assert http("POST", undo, {}, headers=login("clerk.utara"))[0] == 403  # another office's clerk
    assert act(stack, login, "3", "open")[0] == 200
    late = issue(stack, "IZIN")
    assert act(stack, login, "3", "call_next")[2]["ticket"]["number"] == late["number"]
    assert act(stack, login, "3", "no_show")[2]["ticket"]["status"] == "no_show"
    assert eventually(lambda: status_of(stack, late)["status"] == "no_show")
    status, _, undone = http("POST", undo, {}, headers=login("clerk.jayapura"))
    assert status == 200 and undone["action"] == "undo_no_show"
    assert undone["counter"]["current"]["number"] == late["number"]
    # The phone's page follows the event (the gateway's read model), the board too.
    assert eventually(lambda: status_of(stack, late)["status"] == "called")
    status, _, problem = http("POST", undo, {}, headers=login("clerk.jayapura"))
    assert status == 409 and problem["reason"] == "nothing_to_undo"  # taken back once only
    assert act(stack, login, "3", "complete")[2]["ticket"]["status"] == "done"
    status, _, problem = http("POST", undo, {}, headers=login("clerk.jayapura"))
    assert status == 409 and problem["reason"] == "nothing_to_undo"
    assert act(stack, login, "3", "close")[0] == 200
