"""Open-data documents of the accessibility registry: CSV, GeoJSON with
OSM-style tags, and A11yJSON PlaceInfo (accessibility.cloud). Pure: they take
what the service's ``export`` returns (offices with summary and facility views)."""
import csv
import io
import json

FORMATS = {
    "geojson": ("application/geo+json", "senja-accessibility.geojson"),
    "csv": ("text/csv; charset=utf-8", "senja-accessibility.csv"),
    "a11yjson": ("application/geo+json", "senja-accessibility.a11y.json"),
}
# OWASP "CSV Injection": a cell starting with one of these is read as a formula
# by spreadsheets; a leading apostrophe makes it text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("office_id", "office_name", "latitude", "longitude", "facility_id", "kind",
               "name", "status", "effective_status", "verified_at", "measurements", "standard_issues")
USABLE = ("available", "limited")  # what a visitor can use now


def render(fmt, offices):
    """(media type, file name, text) of the export in ``fmt``."""
    media_type, filename = FORMATS[fmt]
    text = {"geojson": geojson, "csv": csv_text, "a11yjson": a11yjson}[fmt](offices)
    return media_type, filename, text


def safe_cell(value):
    """Text a spreadsheet will not run: numbers we format ourselves pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_text(offices):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for o in offices:
        for f in o["facilities"]:
            row = [o["office_id"], o["name"], o["latitude"], o["longitude"], f["id"], f["kind"],
                   f["name"]["id"], f["status"], f["effective_status"], f["verified_at"] or "",
                   json.dumps(f.get("measurements") or {}, ensure_ascii=False, sort_keys=True),
                   "; ".join(i["message"] for i in f.get("standard_issues", []))]
            writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def _point(office):
    if office["latitude"] is None or office["longitude"] is None:
        return None
    return {"type": "Point", "coordinates": [office["longitude"], office["latitude"]]}


def geojson(offices):
    """OSM-style tags; a tag whose value is unknown is left out, never written as "unknown"."""
    features = []
    for o in offices:
        s = o["summary"]
        tags = {"wheelchair": s["wheelchair"], "toilets:wheelchair": s["toilets_wheelchair"],
                "tactile_paving": s["tactile_paving"], "hearing_loop": s["hearing_loop"]}
        properties = {"ref:kemendagri": o["office_id"], "name": o["name"],
                      **{k: v for k, v in tags.items() if v != "unknown"},
                      "facilities": [{"id": f["id"], "kind": f["kind"], "status": f["effective_status"],
                                      "measurements": f.get("measurements") or {},
                                      "standard_issues": [i["field"] for i in f.get("standard_issues", [])]}
                                     for f in o["facilities"]]}
        features.append({"type": "Feature", "geometry": _point(o), "properties": properties})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def a11yjson(offices):
    """Offices as A11yJSON PlaceInfo features (schema: npm @sozialhelden/a11yjson)."""
    return json.dumps({"type": "FeatureCollection", "features": [_place_info(o) for o in offices]},
                      ensure_ascii=False)


_GRADE = {"yes": "fully", "limited": "partially", "no": "not"}
_BOOL = {"yes": True, "no": False}  # "limited" and "unknown" say nothing for sure


def _cm(value):
    return {"value": value, "unit": "cm"}


def _names(name):
    return {"id": name["id"], "en": name["en"]}


def _place_info(office):
    s = office["summary"]
    usable = {}
    for f in office["facilities"]:
        if f["effective_status"] in USABLE:
            usable.setdefault(f["kind"], []).append(f)
    access = {}
    if s["wheelchair"] in _GRADE:
        access["wheelchairAccessibilityGrade"] = _GRADE[s["wheelchair"]]
    if s["hearing_loop"] in _BOOL:
        access["hasInductionLoop"] = _BOOL[s["hearing_loop"]]
    if s["tactile_paving"] in _BOOL:
        access["hasTactileGuideStrips"] = _BOOL[s["tactile_paving"]]
    entrances = [_entrance(f) for f in usable.get("entrance", [])] + \
                [_ramp(f) for f in usable.get("ramp", [])]
    if entrances:
        access["entrances"] = entrances
    if usable.get("toilet"):
        access["restrooms"] = [_restroom(f) for f in usable["toilet"]]
    if usable.get("priority_counter"):
        access["desks"] = [_desk(f) for f in usable["priority_counter"]]
    if usable.get("parking"):
        spaces = sum(f["measurements"].get("spaces", 0) for f in usable["parking"])
        if spaces:
            access["parking"] = {"forWheelchairUsers": {"count": spaces}}
    if usable.get("sign_language"):
        access["staff"] = {"isTrainedInSigning": True}
    # Senja's queue: tickets, priority for people with disabilities, calls on a
    # display board and spoken aloud where the office has them working.
    perception = {}
    if usable.get("audio_calls"):
        perception["speech"] = "always"
    if usable.get("visual_display"):
        perception["visual"] = "always"
    queue = {"needsTickets": True, "canSkipQueueWithDisability": True,
             "hasVisualAnnouncements": bool(usable.get("visual_display"))}
    if perception:
        queue["interactions"] = {"getOnesTurn": {"perception": perception}}
    access["queueSystem"] = queue
    place = {"type": "Feature",
             "properties": {"originalId": office["office_id"], "ids": {"kemendagri": office["office_id"]},
                            "name": {"id": office["name"]}, "category": "townhall",
                            "accessibility": access}}
    geometry = _point(office)
    if geometry:
        place["geometry"] = geometry
    return place


def _entrance(f):
    m = f.get("measurements") or {}
    props = {"name": _names(f["name"]), "isMainEntrance": True}
    if "step_free" in m:
        props["isLevel"] = m["step_free"]
    if "ramp" in m:
        props["hasFixedRamp"] = m["ramp"]
    door = {}
    if "door_width_cm" in m:
        door["width"] = _cm(m["door_width_cm"])
    if "automatic_door" in m:
        door["isAutomatic"] = m["automatic_door"]
    if door:
        props["door"] = door
    return {"properties": props}


def _ramp(f):
    """A ramp is an entrance reached by a fixed ramp, with its slope."""
    m = f.get("measurements") or {}
    props = {"name": _names(f["name"]), "hasFixedRamp": True, "isLevel": False}
    if "slope_degrees" in m:
        props["slopeAngle"] = {"value": m["slope_degrees"], "unit": "deg"}
    return {"properties": props}


def _restroom(f):
    m = f.get("measurements") or {}
    room = {"isAccessibleWithWheelchair": not f.get("standard_issues") and f["effective_status"] == "available"}
    if "door_width_cm" in m:
        room["entrance"] = {"door": {"width": _cm(m["door_width_cm"])}}
    if "grab_bars" in m:
        room["hasSupportRails"] = m["grab_bars"]
    return room


def _desk(f):
    m = f.get("measurements") or {}
    desk = {"name": _names(f["name"])}
    if "height_cm" in m:
        desk["fixedHeight"] = _cm(m["height_cm"])
    if "knee_space" in m:
        desk["isRollUnder"] = m["knee_space"]
    return desk
