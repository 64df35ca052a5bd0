"""Rules behind the staff desks: what a permit's state allows each role, the work
list's order, working days left, reading a permit number as typed, and closing a
citizen's problem report."""
import datetime as dt

import pytest

from services.accessibility import domain as access
from services.permits import domain

WEEKEND = lambda d: d.weekday() >= 5  # noqa: E731


@pytest.mark.parametrize("status,role,actions", [
    ("submitted", "clerk", ["start_intake"]),
    ("intake_check", "clerk", ["accept", "return"]),
    ("intake_check", "supervisor", ["accept", "return", "reject"]),
    ("in_review", "clerk", ["return", "schedule_inspection"]),
    ("in_review", "supervisor", ["return", "schedule_inspection", "approve", "reject"]),
    ("signing", "clerk", []),
    ("signing", "supervisor", ["sign"]),
    ("issued", "clerk", ["hand_over"]),
    ("issued", "admin", ["hand_over", "revoke"]),
    ("returned_for_revision", "supervisor", []),  # only the applicant resubmits
])
def test_allowed_actions_follow_the_life_cycle_and_roles(status, role, actions):
    assert [a for a, _, _ in domain.allowed_actions(status, role)] == actions


def test_whoever_approved_is_not_offered_the_signature():
    assert domain.allowed_actions("signing", "supervisor", "staff:a", "staff:a") == []
    assert [a for a, _, _ in domain.allowed_actions("signing", "supervisor", "staff:b", "staff:a")] == ["sign"]


def test_notes_are_required_where_the_applicant_must_know_why():
    notes = {a: n for a, _, n in domain.allowed_actions("in_review", "supervisor")}
    assert notes["return"] and notes["reject"] and not notes["approve"]


def test_work_list_order_overdue_first_then_soonest_due():
    rows = [{"sla_state": s, "due_date": d, "submitted_date": "2026-11-01", "tracking_code": c}
            for s, d, c in (("on_track", "2026-12-20", "A"), ("overdue", "2026-12-01", "B"),
                            ("due_soon", "2026-12-04", "C"), ("overdue", "2026-11-28", "D"))]
    assert [r["tracking_code"] for r in sorted(rows, key=domain.work_order)] == ["D", "B", "C", "A"]


def test_working_days_left_skip_weekends_and_count_lateness():
    thu, mon = dt.date(2026, 12, 3), dt.date(2026, 12, 7)
    assert domain.working_days_left("in_review", mon, thu, WEEKEND) == 2   # Fri, Mon
    assert domain.working_days_left("in_review", thu, mon, WEEKEND) == -2  # late by Fri, Mon
    assert domain.working_days_left("issued", mon, thu, WEEKEND) is None


@pytest.mark.parametrize("typed,number", [
    ("337102-IUMK-2026-00001", "337102-IUMK-2026-00001"),
    (" 337102-iumk-2026-00001 ", "337102-IUMK-2026-00001"),
    ("337102 - IUMK - 2026 - 00001", "337102-IUMK-2026-00001"),
    ("337102-iumk-2026-00001\n", "337102-IUMK-2026-00001"),
    (None, ""),
])
def test_a_permit_number_is_read_as_typed(typed, number):
    assert domain.normalize_permit_number(typed) == number


def test_a_typing_slip_is_never_a_forgery():
    assert domain.verification_outcome("337102-IUMK-2026-0001", False, False) == "malformed"
    assert domain.verification_outcome("337102-IUMK-2026-00009", False, False) == "not_found"
    assert domain.verification_outcome("337102-IUMK-2026-00001", True, False) == "code_mismatch"
    assert domain.verification_outcome("337102-IUMK-2026-00001", True, True) == "genuine"


def test_the_verification_code_is_read_in_any_case_with_spaces():
    code = domain.verification_code("s3cret", "337102-IUMK-2026-00001")
    spaced = " ".join(code[i:i + 4] for i in range(0, len(code), 4)).lower()
    assert domain.verify("s3cret", "337102-IUMK-2026-00001", spaced)
    assert not domain.verify("s3cret", "337102-IUMK-2026-00001", "ÄÄ")  # no TypeError on non-ASCII


def test_closing_a_report_needs_an_answer_and_an_open_report():
    assert access.check_close({"state": "open"}, "Sudah diperbaiki") == []
    assert [f for f, _ in access.check_close({"state": "open"}, "  ok ")] == ["answer"]
    with pytest.raises(ValueError):
        access.check_close({"state": "closed"}, "Sudah diperbaiki")


def test_the_public_report_never_carries_the_contact():
    report = {"id": "r1", "facility_id": "f1", "state": "closed", "at": "2026-12-03T10:00:00+00:00",
              "contact": "+6281234567890", "answer": "Sudah", "answered_at": "2026-12-03T11:00:00+00:00",
              "history": [{"action": "contact_revealed", "actor": "staff:a", "at": "x"}]}
    public = access.public_report(report)
    assert "contact" not in public and "history" not in public and public["answer"] == "Sudah"
    assert access.can_reveal(report) and not access.can_reveal({"contact": None})


def test_the_desks_default_view_is_everything_not_yet_final():
    assert "issued" in domain.ACTIVE and "returned_for_revision" in domain.ACTIVE
    assert not set(domain.ACTIVE) & set(domain.FINAL)
