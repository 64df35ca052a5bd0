"""The satisfaction survey and the supervisor's dashboard end to end in
headless Chromium against the real stack (tests/e2e/survey_flows.mjs).

A clerk serves a ticket through the API; then the citizen, on a 360 px phone,
sees the invitation appear on the ticket page when the clerk completes it, answers (once forgetting a
question), and sees the office's published IKM; a supervisor signs in to the
dashboard at 360 px and 1280 px and downloads a CSV. axe-core on every page."""
import pytest

from tests.e2e.conftest import PASSWORD, run_flow
from tests.support import http

pytestmark = pytest.mark.stack
OFFICE = "33.71.03"  # its own office: no other browser test touches its counters
CLERK, SUPERVISOR = "clerk.survey", "super.survey"


def token(stack, username):
    status, _, body = http("POST", f"{stack.url}/api/v1/auth/token", {"username": username, "password": PASSWORD})
    assert status == 200, body
    return {"Authorization": f"Bearer {body['access_token']}"}


@pytest.fixture(scope="module")
def run(stack):
    for username, role in ((CLERK, "clerk"), (SUPERVISOR, "supervisor")):
        made = stack.manage("create-staff", "--username", username, "--office", OFFICE, "--role", role,
                            stdin=PASSWORD + "\n")
        assert made.returncode == 0, made.stderr
    status, _, ticket = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/tickets", {"service": "KTP"})
    assert status == 201, ticket
    clerk = token(stack, CLERK)
    url = f"{stack.url}/api/v1/offices/{OFFICE}/counters/2/actions"
    for action in ("open", "call_next"):  # the browser flow completes it while the citizen watches
        assert http("POST", url, {"action": action}, headers=clerk)[0] == 200, action
    return run_flow("survey_flows.mjs", stack, "e2e-survey-results.json", SENJA_OFFICE=OFFICE,
                    SENJA_TOKEN=ticket["token"], SENJA_CLERK_TOKEN=clerk["Authorization"].split()[1], SENJA_SUPERVISOR=SUPERVISOR, SENJA_PASSWORD=PASSWORD)


def test_the_scenario_ran_to_the_end(run):
    assert run["ok"], run.get("error")


def test_citizen_answers_on_a_phone(run):
    checks = run["checks"]
    assert checks["invite_hidden_while_called"] is True and checks["completed"] == 200
    assert checks["invite"] == "Bagaimana layanan kami?"  # shown without a reload
    assert checks["form"] == {"radios": 36, "legends": 9}
    assert checks["missing"]["links"] == ["#f-scores-U9"]
    assert checks["missing"]["summary"] == "Sarana dan prasarana: Wajib diisi."
    assert checks["missing"]["kept"] is True
    assert checks["thanks"] == "Terima kasih"
    assert checks["again"] == "Survei untuk layanan ini sudah dijawab. Terima kasih."
    assert checks["survey_again_status"] == 409
    assert checks["ikm_value"] == "88,89"  # U1..U8 4,3,4,3,4,3,4,3 and U9 4: 32/9 × 25 = 88.89


@pytest.mark.parametrize("name", ["dashboard-phone", "dashboard-desktop"])
def test_dashboard_at_phone_and_desktop_width(run, name):
    found = run["checks"][name]
    assert found["charts"] == 4 and found["titles"] == 4  # counts, day waits, evening waits, IKM
    assert found["served"] == "1" and found["ikm"] == "88,89" and found["bookings"] == 1
    assert run["checks"][f"{name}_csv"] == f"senja-{OFFICE}-hours.csv"
    # The citizen's comment, markup and all, is text on the page: never rendered as HTML.
    assert found["comment"].endswith("Pelayanan malam sangat membantu <b>terima kasih</b>")
    assert found["comment_bold"] == 0


def test_every_page_is_axe_clean_reflows_and_keeps_the_csp(run):
    assert run["axe"], "axe ran"
    for page, found in run["axe"].items():
        assert found["serious"] == [], (page, found)
    assert all(width <= 320 for width in run["reflow"].values()), run["reflow"]
    assert run["csp_violations"] == [] and run["console_errors"] == []
    assert len(run["screenshots"]) >= 2 * 7
