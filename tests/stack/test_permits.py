"""Business permit applications end to end: apply, track, review, issue,
verify; personal data masked; illegal moves refused; nothing half-written."""
import pytest

from tests.support import http

OFFICE = "33.71.02"
NIK = "3371024506900001"  # Magelang Utara, born 5 June 1990 (woman: day + 40)
PHONE = "0812-3456-7890"


def application(**overrides):
    body = {"office_id": OFFICE, "permit_type": "IUMK",
            "applicant": {"nik": NIK, "name": "Siti Rahayu", "phone": PHONE},
            "business": {"name": "Warung Siti", "address": "Jl. Pahlawan 12, Magelang", "kbli": "56102"},
            "answers": {"kbli": "56102", "capital": 5000000}}
    body.update(overrides)
    return body


def apply(stack, body=None, headers=None):
    return http("POST", f"{stack.url}/api/v1/permits", body or application(), headers=headers)


def move(stack, code, action, note="", headers=None):
    return http("POST", f"{stack.url}/api/v1/permits/{code}/transitions",
                {"action": action, "note": note}, headers=headers)


def _get_raw(url, headers=None):
    import urllib.request
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as resp:
        assert resp.headers["Content-Type"] == "application/pdf"
        return resp.read()


def test_apply_and_track_without_personal_data(stack):
    status, headers, made = apply(stack)
    assert status == 201, made
    assert made["status"] == "submitted" and made["due_date"] and made["applicant_secret"]
    assert headers["Location"].endswith(made["tracking_code"])
    status, _, public = http("GET", f"{stack.url}/api/v1/permits/{made['tracking_code']}")
    assert status == 200 and public["applicant_name"] == "S*** R*****"
    text = str(public)
    assert NIK not in text and "3456" not in text and "Siti" not in text
    assert [h["status"] for h in public["history"]] == ["submitted"]


def test_full_life_cycle_issue_verify_revoke(stack, login):
    code = apply(stack)[2]["tracking_code"]
    clerk, supervisor, signer = login("clerk.utara"), login("super.utara"), login("super2.utara")
    for action in ("start_intake", "accept"):
        assert move(stack, code, action, headers=clerk)[0] == 200
    assert move(stack, code, "approve", headers=clerk)[0] == 403  # supervisors decide
    assert move(stack, code, "approve", headers=supervisor)[0] == 200
    assert move(stack, code, "send_to_signing", headers=clerk)[0] == 200
    assert move(stack, code, "sign", headers=supervisor)[0] == 403  # four eyes: not who approved
    status, _, issued = move(stack, code, "sign", headers=signer)
    assert status == 200 and issued["status"] == "issued" and issued["permit_number"]
    number, verify_code = issued["permit_number"], issued["verify_url"].split("code=")[1]

    secret = http("GET", f"{stack.url}/api/v1/permits/{code}")  # public view has no secret
    assert "applicant_secret" not in secret[2]
    pdf = _get_raw(f"{stack.url}/api/v1/permits/{code}/certificate.pdf", headers=supervisor)
    assert pdf.startswith(b"%PDF-") and number.encode() in pdf
    # The secret never travels in a URL: a query string proves nothing.
    assert http("GET", f"{stack.url}/api/v1/permits/{code}/certificate.pdf?secret=wrong")[0] == 401

    ok = http("GET", f"{stack.url}/api/v1/verify/{number}?code={verify_code}")[2]
    assert ok["genuine"] and ok["valid"] and ok["holder"] == "S*** R*****"
    forged = http("GET", f"{stack.url}/api/v1/verify/{number}?code=AAAAAAAAAAAAAAAA")[2]
    assert forged == {"permit_number": number, "genuine": False, "valid": False, "reason": "code_mismatch"}

    assert move(stack, code, "revoke", headers=supervisor)[0] == 422  # a reason is required
    assert move(stack, code, "revoke", "fraudulent documents", headers=supervisor)[0] == 200
    after = http("GET", f"{stack.url}/api/v1/verify/{number}?code={verify_code}")[2]
    assert after["genuine"] and not after["valid"] and after["status"] == "revoked"
    history = http("GET", f"{stack.url}/api/v1/permits/{code}")[2]["history"]
    assert [h["action"] for h in history] == ["submit", "start_intake", "accept", "approve",
                                              "send_to_signing", "sign", "revoke"]


def test_revision_pauses_the_sla_and_only_the_applicant_resubmits(stack, login):
    made = apply(stack)[2]
    code, secret = made["tracking_code"], made["applicant_secret"]
    clerk = login("clerk.utara")
    assert move(stack, code, "start_intake", headers=clerk)[0] == 200
    assert move(stack, code, "return", headers=clerk)[0] == 422
    status, _, returned = move(stack, code, "return", "photo missing", headers=clerk)
    assert status == 200 and returned["sla_paused"] and returned["sla_state"] == "paused"
    assert returned["history"][-1]["note"] == "photo missing"
    assert move(stack, code, "resubmit", headers={"X-Applicant-Secret": "wrong" * 6})[0] == 403
    assert move(stack, code, "resubmit", headers=clerk)[0] == 403  # the applicant's own act
    status, _, back = move(stack, code, "resubmit", headers={"X-Applicant-Secret": secret})
    assert status == 200 and back["status"] == "intake_check" and not back["sla_paused"]
    assert back["due_date"] >= made["due_date"]


def test_applicant_withdraws_and_illegal_moves_are_409(stack, login):
    made = apply(stack)[2]
    code, secret = made["tracking_code"], made["applicant_secret"]
    assert move(stack, code, "withdraw", headers={"X-Applicant-Secret": secret})[2]["status"] == "withdrawn"
    status, _, problem = move(stack, code, "start_intake", headers=login("clerk.utara"))
    assert status == 409 and problem["reason"] == "illegal_transition"
    assert move(stack, code, "start_intake", headers=login("clerk.selatan"))[0] == 403  # other office
    assert move(stack, code, "start_intake")[0] == 401


@pytest.mark.parametrize("change,field", [
    ({"applicant": {"nik": "3371029913900001", "name": "Siti", "phone": PHONE}}, "applicant.nik"),
    ({"applicant": {"nik": "9999024506900001", "name": "Siti", "phone": PHONE}}, "applicant.nik"),
    ({"applicant": {"nik": NIK, "name": "Siti", "phone": "12345678"}}, "applicant.phone"),
    ({"office_id": "99.99.99"}, "office_id"),
    ({"permit_type": "NOPE"}, "permit_type"),
    ({"answers": {"kbli": "5610", "capital": 5}}, "answers.kbli"),
    ({"answers": {"kbli": "56102"}}, "answers.capital"),
    ({"business": {"name": "W", "address": "x"}}, "business.name"),
    ({"unknown": 1}, "unknown"),
])
def test_bad_applications_are_422_and_store_nothing(stack, login, change, field):
    before = len(http("GET", f"{stack.url}/api/v1/permits?office_id={OFFICE}",
                      headers=login("clerk.utara"))[2])
    status, _, problem = apply(stack, application(**change))
    assert status == 422, problem
    assert field in {e["field"] for e in problem["errors"]}
    assert NIK not in str(problem)
    after = len(http("GET", f"{stack.url}/api/v1/permits?office_id={OFFICE}",
                     headers=login("clerk.utara"))[2])
    assert after == before


def test_work_list_is_for_staff_of_the_office_with_masked_identifiers(stack, login):
    apply(stack)
    url = f"{stack.url}/api/v1/permits?office_id={OFFICE}"
    assert http("GET", url)[0] == 401
    assert http("GET", url, headers=login("clerk.selatan"))[0] == 403
    status, _, work = http("GET", url + "&status=submitted&overdue=false", headers=login("clerk.utara"))
    assert status == 200 and work and all(p["status"] == "submitted" for p in work)
    assert work[0]["applicant"]["nik"] == "3371********0001"
    assert work[0]["applicant"]["phone"].endswith("7890") and "3456" not in work[0]["applicant"]["phone"]


def test_idempotent_application(stack):
    key = {"Idempotency-Key": "form-submit-0001-abcdef"}
    first, again = apply(stack, headers=key), apply(stack, headers=key)
    assert first[0] == again[0] == 201
    assert again[2]["tracking_code"] == first[2]["tracking_code"]
    assert again[2]["applicant_secret"] == first[2]["applicant_secret"]


def _upload(stack, code, document, content, secret, filename="f.bin"):
    boundary = "senjaBOUNDARY42"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"document\"\r\n\r\n{document}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if secret:
        headers["X-Applicant-Secret"] = secret
    return http("POST", f"{stack.url}/api/v1/permits/{code}/documents", body, headers=headers)


def test_documents_are_checked_by_content_and_checksummed(stack, login):
    made = apply(stack, application(permit_type="SKDU", answers={}))[2]
    code, secret = made["tracking_code"], made["applicant_secret"]
    pdf = b"%PDF-1.4\n" + b"x" * 500
    assert _upload(stack, code, "ktp", pdf, None)[0] == 403
    status, _, problem = _upload(stack, code, "ktp", b"MZ\x90\x00 not a pdf", secret, "ktp.pdf")
    assert status == 422 and problem["errors"][0]["field"] == "file"
    assert _upload(stack, code, "passport", pdf, secret)[0] == 422
    status, _, stored = _upload(stack, code, "ktp", pdf, secret)
    assert status == 201 and stored["format"] == "pdf" and stored["missing"] == []
    public = http("GET", f"{stack.url}/api/v1/permits/{code}")[2]
    assert public["documents"] == ["ktp"] and public["missing_documents"] == []
    import hashlib
    assert stored["sha256"] == hashlib.sha256(pdf).hexdigest()
    work = http("GET", f"{stack.url}/api/v1/permits?office_id={OFFICE}", headers=login("clerk.utara"))[2]
    mine = [p for p in work if p["tracking_code"] == code][0]
    assert mine["documents"]["ktp"]["sha256"] == stored["sha256"]
