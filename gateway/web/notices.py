"""Notices on the board in the page's language. A broken facility's notice
carries its kind and status (services/queue: on_facility_status_changed), so
a page says it in its own words, with the help that is available instead;
a notice staff typed is shown as typed. static/js/notices.js does the same."""

FACILITY_STATUSES = ("broken", "under_maintenance", "removed")


def facility_help(t, kind, status):
    """What help there is while a facility is out of use; "" while it works."""
    if status not in FACILITY_STATUSES:
        return ""
    return t.get(f"notice.help.{kind}") or t("notice.help.default")


def notice_text(t, notice):
    kind, status = notice.get("facility_kind"), notice.get("facility_status")
    if not kind or status not in FACILITY_STATUSES:
        return notice["text"]
    return t("notice.facility", facility=t.get(f"facility.kind.{kind}") or kind,
             status=t(f"notice.status.{status}"), help=facility_help(t, kind, status))
