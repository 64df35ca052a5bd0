"""The staff desks' API against the real stack: the staff view of one application
(verification code once issued, allowed actions, scoped to the office), /verify
reading a number as people type it, and citizens' problem reports revealed (and
the reveal recorded), closed with an answer the citizen reads by the number."""
import urllib.parse
import urllib.request

from tests.stack.test_permits import apply, move
from tests.support import http

OFFICE = "33.71.02"
PHONE = "081234567890"
HIDDEN = "3456"  # the digits a masked number never shows


def issued(stack, login):
    code = apply(stack)[2]["tracking_code"]
    clerk, supervisor, signer = login("clerk.utara"), login("super.utara"), login("super2.utara")
    for action, who in (("start_intake", clerk), ("accept", clerk), ("approve", supervisor),
                        ("send_to_signing", clerk), ("sign", signer)):
        status, _, view = move(stack, code, action, headers=who)
        assert status == 200, (action, view)
    return code, view


def test_staff_view_of_an_issued_permit_has_number_and_verification_code(stack, login):
    code, moved = issued(stack, login)
    url = f"{stack.url}/api/v1/permits/{code}"
    status, headers, view = http("GET", url, headers=login("clerk.utara"))
    assert status == 200 and headers["Cache-Control"] == "no-store"
    staff = view["staff_view"]
    assert staff["permit_number"] == moved["permit_number"]
    assert moved["verify_url"].endswith("code=" + staff["verification_code"])
    assert [a["action"] for a in staff["actions"]] == ["hand_over"]  # a clerk: revoke is a supervisor's
    assert [a["action"] for a in http("GET", url, headers=login("super.utara"))[2]["staff_view"]["actions"]] \
        == ["hand_over", "revoke"]
    assert [h["action"] for h in staff["history"]][-1] == "sign"
    assert staff["history"][-1]["actor"] == "staff:super2.utara"
    assert staff["working_days_left"] is None  # decided: the clock stopped
    # Anyone else: no staff view, no code; staff of another office: refused.
    public = http("GET", url)[2]
    assert "staff_view" not in public and "verification_code" not in str(public)
    assert http("GET", url, headers=login("clerk.selatan"))[0] == 403
    assert http("GET", url, headers={"Authorization": "Bearer forged"})[0] == 401


def test_work_list_overdue_first_with_working_days_left(stack, login):
    apply(stack)
    status, _, rows = http("GET", f"{stack.url}/api/v1/permits?office_id={OFFICE}&status=submitted",
                           headers=login("clerk.utara"))
    assert status == 200 and rows
    order = {"overdue": 0, "due_soon": 1, "on_track": 2}
    assert [order[r["sla_state"]] for r in rows] == sorted(order[r["sla_state"]] for r in rows)
    assert all(isinstance(r["working_days_left"], int) for r in rows)
    active = http("GET", f"{stack.url}/api/v1/permits?office_id={OFFICE}&status=active",
                  headers=login("clerk.utara"))[2]
    assert active and not {r["status"] for r in active} & {"rejected", "withdrawn", "revoked", "handed_over"}
    assert {r["tracking_code"] for r in rows} <= {r["tracking_code"] for r in active}


def test_verify_reads_lower_case_and_spaces_and_tells_a_slip_from_a_mismatch(stack, login):
    code, moved = issued(stack, login)
    number, vcode = moved["permit_number"], moved["verify_url"].split("code=")[1]
    typed = urllib.parse.quote(f" {number.lower()} ")
    ok = http("GET", f"{stack.url}/api/v1/verify/{typed}?code={vcode.lower()}")[2]
    assert ok["genuine"] and ok["valid"] and ok["permit_number"] == number and ok["reason"] == "genuine"
    unknown = http("GET", f"{stack.url}/api/v1/verify/{number[:-1]}9?code={vcode}")[2]
    assert not unknown["genuine"] and unknown["reason"] in ("not_found", "code_mismatch")
    typo = http("GET", f"{stack.url}/api/v1/verify/{number[:-2]}?code={vcode}")[2]
    assert not typo["genuine"] and typo["reason"] == "malformed"
    wrong = http("GET", f"{stack.url}/api/v1/verify/{number}?code=AAAAAAAAAAAAAAAA")[2]
    assert not wrong["genuine"] and wrong["reason"] == "code_mismatch"
    # The page says "not found" (check the typing), never "palsu", for a number nobody has.
    with urllib.request.urlopen(f"{stack.url}/verify?number=337102-IUMK-1999-00001&code={vcode}") as resp:
        page = resp.read().decode()
    assert "Izin tidak ditemukan" in page and "palsu" not in page.lower()


def test_certificate_names_the_signer_and_prints_the_code(stack, login):
    code, moved = issued(stack, login)
    view = http("GET", f"{stack.url}/api/v1/permits/{code}", headers=login("clerk.utara"))[2]["staff_view"]
    req = urllib.request.Request(f"{stack.url}/api/v1/permits/{code}/certificate.pdf", headers=login("clerk.utara"))
    with urllib.request.urlopen(req) as resp:
        pdf = resp.read()
    from tests.unit.test_certificate import pdf_text
    text = pdf_text(pdf)
    assert "super2.utara" in text and view["verification_code"][:4] in text


def report(stack, contact=PHONE):
    status, _, made = http("POST", f"{stack.url}/api/v1/facilities/mgu-ramp-main/reports",
                           {"description": "Ramp is blocked by motorbikes", "contact": contact})
    assert status == 201, made
    return made["id"]


def test_reveal_is_recorded_and_the_answer_reaches_the_citizen_without_the_phone(stack, login):
    rid = report(stack)
    sup = login("super.utara")
    listed = {r["id"]: r for r in http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/facility-reports",
                                       headers=sup)[2]}
    assert HIDDEN not in listed[rid]["contact"] and listed[rid]["history"] == []
    # Only staff of the office, and a supervisor, may reveal or close.
    assert http("POST", f"{stack.url}/api/v1/facility-reports/{rid}/contact")[0] == 401
    assert http("POST", f"{stack.url}/api/v1/facility-reports/{rid}/contact", headers=login("clerk.utara"))[0] == 403
    assert http("POST", f"{stack.url}/api/v1/facility-reports/{rid}/contact",
                headers=login("super.jayapura"))[0] == 403
    status, _, revealed = http("POST", f"{stack.url}/api/v1/facility-reports/{rid}/contact", headers=sup)
    assert status == 200 and "34567890" in revealed["contact"]
    listed = {r["id"]: r for r in http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/facility-reports",
                                       headers=sup)[2]}
    entry = listed[rid]["history"][-1]
    assert entry["action"] == "contact_revealed" and entry["actor"] == "staff:super.utara" and entry["at"]
    assert HIDDEN not in listed[rid]["contact"]  # the list stays masked

    public = http("GET", f"{stack.url}/api/v1/facility-reports/{rid}")[2]
    assert public["state"] == "open" and public["answer"] is None
    close = f"{stack.url}/api/v1/facility-reports/{rid}/close"
    assert http("POST", close, {"answer": "ok"}, headers=sup)[0] == 422
    assert http("POST", close, {"answer": "Sudah dibersihkan"}, headers=login("super.jayapura"))[0] == 403
    status, _, closed = http("POST", close, {"answer": "Parkir motor dipindahkan, ramp bebas lagi."}, headers=sup)
    assert status == 200 and closed["state"] == "closed" and closed["history"][-1]["action"] == "closed"
    assert http("POST", close, {"answer": "Sekali lagi ditutup"}, headers=sup)[0] == 409
    status, _, public = http("GET", f"{stack.url}/api/v1/facility-reports/{rid}")
    assert status == 200 and public["answer"] == "Parkir motor dipindahkan, ramp bebas lagi."
    assert HIDDEN not in str(public) and "contact" not in public and "history" not in public
    assert public["at"].endswith("+07:00") and public["answered_at"].endswith("+07:00")  # WIB, the office's zone
    with urllib.request.urlopen(f"{stack.url}/report?number={rid}") as resp:
        page = resp.read().decode()
    assert "Parkir motor dipindahkan" in page and HIDDEN not in page
    assert http("GET", f"{stack.url}/api/v1/facility-reports/0000000000000000")[0] == 404


def test_a_report_without_a_contact_has_nothing_to_reveal(stack, login):
    status, _, made = http("POST", f"{stack.url}/api/v1/facilities/mgu-ramp-main/reports",
                           {"description": "Handrail is loose"})
    assert status == 201
    assert http("POST", f"{stack.url}/api/v1/facility-reports/{made['id']}/contact",
                headers=login("super.utara"))[0] == 409
