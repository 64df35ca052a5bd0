"""Accessibility rules: facility kinds, statuses, the OSM-style summary and the
Permen PUPR 14/PRT/M/2017 checks. Pure domain. Missing data is "unknown", never "no"."""
import datetime as dt

KINDS = ("entrance", "ramp", "toilet", "parking", "priority_counter", "wheelchair_loan",
         "guiding_blocks", "hearing_loop", "sign_language", "braille_forms",
         "visual_display", "audio_calls")
STATUSES = ("available", "limited", "under_maintenance", "broken", "removed", "unknown")
STALE_AFTER_DAYS = 180  # unverified for longer: shown as unknown
WORKING = ("available",)


def effective_status(facility, now):
    verified = facility.get("verified_at")
    if verified is None or now - verified > dt.timedelta(days=STALE_AFTER_DAYS):
        return "unknown"
    return facility.get("status", "unknown")


def standard_issues(kind, m):
    """Where the measurements fall short of Permen PUPR 14/PRT/M/2017: [(field, message)]."""
    issues = []

    def below(field, minimum, message):
        if m.get(field) is not None and m[field] < minimum:
            issues.append((field, message))

    if kind == "ramp":
        limit = 6 if m.get("location") == "inside" else 5
        if m.get("slope_degrees") is not None and m["slope_degrees"] > limit:
            issues.append(("slope_degrees", f"ramp slope over {limit}°"))
        below("width_cm", 95, "ramp narrower than 95 cm")
        below("landing_cm", 120, "landing shorter than 120 cm")
        if m.get("handrails") is False:
            issues.append(("handrails", "ramp without handrails"))
    elif kind == "toilet":
        below("width_cm", 152.5, "toilet narrower than 152.5 cm")
        below("depth_cm", 227.5, "toilet shallower than 227.5 cm")
        below("door_width_cm", 90, "toilet door narrower than 90 cm")
    elif kind == "entrance":
        below("door_width_cm", 90, "door narrower than 90 cm")
        if m.get("step_free") is False and m.get("ramp") is not True:
            issues.append(("step_free", "steps without a ramp"))
    return issues


def summary(facilities, now):
    """OSM-compatible summary: wheelchair yes/limited/no/unknown, plus hearing and vision."""
    by_kind = {}
    for f in facilities:
        by_kind.setdefault(f["kind"], []).append(effective_status(f, now))

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
