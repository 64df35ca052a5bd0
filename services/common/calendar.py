"""An office's calendar: local time, weekly sessions, holidays. Pure domain,
shared by the queue (sessions) and permits (working days for the SLA).

An office is a plain dict as configured (see gateway/data/kota-magelang.yaml):
``timezone``, ``sessions`` {mon..sun: [["08:00","12:00"], ...]},
``cuti_bersama`` {year: [dates]} and ``closures`` [dates].
"""
import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")  # WIB, WITA, WIT
EVENING_FROM = dt.time(17, 0)


@lru_cache(maxsize=64)
def _national(year):
    return holidays_lib.country_holidays("ID", years=year)


def tz(office):
    return ZoneInfo(office["timezone"])


def local_now(office, now):
    """``now`` is an aware datetime (UTC or any zone)."""
    return now.astimezone(tz(office))


def local_date(office, now):
    return local_now(office, now).date()


def holiday_name(office, day):
    """Why the office is closed on ``day``, or None."""
    if office.get("observe_national_holidays", True):
        name = _national(day.year).get(day)
        if name:
            return name
    iso = day.isoformat()
    # Cuti bersama is decided by decree each year: data, keyed by year as text.
    if iso in map(str, office.get("cuti_bersama", {}).get(str(day.year), ())):
        return "Cuti bersama"
    for closure in office.get("closures", ()):
        if str(closure.get("date")) == iso:
            return closure.get("reason", "Closed")
    return None


def is_working_day(office, day):
    """Working days for SLAs: Monday to Friday, not a holiday or cuti bersama."""
    return day.weekday() < 5 and holiday_name(office, day) is None


def sessions_on(office, day):
    """[(start, end)] aware datetimes in the office's zone; [] on holidays."""
    if holiday_name(office, day):
        return []
    zone = tz(office)
    out = []
    for start, end in office.get("sessions", {}).get(WEEKDAYS[day.weekday()], ()):
        # "24:00" closes at the end of the day (a 24-hour service point).
        end_at = (dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone)
                  if end == "24:00" else dt.datetime.combine(day, _hm(end), zone))
        out.append((dt.datetime.combine(day, _hm(start), zone), end_at))
    return sorted(out)


def current_session(office, now):
    """(start, end) of the session open at ``now``; sessions that meet (a
    round-the-clock service point across midnight) count as one."""
    local = local_now(office, now)
    for start, end in sessions_on(office, local.date()):
        if start <= local < end:
            for _ in range(7):
                following = next_session(office, end - dt.timedelta(microseconds=1), 2)
                if following is None or following[0] != end:
                    break
                end = following[1]
            return start, end
    return None


def next_session(office, now, horizon_days=21):
    """The first session that starts after ``now`` (None if none configured)."""
    local = local_now(office, now)
    for offset in range(horizon_days):
        for start, end in sessions_on(office, local.date() + dt.timedelta(days=offset)):
            if start > local:
                return start, end
    return None


def is_evening(session_start):
    return session_start.timetz().replace(tzinfo=None) >= EVENING_FROM


def describe_sessions(office):
    """Weekly sessions for the API: {mon: [{start, end, evening}], ...}."""
    return {
        day: [{"start": s, "end": e, "evening": _hm(e) > EVENING_FROM}
              for s, e in office.get("sessions", {}).get(day, ())]
        for day in WEEKDAYS
    }


def _hm(text):
    hours, minutes = str(text).split(":")
    if (hours, minutes) == ("24", "00"):
        return dt.time.max
    return dt.time(int(hours), int(minutes))


def validate_office_calendar(office):
    """Errors in an office's calendar config as [(field, message)]."""
    errors = []
    if office.get("timezone") not in TIMEZONES:
        errors.append(("timezone", f"must be one of {', '.join(TIMEZONES)}"))
    for day, spans in office.get("sessions", {}).items():
        if day not in WEEKDAYS:
            errors.append((f"sessions.{day}", "unknown weekday"))
            continue
        for i, span in enumerate(spans):
            try:
                start, end = _hm(span[0]), _hm(span[1])
            except (ValueError, IndexError, TypeError):
                errors.append((f"sessions.{day}.{i}", "expected [\"HH:MM\", \"HH:MM\"]"))
                continue
            if start >= end:
                errors.append((f"sessions.{day}.{i}", "session must end after it starts"))
    return errors
