"""Bad input, generated: NIK and phone parsing (lokal-id), the log scrubber, and
every request schema. Nothing may raise but the declared validation error."""
import datetime as dt
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lokal import normalize_phone, parse_nik, parse_phone
from marshmallow import Schema, ValidationError

from gateway import errors
from gateway.clients.errors import Invalid
from gateway.resources.staff import Credentials
from gateway.validation import load
from services.accessibility.schemas import ExportQuery, Facility, FacilityPatch, ProblemReport, SearchQuery
from services.common.logs import scrub
from services.permits.schemas import Application, PermitType, Transition, VerifyQuery, WorkListQuery
from services.queue.schemas import CounterAction, IssueTicket, NoticeRequest, OfficeConfig, StatsQuery

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DIGITS = st.text(alphabet="0123456789", min_size=0, max_size=24)
SEPARATED = st.lists(st.sampled_from(["0", "1", "2", "3", "5", "8", "9", " ", ".", "-", "+", "(", ")",
                                      "\u00a0", "\u0663", "٠", "６"]), max_size=30).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=60), DIGITS, SEPARATED)


# --- NIK -------------------------------------------------------------------------
@FUZZ
@given(ANY_TEXT)
def test_parse_nik_never_raises(text):
    info = parse_nik(text)
    assert isinstance(info.valid, bool)
    if info.valid:
        assert re.fullmatch(r"\d{16}", info.nik)


@FUZZ
@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.integers(1, 71),
       st.integers(1, 12), st.integers(0, 99), st.integers(0, 9999))
def test_parse_nik_structured(pp, kk, cc, day, month, year, serial):
    nik = f"{pp:02d}{kk:02d}{cc:02d}{day:02d}{month:02d}{year:02d}{serial:04d}"
    info = parse_nik(nik)
    assert info.nik == nik
    if info.valid:
        assert info.gender in ("L", "P") and info.birth_date


# --- phone -----------------------------------------------------------------------
@FUZZ
@given(ANY_TEXT)
def test_phone_parsing_never_raises(text):
    normalized = normalize_phone(text)
    assert normalized is None or re.fullmatch(r"\+62\d{7,13}", normalized), normalized
    parse_phone(text)


# --- the log scrubber ---------------------------------------------------------------
@FUZZ
@given(st.text(max_size=200))
def test_scrub_never_raises_and_is_idempotent(text):
    once = scrub(text)
    assert scrub(once) == once


NIK = st.text(alphabet="0123456789", min_size=16, max_size=16)
PHONE = st.builds(lambda prefix, sep, rest: f"{prefix}8{sep}{rest}",
                  st.sampled_from(["08", "+62", "62", "+62 ", "0"]).map(lambda p: p[:-1] if p == "08" else p),
                  st.sampled_from(["", " ", "-"]),
                  st.text(alphabet="0123456789", min_size=8, max_size=11))
SURROUND = st.text(alphabet=st.characters(blacklist_categories=["Nd", "Cs"],
                                          blacklist_characters="+"), max_size=20)


@FUZZ
@given(SURROUND, NIK, SURROUND, PHONE, SURROUND)
def test_scrub_masks_nik_and_phone_in_any_text(before, nik, middle, phone, after):
    # What a log record looks like once rendered: JSON, non-ASCII kept.
    line = json.dumps({"msg": f"{before} {nik} {middle} {phone} {after}"}, ensure_ascii=False)
    cleaned = scrub(line)
    assert nik not in cleaned
    assert re.sub(r"\D", "", phone) not in re.sub(r"\D", "", cleaned), cleaned


@FUZZ
@given(NIK, st.sampled_from([" ", ".", "-"]))
def test_scrub_masks_grouped_nik(nik, sep):
    grouped = sep.join([nik[:6], nik[6:12], nik[12:]])
    assert nik[:12] not in re.sub(r"\D", "", scrub(f"nik {grouped} end"))


# --- request schemas -------------------------------------------------------------------
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                      st.text(max_size=30), DIGITS)
JSON = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)

# Every request schema the gateway or its clients load.
REQUESTS = [IssueTicket, CounterAction, NoticeRequest, StatsQuery, Credentials, Application, Transition,
            WorkListQuery, VerifyQuery, FacilityPatch, ProblemReport, SearchQuery, ExportQuery]
SCHEMAS = REQUESTS + [OfficeConfig, PermitType, Facility]


def _shaped(schema_cls):
    """Dicts that use the schema's own field names (so validation goes deep), with any values."""
    names = list(schema_cls().fields)
    plausible = st.one_of(JSON, st.sampled_from(["KTP", "call_next", "transfer", "33.71.02", "2026-11-23",
                                                 "Asia/Jakarta", "ramp", "x" * 300, ""]))
    return st.one_of(
        st.dictionaries(st.sampled_from(names), plausible, max_size=len(names)),
        st.dictionaries(st.sampled_from(names + ["unknown", "__class__"]), JSON, max_size=6),
        JSON)


@pytest.mark.parametrize("schema_cls", SCHEMAS, ids=[s.__name__ for s in SCHEMAS])
def test_schemas_raise_only_validation_errors(schema_cls):
    @FUZZ
    @given(_shaped(schema_cls))
    def check(data):
        schema: Schema = schema_cls()
        try:
            schema.load(data)
        except ValidationError as err:
            json.dumps(err.messages)  # the messages reach the client as problem+json
    check()


@pytest.mark.parametrize("schema_cls", REQUESTS, ids=lambda s: s.__name__)
def test_gateway_load_answers_422_or_data(schema_cls):
    @FUZZ
    @given(_shaped(schema_cls))
    def check(data):
        try:
            load(schema_cls(), data)
        except Invalid as err:
            body = errors.problem(err).to_dict()
            assert body["status"] == 422 and body["errors"]
            assert all({"field", "message"} <= set(e) for e in body["errors"])
            json.dumps(body)
    check()


@FUZZ
@given(st.dates(min_value=dt.date(1, 1, 1)), st.text(max_size=12))
def test_stats_query_dates(date, junk):
    assert StatsQuery().load({"date": date.isoformat()})["date"] == date
    try:
        StatsQuery().load({"date": junk})
    except ValidationError:
        pass


# --- permits: NIK, NIB, phone, answers, uploads ---------------------------------------------
from services.permits import domain as permits_domain  # noqa: E402
from services.permits.schemas import Application, Business  # noqa: E402

PERMIT_TYPE = {
    "code": "SIUP", "attributes": [
        {"code": "luas", "datatype": "number", "required": True},
        {"code": "nama", "datatype": "string", "required": False, "pattern": r"[A-Za-z ]{1,40}"},
        {"code": "jenis", "datatype": "singlevaluelist", "values": [{"key": "warung"}, {"key": "toko"}]},
        {"code": "hari", "datatype": "multivaluelist", "required": False,
         "values": [{"key": "sen"}, {"key": "sel"}]},
        {"code": "mulai", "datatype": "datetime", "required": False}],
    "documents": [{"code": "ktp", "formats": ["pdf", "jpeg", "png"], "max_bytes": 5000},
                  {"code": "denah", "formats": ["pdf"], "max_bytes": 5000}]}


@FUZZ
@given(st.one_of(ANY_TEXT, NIK, JSON), st.dates())
def test_check_nik_answers_problems_only(nik, today):
    problems = permits_domain.check_nik(nik, today)
    assert isinstance(problems, list) and all(field == "applicant.nik" for field, _ in problems)


@FUZZ
@given(st.one_of(ANY_TEXT, PHONE, JSON))
def test_check_phone_answers_problems_only(phone):
    normal, problems = permits_domain.check_phone(phone)
    assert (normal is None) == bool(problems)


@FUZZ
@given(st.one_of(st.none(), st.text(max_size=20), DIGITS, st.integers()))
def test_nib_validation(nib):
    try:
        Business().load({"name": "Warung", "nib": nib})
    except ValidationError:
        pass
    except Exception as exc:  # noqa: BLE001 - anything else is the bug this test looks for
        if "name" not in str(exc):
            raise


@FUZZ
@given(st.dictionaries(st.sampled_from(["luas", "nama", "jenis", "hari", "mulai", "x"]), JSON, max_size=6))
def test_check_answers_never_raises(answers):
    problems = permits_domain.check_answers(PERMIT_TYPE, answers)
    assert all(field.startswith("answers.") for field, _ in problems)


MAGIC = st.sampled_from([b"", b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"<html>"])


@FUZZ
@given(st.sampled_from(["ktp", "denah", "other", ""]), MAGIC, st.binary(max_size=6000))
def test_check_document_never_raises(code, magic, rest):
    found, problems = permits_domain.check_document(PERMIT_TYPE, code, magic + rest)
    assert (found is None) == bool(problems)
    if found:
        assert len(magic + rest) <= 5000 and found == permits_domain.sniff_format(magic + rest)


@pytest.mark.parametrize("schema_cls", [Application, Business], ids=lambda s: s.__name__)
def test_permit_schemas_raise_only_validation_errors(schema_cls):
    @FUZZ
    @given(_shaped(schema_cls))
    def check(data):
        try:
            schema_cls().load(data)
        except ValidationError as err:
            json.dumps(err.messages)
    check()
