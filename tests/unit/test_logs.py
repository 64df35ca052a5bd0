import io
import json
import logging

from services.common import logs


def test_scrub_masks_nik_nib_and_phone_numbers():
    text = "nik 3371024506900001 nib 1234567890123 hp 0812-3456-7890 +6281234567890 ok 2026"
    clean = logs.scrub(text)
    for secret in ("3371024506900001", "1234567890123", "0812-3456-7890", "6281234567890"):
        assert secret not in clean
    assert "2026" in clean


def test_json_logs_carry_request_id_and_no_personal_data():
    stream = io.StringIO()
    logs.configure("test", "INFO", stream)
    token = logs.request_id_var.set("req-1")
    try:
        logging.getLogger("x").info("applicant %s", "3371024506900001")
    finally:
        logs.request_id_var.reset(token)
    entry = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert entry["request_id"] == "req-1" and entry["component"] == "test"
    assert "3371024506900001" not in entry["msg"] and "[NIK]" in entry["msg"]
