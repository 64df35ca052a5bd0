import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import yaml

from services.common import calendar

WIB, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Jayapura")
DEMO = yaml.safe_load(open("gateway/data/kota-magelang.yaml"))
OFFICE = {**DEMO["offices"][1]}


def at(y, m, d, hh, mm, zone=WIB):
    return dt.datetime(y, m, d, hh, mm, tzinfo=zone)


def test_evening_session_is_open_until_21():
    monday = at(2026, 11, 23, 20, 59)
    start, end = calendar.current_session(OFFICE, monday)
    assert (start.hour, end.hour) == (13, 21) and calendar.is_evening(end - dt.timedelta(minutes=1))
    assert calendar.current_session(OFFICE, at(2026, 11, 23, 21, 0)) is None


def test_friday_prayer_break_closes_the_office():
    friday = at(2026, 11, 27, 12, 0)
    assert calendar.current_session(OFFICE, friday) is None
    start, _ = calendar.next_session(OFFICE, friday)
    assert (start.date(), start.hour, start.minute) == (dt.date(2026, 11, 27), 13, 30)


def test_national_holiday_and_cuti_bersama_close_the_office():
    christmas = at(2026, 12, 25, 10, 0)
    assert calendar.holiday_name(OFFICE, christmas.date()) == "Hari Raya Natal"
    assert calendar.current_session(OFFICE, christmas) is None
    cuti = dt.date(2026, 12, 24)  # SKB 3 Menteri 2026, from the holidays package
    assert calendar.holiday_name(OFFICE, cuti) == "Cuti Bersama Hari Raya Natal"
    assert calendar.sessions_on(OFFICE, cuti) == []
    nxt, _ = calendar.next_session(OFFICE, christmas)
    assert nxt.date() == dt.date(2026, 12, 26)  # Saturday morning session


# Cuti bersama by the joint decree of the Ministers of Religious Affairs, Manpower
# and PANRB (SKB 3 Menteri):
# - 2026: SKB No. 1497/2025, 2/2025, 5/2025 of 19 September 2025 (8 days);
# - 2027: SKB on national holidays and cuti bersama 2027, as published by
#   setneg.go.id ("Inilah SKB 3 Menteri Libur Nasional dan Cuti Bersama 2027"), 8 days.
CUTI_BERSAMA = {
    2026: ["2026-02-16", "2026-03-18", "2026-03-20", "2026-03-23", "2026-03-24",
           "2026-05-15", "2026-05-28", "2026-12-24"],
    2027: ["2027-02-05", "2027-03-09", "2027-03-12", "2027-03-15", "2027-03-25",
           "2027-05-18", "2027-05-19", "2027-12-24"],
}


@pytest.mark.parametrize("year", sorted(CUTI_BERSAMA))
def test_cuti_bersama_of_the_decree_close_the_office(year):
    days = calendar.closed_days(OFFICE, dt.date(year, 1, 1), dt.date(year, 12, 31))
    cuti = [d["date"] for d in days if d["kind"] == "cuti_bersama"]
    assert cuti == CUTI_BERSAMA[year]
    assert all(d["name"].startswith("Cuti Bersama") and "SKB" in d["source"]
               for d in days if d["kind"] == "cuti_bersama")
    assert calendar.missing_years(OFFICE, [year]) == []


# National holidays on working days, SKB 2026 (same decree) and 2027: the ones an SLA skips.
@pytest.mark.parametrize("day,name", [
    ("2026-01-01", "Tahun Baru Masehi"),
    ("2026-01-16", "Isra Mikraj Nabi Muhammad"),
    ("2026-02-17", "Tahun Baru Imlek"),
    ("2026-03-19", "Hari Suci Nyepi"),
    ("2026-04-03", "Wafat Yesus Kristus"),
    ("2026-05-01", "Hari Buruh Internasional"),
    ("2026-05-14", "Kenaikan Yesus Kristus"),
    ("2026-05-27", "Hari Raya Idul Adha"),
    ("2026-06-01", "Hari Lahir Pancasila"),
    ("2026-06-16", "Tahun Baru Islam"),
    ("2026-08-17", "Hari Kemerdekaan Republik Indonesia"),
    ("2026-08-25", "Maulid Nabi Muhammad"),
    ("2026-12-25", "Hari Raya Natal"),
    ("2027-01-01", "Tahun Baru Masehi"),
    ("2027-03-08", "Hari Suci Nyepi"),
    ("2027-03-26", "Wafat Yesus Kristus"),
    ("2027-05-06", "Kenaikan Yesus Kristus"),
    ("2027-05-20", "Hari Raya Waisak"),
    ("2027-08-17", "Hari Kemerdekaan Republik Indonesia"),
])
def test_national_holidays_are_not_working_days(day, name):
    date = dt.date.fromisoformat(day)
    found = calendar.closed_day(OFFICE, date)
    assert found["kind"] == "holiday" and found["name"] == name
    assert not calendar.is_working_day(OFFICE, date)


def test_a_year_without_decree_data_is_reported_until_the_office_lists_it():
    assert calendar.missing_years(OFFICE, [2026, 2027, 2028]) == [2028]
    assert calendar.missing_years(None, range(2027, 2029)) == [2028]
    # The office's own list for a year replaces the package's and ends the gap.
    own = {**OFFICE, "cuti_bersama": {"2028": ["2028-01-03"]}}
    assert calendar.missing_years(own, [2028]) == []
    assert calendar.closed_day(own, dt.date(2028, 1, 3))["source"] == calendar.OFFICE_SOURCE
    # A 24-hour service point that ignores the national calendar misses nothing.
    assert calendar.missing_years({**OFFICE, "observe_national_holidays": False}, [2028]) == []


def test_office_closures_and_open_days_override_the_national_calendar():
    office = {**OFFICE, "closures": [{"date": "2026-04-13", "reason": "Pemadaman listrik"}],
              "open_days": [{"date": "2026-12-24", "reason": "Layanan saat cuti bersama"}]}
    assert calendar.closed_day(office, dt.date(2026, 4, 13)) == {
        "date": "2026-04-13", "kind": "closure", "name": "Pemadaman listrik",
        "source": calendar.OFFICE_SOURCE}
    assert calendar.closed_day(office, dt.date(2026, 12, 24)) is None
    assert calendar.is_working_day(office, dt.date(2026, 12, 24))


def test_closed_days_lists_weekends_by_the_office_hours():
    days = calendar.closed_days(OFFICE, dt.date(2026, 12, 21), dt.date(2026, 12, 27))
    # The demo serves Saturday mornings: only Sunday is a weekend there.
    assert [(d["date"], d["kind"]) for d in days] == [
        ("2026-12-24", "cuti_bersama"), ("2026-12-25", "holiday"), ("2026-12-27", "weekend")]
    copy = {k: v for k, v in OFFICE.items() if k != "sessions"}  # another service's copy
    assert [d["date"] for d in calendar.closed_days(copy, dt.date(2026, 12, 26),
                                                    dt.date(2026, 12, 27))] == ["2026-12-26", "2026-12-27"]


@pytest.mark.parametrize("text,ok", [
    ("2026-08-17", True), ("20260817", False), ("2026-W34-1", False), ("2026-8-17", False),
    ("2026-08-17\n", False), ("２０２６-08-17", False), ("2026-02-30", False), (None, False),
])
def test_office_dates_must_be_written_yyyy_mm_dd(text, ok):
    office = {**OFFICE, "closures": [{"date": text}]}
    errors = calendar.validate_office_calendar(office)
    assert (errors == []) is ok
    if not ok:
        assert errors[0][0] == "closures.0.date"


def test_cuti_bersama_keys_are_years_and_their_dates_belong_to_them():
    office = {**OFFICE, "cuti_bersama": {"2028": ["2027-12-31", "28-01-2028"], "next": []}}
    assert {f for f, _ in calendar.validate_office_calendar(office)} == {
        "cuti_bersama.2028.0", "cuti_bersama.2028.1", "cuti_bersama.next"}


def test_local_date_differs_between_wib_and_wit():
    wit_office = {**OFFICE, "timezone": "Asia/Jayapura"}
    instant = dt.datetime(2026, 11, 23, 15, 30, tzinfo=dt.timezone.utc)  # 22:30 WIB, 00:30 WIT
    assert calendar.local_date(OFFICE, instant) == dt.date(2026, 11, 23)
    assert calendar.local_date(wit_office, instant) == dt.date(2026, 11, 24)


def test_round_the_clock_session_and_config_errors():
    office = {"timezone": "Asia/Makassar", "observe_national_holidays": False,
              "sessions": {"fri": [["00:00", "24:00"]]}}
    assert calendar.current_session(office, at(2026, 12, 25, 23, 59, ZoneInfo("Asia/Makassar")))
    bad = {"timezone": "Europe/Berlin", "sessions": {"mon": [["10:00", "09:00"]], "xyz": []}}
    fields = {f for f, _ in calendar.validate_office_calendar(bad)}
    assert fields == {"timezone", "sessions.mon.0", "sessions.xyz"}


@pytest.mark.parametrize("day", ["2026-02-16", "2026-03-18", "2027-03-09", "2027-05-19"])
def test_offices_do_not_look_open_on_collective_leave(day):
    # Days the old per-office list missed (2026) or never had (2027).
    date = dt.date.fromisoformat(day)
    assert calendar.sessions_on(OFFICE, date) == []
    assert calendar.current_session(OFFICE, at(date.year, date.month, date.day, 10, 0)) is None
