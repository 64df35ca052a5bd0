"""The supervisor's evening dashboard: one office's figures for a day, put
together from what the services already answer (the queue's ``stats``, the
same call as GET /api/v1/offices/{id}/stats; the survey service's IKM and
permit decisions; the accessibility service's facilities). Plain functions:
no I/O, no framework."""
import csv
import io

from services.common.calendar import EVENING_FROM

def session_of_hour(hour):
    return "evening" if hour >= EVENING_FROM.hour else "day"


def no_show_rate(figures):
    """No-shows as a share of the tickets called out of the queue (served + no-show)."""
    called = figures["served"] + figures["no_shows"]
    return round(figures["no_shows"] / called, 3) if called else None


def queue_figures(stats):
    hours = [{"hour": h["hour"], "session": session_of_hour(h["hour"]), "issued": h["issued"],
              "served": h["served"], "no_shows": h["no_shows"],
              "p50_wait_minutes": h["p50_wait_minutes"], "p90_wait_minutes": h["p90_wait_minutes"]}
             for h in stats["per_hour"]]
    sessions = {name: {"issued": s["issued"], "served": s["served"], "no_shows": s["no_shows"],
                       "no_show_rate": no_show_rate(s), "p50_wait_minutes": s["p50_wait_minutes"],
                       "p90_wait_minutes": s["p90_wait_minutes"]}
                for name, s in sorted(stats["per_session"].items())}
    totals = {"issued": stats["issued"], "served": stats["served"], "no_shows": stats["no_shows"],
              "cancelled": stats["cancelled"], "no_show_rate": no_show_rate(stats),
              "p50_wait_minutes": stats["p50_wait_minutes"], "p90_wait_minutes": stats["p90_wait_minutes"]}
    return {"hours": hours, "sessions": sessions, "totals": totals}


def booking_figures(bookings):
    """The day's bookings by what became of them (the clerk's list of the day, the
    same call as GET /api/v1/offices/{id}/bookings). The no-show rate counts the
    bookings whose check-in window has passed: checked in or no-show."""
    counts = {status: 0 for status in ("booked", "checked_in", "no_show", "cancelled")}
    sessions = {"day": dict(counts), "evening": dict(counts)}
    for b in bookings:
        counts[b["status"]] += 1
        hour = int(b["slot_start"][11:13])  # local ISO time of the office
        sessions[session_of_hour(hour)][b["status"]] += 1

    def rate(c):
        due = c["checked_in"] + c["no_show"]
        return round(c["no_show"] / due, 3) if due else None
    return {"made": len(bookings), **counts, "no_show_rate": rate(counts),
            "sessions": {name: {**c, "no_show_rate": rate(c)} for name, c in sessions.items()}}


def facility_figures(facilities, unverified):
    broken = [{"id": f["id"], "name": f["name"], "status": f["status"]}
              for f in facilities if f.get("status") not in ("available", "removed")]
    return {"broken": broken, "unverified": [{"id": f["id"], "name": f["name"]} for f in unverified]}


def dashboard(office, date, stats, bookings, ikm, ikm_sessions, decisions, facilities, unverified,
              comments=()):
    return {"office_id": office["id"], "office_name": office.get("name", office["id"]), "date": date,
            "queue": queue_figures(stats), "bookings": booking_figures(bookings),
            "permits": {k: decisions[k] for k in ("decided", "on_time", "late")},
            "facilities": facility_figures(facilities, unverified),
            "ikm": ikm, "ikm_sessions": ikm_sessions, "comments": list(comments)}


# CSV: one table per download -------------------------------------------------
TABLES = ("hours", "sessions", "bookings", "ikm", "permits", "facilities", "comments")


def _cell(value):
    """OWASP CSV injection: a text cell starting with = + - @ (or a tab/CR) is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _name(value):
    return value.get("id") or value.get("en") or "" if isinstance(value, dict) else value


def table(figures, name):
    """(header, rows) of one of TABLES."""
    if name == "hours":
        keys = ("hour", "session", "issued", "served", "no_shows", "p50_wait_minutes", "p90_wait_minutes")
        return keys, [[h[k] for k in keys] for h in figures["queue"]["hours"]]
    if name == "sessions":
        keys = ("issued", "served", "no_shows", "no_show_rate", "p50_wait_minutes", "p90_wait_minutes")
        rows = [[s, *[v[k] for k in keys]] for s, v in figures["queue"]["sessions"].items()]
        return ("session", *keys), rows + [["all", *[figures["queue"]["totals"][k] for k in keys]]]
    if name == "bookings":
        keys = ("booked", "checked_in", "no_show", "cancelled", "no_show_rate")
        rows = [[s, *[v[k] for k in keys]] for s, v in figures["bookings"]["sessions"].items()]
        return ("session", *keys), rows + [["all", *[figures["bookings"][k] for k in keys]]]
    if name == "ikm":
        rows = [["all", code, value] for code, value in (figures["ikm"]["elements"] or {}).items()]
        rows.append(["all", "IKM", figures["ikm"]["ikm"]])
        for session, found in figures["ikm_sessions"].items():
            rows.append([session, "IKM", found["ikm"]])
        return ("session", "element", "value"), rows
    if name == "permits":
        keys = ("decided", "on_time", "late")
        return keys, [[figures["permits"][k] for k in keys]]
    if name == "facilities":
        rows = [["broken", f["id"], _name(f["name"]), f["status"]] for f in figures["facilities"]["broken"]]
        rows += [["unverified", f["id"], _name(f["name"]), ""] for f in figures["facilities"]["unverified"]]
        return ("list", "facility_id", "name", "status"), rows
    if name == "comments":
        keys = ("local_date", "session", "service", "comment")
        return keys, [[c[k] for k in keys] for c in figures["comments"]]
    raise KeyError(name)


def csv_text(figures, name):
    header, rows = table(figures, name)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return out.getvalue()
