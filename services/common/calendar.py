"""An office's calendar: local time, weekly sessions, the days it is closed.
Pure domain, shared by the queue (sessions) and permits (working days for the
SLA, the office calendar view).

An office is a plain dict as configured (see gateway/data/kota-magelang.yaml):
``timezone``, ``sessions`` {mon..sun: [["08:00","12:00"], ...]}, and on top of
the national calendar its own days:

- ``closures`` [{date, reason}]: local closures (a regional holiday, an event);
- ``open_days`` [{date, reason}]: the office serves on a day that would be a
  holiday or cuti bersama (an override);
- ``cuti_bersama`` {"YYYY": [dates]}: replaces the maintained data for that
  year (a decree amended after the library's release, or a year it lacks).

The national calendar comes from the maintained ``holidays`` package: public
holidays (Keppres / SKB) in its ``public`` category and the cuti bersama of the
joint decree of three ministers (SKB 3 Menteri) in its ``government`` category,
both with Indonesian names. A year without cuti bersama data is reported by
``missing_years``, never silently taken for all working days.
"""
import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")  # WIB, WITA, WIT
EVENING_FROM = dt.time(17, 0)
# Civil-service working days are Monday to Friday (Perpres 21/2023 on working
# days and hours of state civil servants): the SLA counts those, whatever
# Saturday sessions an office keeps.
WORKING_WEEKDAYS = (0, 1, 2, 3, 4)

NATIONAL_SOURCE = f"holidays {holidays_lib.__version__} (Indonesia, public)"
CUTI_BERSAMA_SOURCE = f"holidays {holidays_lib.__version__} (Indonesia, government: SKB 3 Menteri)"
OFFICE_SOURCE = "office configuration"
HOURS_SOURCE = "office hours"

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")


@lru_cache(maxsize=64)
def _national(year):
    """(public holidays, cuti bersama) of ``year``, {date: Indonesian name}."""
    public = holidays_lib.Indonesia(years=year, categories=("public",), language="id")
    cuti = holidays_lib.Indonesia(years=year, categories=("government",), language="id")
    return dict(public), dict(cuti)


def parse_iso_date(text):
    """A date written exactly ``YYYY-MM-DD`` (ASCII digits, nothing around it);
    ValueError otherwise. Python's own ``fromisoformat`` also takes 20260817
    and 2026-W34-1, which an office file must not."""
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        raise ValueError("must be a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("not a real date") from None


def tz(office):
    return ZoneInfo(office["timezone"])


def local_now(office, now):
    """``now`` is an aware datetime (UTC or any zone)."""
    return now.astimezone(tz(office))


def local_date(office, now):
    return local_now(office, now).date()


def _office_days(office, key):
    return {str(entry.get("date")): entry.get("reason") or "" for entry in office.get(key, ())}


def closed_day(office, day):
    """Why the office is closed on ``day`` (weekends aside):
    {date, kind, name, source}, or None when it serves."""
    iso = day.isoformat()
    if iso in _office_days(office, "open_days"):
        return None
    public, cuti = _national(day.year) if office.get("observe_national_holidays", True) else ({}, {})
    if day in public:
        return {"date": iso, "kind": "holiday", "name": public[day], "source": NATIONAL_SOURCE}
    own_cuti = office.get("cuti_bersama", {})
    if str(day.year) in own_cuti:
        if iso in map(str, own_cuti[str(day.year)]):
            return {"date": iso, "kind": "cuti_bersama", "name": "Cuti bersama",
                    "source": OFFICE_SOURCE}
    elif day in cuti:
        return {"date": iso, "kind": "cuti_bersama", "name": cuti[day],
                "source": CUTI_BERSAMA_SOURCE}
    closures = _office_days(office, "closures")
    if iso in closures:
        return {"date": iso, "kind": "closure", "name": closures[iso] or "Tutup",
                "source": OFFICE_SOURCE}
    return None


def holiday_name(office, day):
    """Why the office is closed on ``day``, or None."""
    closed = closed_day(office, day)
    return closed["name"] if closed else None


def is_working_day(office, day):
    """Working days for SLAs: Monday to Friday, not a holiday, cuti bersama or closure."""
    return day.weekday() in WORKING_WEEKDAYS and closed_day(office, day) is None


def closed_days(office, start, end):
    """Every day from ``start`` to ``end`` (inclusive) the office does not serve,
    as {date, kind, name, source}. A weekday without sessions is a weekend; an
    office copy without sessions (another service's) closes on Saturday and Sunday."""
    sessions = office.get("sessions")
    out, day = [], start
    while day <= end:
        closed = closed_day(office, day)
        if closed is None:
            weekday = WEEKDAYS[day.weekday()]
            no_hours = (not sessions.get(weekday)) if sessions else day.weekday() >= 5
            if no_hours:
                closed = {"date": day.isoformat(), "kind": "weekend", "name": "Akhir pekan",
                          "source": HOURS_SOURCE}
        if closed is not None:
            out.append(closed)
        day += dt.timedelta(days=1)
    return out


def missing_years(office, years):
    """Years whose cuti bersama is known neither from the maintained data nor
    from the office's own list: their collective-leave days would pass for
    working days. ``office`` None asks about the maintained data alone."""
    office = office or {}
    if not office.get("observe_national_holidays", True):
        return []
    own = office.get("cuti_bersama", {})
    return [year for year in sorted(set(years))
            if str(year) not in own and not _national(year)[1]]


def years_without_cuti_bersama(today):
    """This year and the next that the maintained data lacks (the decree for a
    year appears in the autumn before it): for /readyz and the start-up log."""
    return missing_years(None, (today.year, today.year + 1))


def calendar_facts(office):
    """What another service needs of an office's calendar (the office_updated event)."""
    return {"sessions": office.get("sessions", {}),
            "cuti_bersama": office.get("cuti_bersama", {}),
            "closures": [{"date": str(c["date"]), "reason": c.get("reason", "")}
                         for c in office.get("closures", ())],
            "open_days": [{"date": str(c["date"]), "reason": c.get("reason", "")}
                          for c in office.get("open_days", ())],
            "observe_national_holidays": office.get("observe_national_holidays", True)}


def sessions_on(office, day):
    """[(start, end)] aware datetimes in the office's zone; [] on holidays."""
    if closed_day(office, day):
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
    for year, days in office.get("cuti_bersama", {}).items():
        if not isinstance(year, str) or not _YEAR.fullmatch(year):
            errors.append((f"cuti_bersama.{year}", "the key must be a year written YYYY"))
            continue
        for i, text in enumerate(days):
            errors += _date_errors(f"cuti_bersama.{year}.{i}", text, year)
    for key in ("closures", "open_days"):
        for i, entry in enumerate(office.get(key, ())):
            errors += _date_errors(f"{key}.{i}.date", entry.get("date"))
    return errors


def _date_errors(field, text, year=None):
    try:
        day = parse_iso_date(text)
    except ValueError as err:
        return [(field, str(err))]
    if year is not None and str(day.year) != year:
        return [(field, f"not in {year}")]
    return []
