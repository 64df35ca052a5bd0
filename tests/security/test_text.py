"""Attack: names and free text with NUL, control characters, bidi overrides or
zero-width characters, which would spoof what a clerk, a display board or a
printed permit shows. Every such field refuses them with 422 (field and reason)."""
import pytest

from services.common.text import Text, unsafe_character
from tests.security.conftest import OFFICE, application, bearer, client_ip
from tests.support import http

HOSTILE = {"NUL": "Budi\x00Santoso", "escape": "Budi\x1b[2JSantoso", "RLO": "Budi \u202eosotnaS",
           "isolate": "Budi \u2066x\u2069", "zero-width space": "Bu\u200bdi", "ZWJ": "Bu\u200ddi",
           "BOM": "\ufeffBudi", "line separator in a name": "Budi\u2028Santoso"}
PLAIN = ["Budi Santoso", "Siti Nur'aini", "Ni Luh Putu Ayu", "Toko Kue “Bu Ani” — Jl. Ahmad Yani 5"]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_text_fields_refuse_hidden_characters(name):
    assert unsafe_character(HOSTILE[name]) is not None
    assert unsafe_character(HOSTILE[name], multiline=True) is not None


@pytest.mark.parametrize("text", PLAIN + ["baris satu\nbaris dua\tindented"])
def test_ordinary_text_passes(text):
    assert unsafe_character(text, multiline=True) is None
    assert Text(multiline=True).deserialize(text) == text


def test_a_single_line_field_refuses_a_line_feed():
    assert unsafe_character("Budi\nSantoso") == "\n"


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_an_application_with_a_hidden_character_is_422(stack, kind):
    status, _, problem = http("POST", f"{stack.url}/api/v1/permits", application(HOSTILE[kind]),
                              headers={"X-Forwarded-For": client_ip(150)})
    assert status == 422, problem
    assert problem["errors"] == [{"field": "applicant.name",
                                  "message": problem["errors"][0]["message"]}]
    assert "invisible character" in problem["errors"][0]["message"]


def test_a_board_notice_with_a_bidi_override_is_422(stack, token):
    status, _, problem = http("POST", f"{stack.url}/api/v1/offices/{OFFICE}/notices",
                              {"text": "Loket 2 \u202etutup"}, headers=bearer(token("supervisor")))
    assert status == 422, problem
    assert problem["errors"][0]["field"] == "text"
