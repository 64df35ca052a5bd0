import datetime as dt

import pytest
import yaml

from services.common import calendar
from services.permits import domain

OFFICE = yaml.safe_load(open("gateway/data/kota-magelang.yaml"))["offices"][1]


def closed(day):
    return not calendar.is_working_day(OFFICE, day)


def test_sla_counts_working_days_skipping_weekends_holidays_and_cuti_bersama():
    # Tue 22 Dec 2026 + 5 working days: Wed 23, (Thu 24 cuti bersama, Fri 25 Christmas,
    # weekend), Mon 28, Tue 29, Wed 30, Thu 31.
    assert domain.add_working_days(dt.date(2026, 12, 22), 5, closed) == dt.date(2026, 12, 31)
    assert domain.working_days_between(dt.date(2026, 12, 22), dt.date(2026, 12, 31), closed) == 5
    due = dt.date(2026, 12, 31)
    assert domain.sla_state("in_review", due, dt.date(2027, 1, 4)) == "overdue"
    assert domain.sla_state("in_review", due, dt.date(2026, 12, 30), is_closed=closed) == "due_soon"
    assert domain.sla_state("in_review", due, dt.date(2026, 12, 22), is_closed=closed) == "on_track"
    assert domain.sla_state("returned_for_revision", due, dt.date(2027, 1, 4)) == "paused"


def test_transitions_respect_roles_states_and_reasons():
    assert domain.check_transition("submitted", "start_intake", "staff", "clerk") == "intake_check"
    with pytest.raises(PermissionError):
        domain.check_transition("in_review", "approve", "staff", "clerk")
    with pytest.raises(PermissionError):
        domain.check_transition("returned_for_revision", "resubmit", "staff", "admin")
    with pytest.raises(ValueError):
        domain.check_transition("issued", "accept", "staff", "clerk")
    with pytest.raises(domain.RuleBroken):
        domain.check_transition("in_review", "reject", "staff", "supervisor", note=" ")
    with pytest.raises(domain.RuleBroken):
        domain.check_transition("in_review", "fly", "staff", "admin")


def test_identifiers_masks_and_verification():
    assert domain.check_nik("3371024506900001", dt.date(2026, 11, 23)) == []
    assert domain.check_nik("33710245069000", dt.date(2026, 11, 23))[0][0] == "applicant.nik"
    assert domain.mask_name("Siti  Rahayu") == "S*** R*****"
    number = domain.permit_number("33.71.02", "IUMK", 2026, 7)
    assert number == "337102-IUMK-2026-00007"
    code = domain.verification_code("k", number)
    assert domain.verify("k", number, code) and domain.verify("k", number, code.lower())
    assert not domain.verify("k", number, "A" * 16) and not domain.verify("other", number, code)
    assert domain.keyed_hash("k", "nik", "1") != domain.keyed_hash("k2", "nik", "1")


def test_answers_are_checked_against_the_permit_type():
    permit_type = {"attributes": [
        {"code": "kbli", "datatype": "string", "required": True, "pattern": r"^\d{5}$"},
        {"code": "premises", "datatype": "singlevaluelist", "required": False,
         "values": [{"key": "own"}, {"key": "rent"}]}]}
    assert domain.check_answers(permit_type, {"kbli": "56102"}) == []
    problems = dict(domain.check_answers(permit_type, {"kbli": "561", "premises": "tent", "x": 1}))
    assert set(problems) == {"answers.kbli", "answers.premises", "answers.x"}


def test_documents_are_judged_by_content_not_name():
    permit_type = {"documents": [{"code": "photo", "formats": ["jpeg", "png"], "max_bytes": 100},
                                 {"code": "ktp", "required": True}]}
    assert domain.check_document(permit_type, "photo", b"\x89PNG\r\n\x1a\n...")[0] == "png"
    assert domain.check_document(permit_type, "photo", b"%PDF-1.7")[1][0][0] == "file"  # pdf not allowed
    assert domain.check_document(permit_type, "photo", b"\xff\xd8\xff" + b"x" * 200)[1][0][0] == "file"
    assert domain.check_document(permit_type, "visa", b"%PDF-")[1][0][0] == "document"
    assert domain.check_document(permit_type, "ktp", b"")[1] == [("file", "empty file")]
    assert domain.missing_documents(permit_type, {"photo": {}}) == ["ktp"]
