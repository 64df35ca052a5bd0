"""Attack on the logs' usefulness: the PII masker rewrote request ids and other
hex identifiers that happen to hold 13 or 16 digits in a row (or start like a
phone number), so a request could no longer be followed through the logs.
The masker keeps identifiers and still masks the personal data around them."""
import io
import json
import logging
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common.logs import JsonFormatter, request_id_var, scrub

IDS = ["a3371024107900002b0000000000000c", "0812345678901234567890123456789f",
       "65f0c1a2b3c4d5e6f7081234", "deadbeef3371024107900002",
       "1234567890123abc", "08123456-7890-4123-8456-123456789abc",
       "3371024107900002337102410790000233710241079000023371024107900ab2"]


@pytest.mark.parametrize("ident", IDS)
def test_hex_identifiers_are_never_rewritten(ident):
    line = json.dumps({"request_id": ident, "msg": f"ticket {ident} issued"})
    assert scrub(line) == line


@pytest.mark.parametrize("ident", IDS)
def test_personal_data_next_to_an_identifier_is_still_masked(ident):
    line = f"request {ident} nik 3371024107900002 phone 081234567890 nib 1234567890123"
    cleaned = scrub(line)
    assert ident in cleaned
    for value in ("3371024107900002", "081234567890", "1234567890123"):
        assert value not in cleaned.replace(ident, "")


@settings(max_examples=300, deadline=None)
@given(st.uuids())
def test_every_generated_request_id_survives_the_log_formatter(uid):
    rid = uid.hex
    record = logging.LogRecord("gateway.access", logging.INFO, __file__, 1, "POST %s", ("/x",), None)
    token = request_id_var.set(rid)
    try:
        entry = json.loads(JsonFormatter("gateway").format(record))
    finally:
        request_id_var.reset(token)
    assert entry["request_id"] == rid


def test_a_digit_heavy_request_id_reaches_the_log(caplog):
    rid = "3371024107900002" + uuid.uuid4().hex[:15] + "a"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("test"))
    log = logging.getLogger("senja.test.masker")
    log.addHandler(handler)
    token = request_id_var.set(rid)
    try:
        log.warning("slow request")
    finally:
        request_id_var.reset(token)
        log.removeHandler(handler)
    assert json.loads(stream.getvalue())["request_id"] == rid
