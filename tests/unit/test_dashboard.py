"""The dashboard's figures from the queue's stats, its CSV tables and its SVG charts."""
import csv
import io

from gateway import charts, dashboard

STATS = {"issued": 5, "served": 3, "no_shows": 1, "cancelled": 1, "p50_wait_minutes": 4.0,
         "p90_wait_minutes": 9.0,
         "per_hour": [{"hour": 9, "issued": 2, "served": 2, "no_shows": 0, "p50_wait_minutes": 3.0,
                       "p90_wait_minutes": 5.0},
                      {"hour": 18, "issued": 3, "served": 1, "no_shows": 1, "p50_wait_minutes": 6.0,
                       "p90_wait_minutes": 9.0}],
         "per_session": {"day": {"issued": 2, "served": 2, "no_shows": 0, "p50_wait_minutes": 3.0,
                                 "p90_wait_minutes": 5.0},
                         "evening": {"issued": 3, "served": 1, "no_shows": 1, "p50_wait_minutes": 6.0,
                                     "p90_wait_minutes": 9.0}}}
BOOKINGS = [{"status": "checked_in", "slot_start": "2026-12-03T09:00+07:00"},
            {"status": "no_show", "slot_start": "2026-12-03T18:30+07:00"},
            {"status": "checked_in", "slot_start": "2026-12-03T19:00+07:00"},
            {"status": "cancelled", "slot_start": "2026-12-03T19:00+07:00"},
            {"status": "booked", "slot_start": "2026-12-03T20:00+07:00"}]
IKM = {"respondents": 1, "ikm": 100.0, "elements": {f"U{i}": 4.0 for i in range(1, 10)}}


def figures():
    return dashboard.dashboard({"id": "33.71.03", "name": "X"}, "2026-12-03", STATS, BOOKINGS, IKM,
                               {"day": {"ikm": None}, "evening": IKM},
                               {"decided": 2, "on_time": 1, "late": 1},
                               [{"id": "ramp", "name": {"id": "Ram"}, "status": "broken"},
                                {"id": "wc", "name": {"id": "WC"}, "status": "available"}],
                               [{"id": "door", "name": {"id": "=HYPERLINK(1)"}}])


def test_hours_take_the_session_of_their_clock_and_the_no_show_rate():
    f = figures()
    assert [(h["hour"], h["session"]) for h in f["queue"]["hours"]] == [(9, "day"), (18, "evening")]
    assert f["queue"]["totals"]["no_show_rate"] == 0.25  # 1 / (3 served + 1 no-show)
    assert f["queue"]["sessions"]["evening"]["no_show_rate"] == 0.5
    assert [x["id"] for x in f["facilities"]["broken"]] == ["ramp"]
    b = f["bookings"]
    assert (b["made"], b["checked_in"], b["no_show"], b["cancelled"], b["booked"]) == (5, 2, 1, 1, 1)
    assert b["no_show_rate"] == 0.333  # 1 no-show / (2 checked in + 1 no-show); booked and cancelled not due
    assert b["sessions"]["day"]["checked_in"] == 1 and b["sessions"]["day"]["no_show_rate"] == 0.0
    assert b["sessions"]["evening"]["no_show"] == 1 and b["sessions"]["evening"]["no_show_rate"] == 0.5


def test_csv_tables_and_injection_guard():
    f = figures()
    rows = list(csv.reader(io.StringIO(dashboard.csv_text(f, "hours"))))
    assert rows[0][:4] == ["hour", "session", "issued", "served"] and rows[2][:4] == ["18", "evening", "3", "1"]
    facilities = dashboard.csv_text(f, "facilities")
    assert "'=HYPERLINK(1)" in facilities
    assert dashboard.csv_text(f, "permits").splitlines() == ["decided,on_time,late", "2,1,1"]
    assert dashboard.csv_text(f, "bookings").splitlines()[-1] == "all,1,2,1,1,0.333"
    f["comments"] = [{"local_date": "2026-12-03", "session": "evening", "service": "KTP", "comment": "@SUM(1)"}]
    assert dashboard.csv_text(f, "comments").splitlines()[1] == "2026-12-03,evening,KTP,'@SUM(1)"


def test_chart_is_labelled_and_escapes_its_text():
    svg = charts.bar_chart("c1", "Waits <b>", "desc & more", ["09", "18"], [("p50", [3.0, None])])
    assert 'role="img"' in svg and 'aria-labelledby="c1-t c1-d"' in svg
    assert "<title id=\"c1-t\">Waits &lt;b&gt;</title>" in svg and "desc &amp; more" in svg
    assert svg.count("<rect class=\"s0\"") == 2  # one bar (None draws none) and the legend
