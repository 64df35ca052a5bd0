import datetime as dt
from zoneinfo import ZoneInfo

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
    assert calendar.holiday_name(OFFICE, christmas.date())
    assert calendar.current_session(OFFICE, christmas) is None
    cuti = dt.date(2026, 12, 24)  # from the office's yearly decree data
    assert calendar.holiday_name(OFFICE, cuti) == "Cuti bersama"
    assert calendar.sessions_on(OFFICE, cuti) == []
    nxt, _ = calendar.next_session(OFFICE, christmas)
    assert nxt.date() == dt.date(2026, 12, 26)  # Saturday morning session


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
