"""/offices/{office_id}: where an office is and when it serves today.

The address, today's sessions (an evening session marked as such), the week's
sessions, and a map link: a ``geo:`` URI (a phone's own map app) and an
OpenStreetMap link. No map is embedded: no third-party script, tile or font
reaches the page."""
import urllib.parse

from gateway.web.base import Page
from gateway.web.hall import office_today, service_name

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OSM_ZOOM = 18  # a building's level of detail


def map_links(location, name):
    """(geo URI, OpenStreetMap URL) of a location, or (None, None) without one.
    geo: is RFC 5870; the label in ``q=`` is understood by Android's map apps."""
    if not location:
        return None, None
    lat, lon = f"{location['lat']:.6f}", f"{location['lon']:.6f}"
    geo = f"geo:{lat},{lon}?q={lat},{lon}({urllib.parse.quote(name)})"
    osm = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map={OSM_ZOOM}/{lat}/{lon}"
    return geo, osm


def span(t, session, since):
    return f"{t.clock(session['start'])}–{t.clock(session['end'], since)}"


class OfficePage(Page):
    def on_get(self, req, resp, office_id):
        t = req.context.t
        office = self.clients.queue.get_office(office_id)
        today = office_today(office)
        sessions = (office.get("today") or {}).get("sessions") or []
        holiday = (office.get("today") or {}).get("holiday")
        hours = [{"text": span(t, s, s["start"]), "evening": s.get("evening", False)} for s in sessions]
        week = [{"day": t.days[i], "hours": ", ".join(
                    f"{s['start'].replace(':', t('time.sep'))}–{s['end'].replace(':', t('time.sep'))}"
                    + (f" ({t('home.evening').lower()})" if s.get("evening") else "")
                    for s in office["sessions"].get(day, [])) or t("office.closed_day")}
                for i, day in enumerate(WEEKDAYS)]
        geo, osm = map_links(office.get("location"), office["name"])
        status = (t("home.closes_at", time=t.clock(office["closes_at"], today))
                  if office["open_now"] and office.get("closes_at")
                  else t("home.next_session", when=t.when(office["next_session"], today))
                  if office.get("next_session") else "")
        self.render(req, resp, "office.html", office["name"], office=office, hours=hours,
                    holiday=holiday, week=week, geo=geo, osm=osm, state=status,
                    services=[service_name(t, s) for s in office.get("services", [])])


def install(app, site):
    app.add_route("/offices/{office_id}", OfficePage(site))
