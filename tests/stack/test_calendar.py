"""The office calendar and the service standard's due date over HTTP: the
national calendar (holidays package: public holidays and the cuti bersama of
SKB 3 Menteri 2026, No. 1497/2/5 of 2025), an office's own closures, strict
dates, and open applications whose due date follows a calendar change."""
import time

import pytest

from tests.support import http

OFFICE = "51.03.01"  # Kuta (Badung, Bali), WITA, configured here through the API
CONFIG = {
    "timezone": "Asia/Makassar",
    "sessions": {d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "services": [{"code": "IZIN", "prefix": "B", "name": {"id": "Perizinan", "en": "Permits"}}],
}


def put_office(stack, login, **changes):
    return http("PUT", f"{stack.url}/api/v1/offices/{OFFICE}", {**CONFIG, **changes},
                headers=login("admin.kuta"))


def calendar(stack, start, end, office=OFFICE):
    return http("GET", f"{stack.url}/api/v1/offices/{office}/calendar?from={start}&to={end}")


def eventually(probe, timeout=20):
    """The permits service learns of offices by event: wait for it, without timing it."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


@pytest.fixture(scope="module")
def office(stack, login):
    status, _, made = put_office(stack, login)
    assert status == 200, made
    assert eventually(lambda: calendar(stack, "2026-12-01", "2026-12-01")[0] == 200)
    yield OFFICE
    # Leave it like the other test offices (open around the clock), whatever the hour.
    put_office(stack, login, observe_national_holidays=False,
               sessions={d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})


def test_calendar_lists_holidays_cuti_bersama_and_weekends(stack, office):
    status, _, body = calendar(stack, "2026-12-20", "2027-01-03")
    assert status == 200, body
    assert [(d["date"], d["kind"]) for d in body["days"]] == [
        ("2026-12-20", "weekend"), ("2026-12-24", "cuti_bersama"), ("2026-12-25", "holiday"),
        ("2026-12-26", "weekend"), ("2026-12-27", "weekend"), ("2027-01-01", "holiday"),
        ("2027-01-02", "weekend"), ("2027-01-03", "weekend")]
    christmas = body["days"][2]
    assert christmas["name"] == "Hari Raya Natal" and christmas["source"].startswith("holidays ")
    assert body["missing_years"] == []


def test_a_year_without_cuti_bersama_data_says_so(stack, office):
    status, _, body = calendar(stack, "2028-01-01", "2028-01-31")
    assert status == 200 and body["missing_years"] == [2028]
    status, _, ready = http("GET", f"{stack.url}/readyz")
    assert "cuti_bersama_missing_years" in ready["calendar"]


@pytest.mark.parametrize("query,field", [
    ("from=2026-12-20", "to"),
    ("from=20261220&to=2026-12-31", "from"),
    ("from=2026-12-20&to=2026-12-01", "to"),
    ("from=2026-01-01&to=2027-02-05", "to"),  # 401 days
    ("from=2026-02-30&to=2026-03-01", "from"),
])
def test_calendar_refuses_bad_spans_with_the_field(stack, office, query, field):
    status, headers, body = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/calendar?{query}")
    assert status == 422 and headers["Content-Type"].startswith("application/problem+json")
    assert field in [e["field"] for e in body["errors"]]


def test_unknown_office_calendar_is_404(stack):
    assert calendar(stack, "2026-12-01", "2026-12-02", office="99.99.99")[0] == 404


def test_due_date_by_the_service_standard_around_idul_fitri(stack, office):
    # IUMK: 5 working days. Received Tue 17 Mar 2026 in WITA (still the 16th in WIB):
    # 18 cuti bersama Nyepi, 19 Nyepi, 20 cuti bersama, 21-22 Idul Fitri (weekend),
    # 23-24 cuti bersama; day 1 is Wed 25 Mar, day 5 Tue 31 Mar.
    url = f"{stack.url}/api/v1/permit-types/IUMK/due-date"
    status, _, body = http("GET", f"{url}?office_id={OFFICE}&submitted_at=2026-03-16T23:30:00%2B07:00")
    assert status == 200, body
    assert body["due_date"] == "2026-03-31" and body["received_on"] == "2026-03-17"
    for query, code, field in [
            (f"office_id={OFFICE}&submitted_at=2026-03-16T23:30:00", 422, "submitted_at"),
            (f"office_id={OFFICE}", 422, "submitted_at"),
            ("office_id=33.71&submitted_at=2026-03-16T23:30:00Z", 422, "office_id"),
            ("office_id=99.99.99&submitted_at=2026-03-16T23:30:00Z", 404, None)]:
        status, _, problem = http("GET", f"{url}?{query}")
        assert status == code, (query, problem)
        if field:
            assert field in [e["field"] for e in problem["errors"]]
    status, _, _ = http("GET", f"{stack.url}/api/v1/permit-types/NOPE/due-date"
                               f"?office_id={OFFICE}&submitted_at=2026-03-16T23:30:00Z")
    assert status == 404


def test_office_dates_are_strict_yyyy_mm_dd(stack, login, office):
    status, _, body = put_office(stack, login, closures=[{"date": "20261224", "reason": "x"}])
    assert status == 422 and "closures.0.date" in [e["field"] for e in body["errors"]]
    status, _, body = put_office(stack, login, cuti_bersama={"2028": ["2028-1-3"]})
    assert status == 422 and "cuti_bersama.2028.0" in [e["field"] for e in body["errors"]]


def test_open_applications_follow_a_new_closure(stack, login, office):
    status, _, made = http("POST", f"{stack.url}/api/v1/permits", {
        "office_id": OFFICE, "permit_type": "IUMK",
        "applicant": {"nik": "3371024506900001", "name": "Made Sari", "phone": "0812-3456-7890"},
        "business": {"name": "Warung Made", "address": "Jl. Pantai Kuta 1, Badung"},
        "answers": {"kbli": "56102", "capital": 5000000}})
    assert status == 201, made
    due = made["due_date"]
    # The office closes on the very day the permit was due: it is due one working day later.
    assert put_office(stack, login, closures=[{"date": due, "reason": "Upacara adat"}])[0] == 200
    status_url = f"{stack.url}/api/v1/permits/{made['tracking_code']}"
    moved = eventually(lambda: http("GET", status_url)[2]["due_date"] != due and http("GET", status_url)[2])
    assert moved, "the due date did not follow the closure"
    closed = {d["date"] for d in calendar(stack, due, moved["due_date"])[2]["days"]}
    assert due in closed and moved["due_date"] not in closed and moved["due_date"] > due
