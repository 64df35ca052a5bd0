"""The satisfaction survey end to end: only a served ticket or an issued
permit answers, once; the published IKM equals the regulation's formula
computed here, independently, over the answers stored in the database."""
import time

from pymongo import MongoClient

from tests.support import http

OFFICE = "33.71.03"
PERMIT_OFFICE = "33.71.02"


def scores(*values):
    values = values if len(values) == 9 else values * 9
    return {f"U{i}": v for i, v in enumerate(values, 1)}


def answer(stack, token, body):
    return http("POST", f"{stack.url}/api/v1/tickets/{token}/survey", body)


def serve(stack, login):
    """A KTP ticket of OFFICE issued, called and completed at counter 2."""
    status, _, ticket = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets", {"service": "KTP"})
    assert status == 201, ticket
    url = f"{stack.url}/api/v1/offices/{OFFICE}/counters/2/actions"
    clerk = login("clerk.tengah")
    http("POST", url, {"action": "open"}, headers=clerk)
    status, _, called = http("POST", url, {"action": "call_next"}, headers=clerk)
    assert status == 200 and called["ticket"]["number"] == ticket["number"], called
    assert http("POST", url, {"action": "complete"}, headers=clerk)[0] == 200
    return ticket


def answer_when_ready(stack, token, body, timeout=10.0):
    """The survey learns of the service from the queue's event: a moment later."""
    deadline = time.monotonic() + timeout
    while True:
        status, headers, reply = answer(stack, token, body)
        if status != 409 or reply.get("reason") != "not_served" or time.monotonic() > deadline:
            return status, reply
        time.sleep(0.2)


def test_questions_are_the_regulations_nine_elements(stack):
    status, _, body = http("GET", f"{stack.url}/api/v1/surveys/questions")
    assert status == 200
    assert [q["code"] for q in body["questions"]] == [f"U{i}" for i in range(1, 10)]
    assert body["questions"][0]["element"] == {"id": "Persyaratan", "en": "Requirements"}
    assert [a["value"] for a in body["questions"][8]["answers"]] == [1, 2, 3, 4]
    assert "14/2017" in body["source"]


def test_ticket_survey_refused_before_service_once_after_and_checked(stack, login):
    status, _, waiting = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets", {"service": "UMUM"})
    assert status == 201
    status, _, refused = answer(stack, waiting["token"], {"scores": scores(4)})
    assert status == 409 and refused["reason"] == "not_served"
    assert answer(stack, "x" * 32, {"scores": scores(4)})[0] == 404

    ticket = serve(stack, login)
    bad = answer(stack, ticket["token"], {"scores": {**scores(4), "U3": 5}})
    assert bad[0] == 422 and any("U3" in e["field"] for e in bad[2]["errors"]), bad
    missing = answer(stack, ticket["token"], {"scores": {"U1": 4}})
    assert missing[0] == 422 and any("U9" in e["field"] for e in missing[2]["errors"])
    sneaky = answer(stack, ticket["token"], {"scores": scores(4), "comment": "ok\u202egnp.exe"})
    assert sneaky[0] == 422 and sneaky[2]["errors"][0]["field"] == "comment"
    too_long = answer(stack, ticket["token"], {"scores": scores(4), "comment": "a" * 501})
    assert too_long[0] == 422

    status, reply = answer_when_ready(stack, ticket["token"],
                                      {"scores": scores(4, 3, 3, 4, 3, 4, 4, 2, 3), "comment": "<b>cepat</b>"})
    assert status == 201 and reply == {"answered": True, "office_id": OFFICE}, reply
    status, _, again = answer(stack, ticket["token"], {"scores": scores(1)})
    assert status == 409 and again["reason"] == "answered"


def test_ikm_equals_the_regulations_formula_over_the_stored_answers(stack, login):
    for values in ((4,), (3,), (2, 3, 3, 3, 3, 3, 3, 3, 3)):
        ticket = serve(stack, login)
        assert answer_when_ready(stack, ticket["token"], {"scores": scores(*values)})[0] == 201
    serve(stack, login)  # served, did not answer: the population is larger than the sample
    db = MongoClient(stack.mongo.uri, tz_aware=True)["senja_survey"]
    deadline = time.monotonic() + 10
    mine = {"office_id": OFFICE}
    while db.eligible.count_documents(mine) <= db.answers.count_documents(mine) and time.monotonic() < deadline:
        time.sleep(0.2)  # the survey learns of that service from the queue's event

    status, _, ikm = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/ikm")
    assert status == 200, ikm
    # Independently: the answers as stored, the Lampiran's formula written out here.
    stored = list(db.answers.find({"office_id": OFFICE}))
    served = db.eligible.count_documents({"office_id": OFFICE})
    assert stored and all(set(a) >= {"scores", "service", "session", "local_date"} for a in stored)
    assert not any("ticket" in k or "token" in k for a in stored for k in a)  # no key, no trace
    n = len(stored)
    nrr = {f"U{i}": sum(a["scores"][f"U{i}"] for a in stored) / n for i in range(1, 10)}
    expected = round(sum(v * (1 / 9) for v in nrr.values()) * 25, 2)
    assert ikm["respondents"] == n >= 4
    assert ikm["population"] == served > n
    assert ikm["ikm"] == expected
    assert ikm["elements"] == {k: round(v, 3) for k, v in nrr.items()}
    letter = "A" if expected >= 88.31 else "B" if expected >= 76.61 else "C" if expected >= 65 else "D"
    assert ikm["category"] == letter
    # Everyone served must answer in so small a population (Krejcie & Morgan: N <= 10 -> N).
    assert ikm["sample_required"] == served and ikm["sample_sufficient"] is False

    evening = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/ikm?session=evening&service=KTP")[2]
    in_evening = [a for a in stored if a["session"] == "evening" and a["service"] == "KTP"]
    assert evening["respondents"] == len(in_evening)
    bad = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/ikm?session=night&from=2026-13-01")
    assert bad[0] == 422 and {e["field"] for e in bad[2]["errors"]} >= {"session", "from"}


def test_permit_survey_by_the_applicant_once_issued(stack, login):
    from tests.stack.test_permits import apply, move
    made = apply(stack)[2]
    code, secret = made["tracking_code"], made["applicant_secret"]
    url = f"{stack.url}/api/v1/permits/{code}/survey"
    body = {"scores": scores(3)}
    status, _, refused = http("POST", url, body, headers={"X-Applicant-Secret": secret})
    assert status == 409 and refused["reason"] == "not_served"
    clerk, supervisor, signer = login("clerk.utara"), login("super.utara"), login("super2.utara")
    for action, who in (("start_intake", clerk), ("accept", clerk), ("approve", supervisor),
                        ("send_to_signing", clerk), ("sign", signer)):
        assert move(stack, code, action, headers=who)[0] == 200, action
    assert http("POST", url, body)[0] == 403  # no secret
    # The tracking page invites; the form asks for the secret and says when it is wrong.
    assert f'href="/permits/{code}/survey"' in page(stack, f"/permits/{code}")[1]
    status, html = page(stack, f"/permits/{code}/survey")
    assert status == 200 and 'name="secret"' in html
    form = {**{f"scores.U{i}": "3" for i in range(1, 10)}, "secret": "x" * 32}
    status, html = page(stack, f"/permits/{code}/survey", form)
    assert status == 403 and 'href="#f-secret"' in html
    assert http("POST", url, body, headers={"X-Applicant-Secret": "wrong"})[0] == 403
    deadline = time.monotonic() + 10
    while True:
        status, _, reply = http("POST", url, body, headers={"X-Applicant-Secret": secret})
        if status != 409 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert status == 201, reply
    again = http("POST", url, body, headers={"X-Applicant-Secret": secret})
    assert again[0] == 409 and again[2]["reason"] == "answered"
    ikm = http("GET", f"{stack.url}/api/v1/offices/{PERMIT_OFFICE}/ikm?service=IUMK")[2]
    assert ikm["respondents"] >= 1 and ikm["elements"]["U1"] == 3.0


def page(stack, path, form=None):
    import urllib.error
    import urllib.parse
    import urllib.request
    data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
    req = urllib.request.Request(f"{stack.url}{path}", data=data, headers={"Sec-Fetch-Site": "same-origin"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_survey_pages_without_javascript(stack, login):
    ticket = serve(stack, login)
    token = ticket["token"]
    deadline = time.monotonic() + 10
    while "/survey" not in page(stack, f"/t/{token}")[1] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert f'href="/t/{token}/survey"' in page(stack, f"/t/{token}")[1]  # the invitation
    status, html = page(stack, f"/t/{token}/survey")
    assert status == 200 and html.count('type="radio"') == 36 and "Persyaratan" in html
    # One element left out: the form comes back with its message, the other choices kept.
    form = {f"scores.U{i}": "3" for i in range(1, 9)}
    status, html = page(stack, f"/t/{token}/survey", {**form, "comment": "<script>alert(1)</script>"})
    assert status == 422 and 'href="#f-scores-U9"' in html and "Sarana dan prasarana: " in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html  # escaped
    status, html = page(stack, f"/t/{token}/survey", {**form, "scores.U9": "4", "comment": "Ramah"})
    assert status == 201 and f"/ikm/{OFFICE}" in html
    assert page(stack, f"/t/{token}/survey")[0] == 409  # answered
    status, html = page(stack, f"/ikm/{OFFICE}?lang=en")
    assert status == 200 and "Citizen satisfaction index" in html and "Evening service" in html
    ikm = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/ikm")[2]
    assert f">{ikm['respondents']} of" in html or f"Respondents: {ikm['respondents']} of" in html


def test_dashboard_figures_are_the_stats_endpoints(stack, login):
    serve(stack, login)
    supervisor = login("super.tengah")
    base = f"{stack.url}/api/v1/offices/{OFFICE}"
    assert http("GET", f"{base}/dashboard")[0] == 401
    assert http("GET", f"{base}/dashboard", headers=login("clerk.tengah"))[0] == 403
    assert http("GET", f"{base}/dashboard", headers=login("super.utara"))[0] == 403
    day = http("GET", f"{base}/dashboard", headers=supervisor)[2]["date"]
    free = [s for s in http("GET", f"{base}/slots?service=KTP&date={day}")[2] if s["free"]]
    if free:  # a booking of today (none left late at night): the dashboard must count it
        assert http("POST", f"{base}/bookings", {"service": "KTP", "slot_start": free[-1]["start"]})[0] == 201
    status, _, dash = http("GET", f"{base}/dashboard", headers=supervisor)
    assert status == 200, dash
    assert dash["bookings"]["booked"] >= (1 if free else 0)
    stats = http("GET", f"{base}/stats?date={dash['date']}", headers=supervisor)[2]
    totals = dash["queue"]["totals"]
    assert (totals["issued"], totals["served"], totals["no_shows"]) == (
        stats["issued"], stats["served"], stats["no_shows"]) and stats["served"] >= 1
    assert totals["p50_wait_minutes"] == stats["p50_wait_minutes"]
    assert [(h["hour"], h["issued"], h["served"], h["p50_wait_minutes"], h["p90_wait_minutes"])
            for h in dash["queue"]["hours"]] == [
        (h["hour"], h["issued"], h["served"], h["p50_wait_minutes"], h["p90_wait_minutes"])
        for h in stats["per_hour"]]
    for name, s in stats["per_session"].items():
        assert dash["queue"]["sessions"][name]["served"] == s["served"]
    ikm = http("GET", f"{base}/ikm?from={dash['ikm']['from']}&to={dash['ikm']['to']}")[2]
    assert dash["ikm"] == ikm
    day_list = http("GET", f"{base}/bookings?date={dash['date']}", headers=supervisor)
    assert day_list[0] == 200, day_list
    assert dash["bookings"]["made"] == len(day_list[2]) and dash["bookings"]["checked_in"] == sum(
        1 for b in day_list[2] if b["status"] == "checked_in")

    status, headers, text = http("GET", f"{base}/dashboard.csv?table=hours&date={dash['date']}", headers=supervisor)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    lines = text.strip().splitlines()
    assert lines[0] == "hour,session,issued,served,no_shows,p50_wait_minutes,p90_wait_minutes"
    assert sum(int(line.split(",")[3]) for line in lines[1:]) == stats["served"]
    assert http("GET", f"{base}/dashboard.csv?table=nope", headers=supervisor)[0] == 422

    import urllib.request
    req = urllib.request.Request(f"{base}/dashboard/panel?date={dash['date']}&lang=en",
                                 headers=supervisor)
    with urllib.request.urlopen(req, timeout=10) as resp:
        html = resp.read().decode()
    assert html.count('role="img"') >= 3 and "<title id=\"chart-counts-t\">" in html and "<desc" in html
    assert f'<td id="total-served">{stats["served"]}</td>' in html
    assert 'id="bookings-table"' in html and 'table=bookings' in html
    # The comment typed with markup in the first test: shown to supervisors, escaped.
    assert "&lt;b&gt;cepat&lt;/b&gt;" in html and "<b>cepat</b>" not in html
    assert any(c["comment"] == "<b>cepat</b>" for c in dash["comments"])
