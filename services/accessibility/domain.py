"""Accessibility rules: facility kinds and their typed measurements, statuses,
the Permen PUPR 14/PRT/M/2017 checks and the OSM-style summary. Pure domain.
Missing data is "unknown", never "no".

Thresholds: Peraturan Menteri PUPR No. 14/PRT/M/2017 tentang Persyaratan
Kemudahan Bangunan Gedung (annex on facilities for persons with disabilities).
The regulation's own text could not be read where this was written; the
figures are those summarised in the project's domain notes (DOMAIN.md,
"Accessibility") from that annex, and each constant below says which. Where
the annex states one limit twice (degrees and a ratio), the stricter serves
wheelchair users and is the one applied.
"""
import datetime as dt
import math

KINDS = ("entrance", "ramp", "toilet", "parking", "priority_counter", "wheelchair_loan",
         "guiding_blocks", "hearing_loop", "sign_language", "braille_forms",
         "visual_display", "audio_calls")
STATUSES = ("available", "limited", "under_maintenance", "broken", "removed", "unknown")
STALE_AFTER_DAYS = 180  # unverified for longer: shown as unknown
WORKING = ("available",)


def ratio_degrees(rise, run):
    """The angle of a slope given as rise:run (1:12 -> 4.76°)."""
    return math.degrees(math.atan(rise / run))


# Permen PUPR 14/PRT/M/2017, ramps: inside a building at most 6° "or 1:10"
# (5.71°); outside at most 5° "or 1:12" (4.76°). The stricter figure of each pair.
RAMP_MAX_DEGREES_INSIDE = min(6.0, ratio_degrees(1, 10))    # 5.71°
RAMP_MAX_DEGREES_OUTSIDE = min(5.0, ratio_degrees(1, 12))   # 4.76°
# Same annex: ramp width at least 95 cm without edge protection (tepi pengaman /
# curb), at least 120 cm with it; flat landings (bordes) at least 120 cm long.
RAMP_MIN_WIDTH_CM = 95
RAMP_MIN_WIDTH_WITH_CURB_CM = 120
RAMP_MIN_LANDING_CM = 120
# Handrails (pegangan rambat) on ramps: required; height 65-80 cm is the figure
# of the same annex as carried over from Permen PU 30/PRT/M/2006 (not re-read here).
HANDRAIL_HEIGHT_CM = (65, 80)
# Accessible toilet: free space about 152.5 x 227.5 cm, in either orientation;
# its door at least 90 cm wide (same annex, DOMAIN.md).
TOILET_MIN_SIDES_CM = (152.5, 227.5)
TOILET_MIN_DOOR_CM = 90
# Main entrance door: clear opening at least 90 cm (same annex, DOMAIN.md).
ENTRANCE_MIN_DOOR_CM = 90
# Lowered service counter: at most 80 cm high. No figure from the annex could be
# read here; 80 cm is the upper bound ISO 21542:2021 gives for the lowered
# section of a reception counter: verify against the annex before relying on it.
COUNTER_MAX_HEIGHT_CM = 80


def _number(lo, hi):
    return ("number", lo, hi)


BOOLEAN = ("boolean",)
LOCATION = ("choice", ("inside", "outside"))

# What may be measured per kind, with plausible ranges (centimetres, degrees,
# counts). Anything else is refused with the field named.
MEASUREMENTS = {
    "entrance": {"door_width_cm": _number(30, 500), "step_free": BOOLEAN, "ramp": BOOLEAN,
                 "automatic_door": BOOLEAN, "threshold_cm": _number(0, 50)},
    "ramp": {"slope_degrees": _number(0, 45), "width_cm": _number(30, 1000),
             "landing_cm": _number(0, 2000), "length_cm": _number(0, 5000),
             "handrails": BOOLEAN, "handrail_height_cm": _number(30, 150), "curb": BOOLEAN,
             "location": LOCATION},
    "toilet": {"width_cm": _number(50, 1000), "depth_cm": _number(50, 1000),
               "door_width_cm": _number(30, 500), "grab_bars": BOOLEAN},
    "parking": {"spaces": ("integer", 0, 500), "width_cm": _number(100, 1000),
                "distance_to_entrance_m": _number(0, 2000)},
    "priority_counter": {"height_cm": _number(40, 150), "knee_space": BOOLEAN},
    "wheelchair_loan": {"count": ("integer", 0, 100)},
    "guiding_blocks": {"to_counters": BOOLEAN},
    "hearing_loop": {"counters": ("integer", 0, 100)},
    "sign_language": {"staff": ("integer", 0, 100)},
    "braille_forms": {"braille": BOOLEAN, "large_print": BOOLEAN},
    "visual_display": {},
    "audio_calls": {},
}


def measurement_problems(kind, measurements):
    """[(field, reason)] for measurements that are not of ``kind``'s known keys,
    types and ranges; the fields are named ``measurements.<key>``."""
    if not isinstance(measurements, dict):
        return [("measurements", "must be an object")]
    known = MEASUREMENTS.get(kind, {})
    problems = []
    for key, value in measurements.items():
        field = f"measurements.{key}"
        spec = known.get(key)
        if spec is None:
            problems.append((field, f"not a measurement of a {kind}"
                                    + (f"; one of {', '.join(known)}" if known else "")))
        elif spec[0] == "boolean":
            if not isinstance(value, bool):
                problems.append((field, "must be true or false"))
        elif spec[0] == "choice":
            if value not in spec[1]:
                problems.append((field, f"must be one of {', '.join(spec[1])}"))
        else:
            kind_ok = (isinstance(value, int) if spec[0] == "integer" else isinstance(value, (int, float)))
            if isinstance(value, bool) or not kind_ok or not math.isfinite(value):
                problems.append((field, "must be a whole number" if spec[0] == "integer" else "must be a number"))
            elif not spec[1] <= value <= spec[2]:
                problems.append((field, f"must be between {spec[1]} and {spec[2]}"))
    return problems


def effective_status(facility, now):
    verified = facility.get("verified_at")
    if verified is None or now - verified > dt.timedelta(days=STALE_AFTER_DAYS):
        return "unknown"
    return facility.get("status", "unknown")


def same_facility(before, after):
    """Nothing a verification would look at has changed."""
    return all(before.get(k) == after.get(k) for k in ("kind", "status", "measurements", "name", "office_id"))


def needs_verification(facility, now):
    """Never verified, or not for STALE_AFTER_DAYS: supervisors should look again."""
    verified = facility.get("verified_at")
    return verified is None or now - verified > dt.timedelta(days=STALE_AFTER_DAYS)


def standard_issues(kind, m):
    """Where the measurements fall short of Permen PUPR 14/PRT/M/2017: [(field, message)]."""
    issues = []

    def below(field, minimum, message):
        if m.get(field) is not None and m[field] < minimum:
            issues.append((field, message))

    if kind == "ramp":
        inside = m.get("location") == "inside"
        limit = RAMP_MAX_DEGREES_INSIDE if inside else RAMP_MAX_DEGREES_OUTSIDE
        if m.get("slope_degrees") is not None and m["slope_degrees"] > limit:
            issues.append(("slope_degrees", f"ramp {'inside' if inside else 'outside'} steeper than "
                                            f"{limit:.2f}° ({'1:10' if inside else '1:12'})"))
        if m.get("curb"):
            below("width_cm", RAMP_MIN_WIDTH_WITH_CURB_CM, "ramp with a curb narrower than 120 cm")
        else:
            below("width_cm", RAMP_MIN_WIDTH_CM, "ramp narrower than 95 cm")
        below("landing_cm", RAMP_MIN_LANDING_CM, "landing shorter than 120 cm")
        if m.get("handrails") is False:
            issues.append(("handrails", "ramp without handrails"))
        height = m.get("handrail_height_cm")
        if height is not None and not HANDRAIL_HEIGHT_CM[0] <= height <= HANDRAIL_HEIGHT_CM[1]:
            issues.append(("handrail_height_cm", "handrails not between 65 and 80 cm high"))
    elif kind == "toilet":
        if m.get("width_cm") is not None and m.get("depth_cm") is not None:
            short, long_ = sorted((m["width_cm"], m["depth_cm"]))
            if short < TOILET_MIN_SIDES_CM[0] or long_ < TOILET_MIN_SIDES_CM[1]:
                issues.append(("width_cm" if m["width_cm"] == short else "depth_cm",
                               "toilet smaller than 152.5 × 227.5 cm"))
        else:  # one side known: it must at least reach the shorter side
            below("width_cm", TOILET_MIN_SIDES_CM[0], "toilet narrower than 152.5 cm")
            below("depth_cm", TOILET_MIN_SIDES_CM[0], "toilet shallower than 152.5 cm")
        below("door_width_cm", TOILET_MIN_DOOR_CM, "toilet door narrower than 90 cm")
    elif kind == "entrance":
        below("door_width_cm", ENTRANCE_MIN_DOOR_CM, "door narrower than 90 cm")
        if m.get("step_free") is False and m.get("ramp") is not True:
            issues.append(("step_free", "steps without a ramp"))
    elif kind == "priority_counter":
        if m.get("height_cm") is not None and m["height_cm"] > COUNTER_MAX_HEIGHT_CM:
            issues.append(("height_cm", "counter higher than 80 cm"))
    return issues


def summary_status(facility, now):
    """The status the summary counts: a facility that breaks the standard is at
    best "limited" (a non-compliant ramp cannot make wheelchair=yes)."""
    status = effective_status(facility, now)
    if status == "available" and standard_issues(facility["kind"], facility.get("measurements") or {}):
        return "limited"
    return status


def summary(facilities, now):
    """OSM-compatible summary: wheelchair yes/limited/no/unknown, plus hearing and vision."""
    by_kind = {}
    for f in facilities:
        by_kind.setdefault(f["kind"], []).append(summary_status(f, now))

    def state(kinds):
        statuses = [s for k in kinds for s in by_kind.get(k, [])]
        if not statuses or all(s == "unknown" for s in statuses):
            return "unknown"
        if any(s == "available" for s in statuses):
            return "yes"
        if any(s == "limited" for s in statuses):
            return "limited"
        return "no"

    entrance = state(("entrance", "ramp"))
    toilet = state(("toilet",))
    if entrance == "yes" and toilet == "yes":
        wheelchair = "yes"
    elif entrance in ("yes", "limited"):
        wheelchair = "limited"
    else:
        wheelchair = entrance  # "no" or "unknown"
    return {
        "wheelchair": wheelchair,
        "toilets_wheelchair": toilet,
        "hearing": state(("hearing_loop", "sign_language", "visual_display")),
        "vision": state(("guiding_blocks", "braille_forms", "audio_calls")),
        "tactile_paving": state(("guiding_blocks",)),
        "hearing_loop": state(("hearing_loop",)),
        "priority_counter": state(("priority_counter",)),
    }


NEEDS = ("wheelchair", "toilets_wheelchair", "hearing", "vision", "tactile_paving",
         "hearing_loop", "priority_counter")


def meets(summary, needs):
    """Every need met for sure: "limited" or "unknown" do not count as met."""
    return all(summary.get(need) == "yes" for need in needs)


# Citizens' problem reports ---------------------------------------------------------
# A report is open until staff close it with an answer the citizen reads by the
# report's number. The contact number is personal data (UU 27/2022 PDP): staff see it
# masked, and in full only on an explicit reveal that is written into the report's
# history (who, when), as an access to personal data should be.
REPORT_STATES = ("open", "closed")


def check_close(report, answer):
    """Problems with closing ``report`` with ``answer``: (field, reason) pairs, or
    ValueError when it is closed already."""
    if report.get("state") == "closed":
        raise ValueError("this report is closed already")
    text = (answer or "").strip()
    if len(text) < 5:
        return [("answer", "write an answer of at least 5 characters the citizen can read")]
    return []


def report_entry(action, actor, at, **extra):
    """One line of a report's history: opened, contact_revealed, closed."""
    return {"action": action, "actor": actor, "at": at, **extra}


def can_reveal(report):
    """A contact exists to call back; there is nothing to reveal without one."""
    return bool(report.get("contact"))


def public_report(report):
    """What the citizen sees by the report's number: never the contact."""
    return {"id": report["id"], "facility_id": report["facility_id"], "state": report["state"],
            "at": report["at"], "answer": report.get("answer") or None,
            "answered_at": report.get("answered_at") or None}
