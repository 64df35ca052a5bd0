"""Form posts of the pages: reading the body, the API's input rules, and the
messages next to each field (the controls themselves are the macros in
templates/macros.html)."""
import re
import urllib.parse

from marshmallow import ValidationError

from gateway.clients.errors import Invalid
from gateway.contract import IDEMPOTENCY_KEY_PATTERN
from services.common.errors import marshmallow_errors

MAX_BODY = 64_000
IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
_LENGTH = re.compile(r"^Length must be between (\d+) and (\d+)\.$")
_LENGTH_EQ = re.compile(r"^Length must be (\d+)\.$")
_ONE_OF = re.compile(r"^Must be one of: ")


class Form:
    """A posted application/x-www-form-urlencoded body."""

    def __init__(self, values):
        self.values = values  # {name: [values]}

    @classmethod
    def read(cls, req):
        body = req.bounded_stream.read(MAX_BODY).decode("utf-8", "replace")
        return cls(urllib.parse.parse_qs(body, keep_blank_values=True))

    def first(self, key, limit=1000):
        return (self.values.get(key) or [""])[0].strip()[:limit]

    def all(self, key):
        return [v for v in self.values.get(key, []) if v]

    def idempotency_key(self, req):
        """The form's key, scoped to the client as the API's keys are (gateway/resources/tickets.py)."""
        key = self.first("key", 128)
        return f"{req.context.client}|{key}" if IDEMPOTENCY_KEY.match(key) else None


def load(schema, data):
    """``data`` through the API's marshmallow schema: the same rules on both paths.
    A refusal is the clients' Invalid, shown like a service's."""
    try:
        return schema.load(data)
    except ValidationError as err:
        raise Invalid.fields(marshmallow_errors(err.messages)) from None


def field_id(name):
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def field_error(t, field, message):
    """A field message from the API in the page's language (static/js/forms.js does the same)."""
    known = t.api_error(message or "")
    if known:
        return known
    m = _LENGTH.match(message or "")
    if m:
        return t("err.length", min=m.group(1), max=m.group(2))
    m = _LENGTH_EQ.match(message or "")
    if m:
        return t("err.length_eq", n=int(m.group(1)))
    if _ONE_OF.match(message or ""):
        return t("err.choose")
    if field == "applicant.nik" and t.lang == "id" and message:
        return message  # the NIK checks (lokal) already speak Indonesian
    return t.get(f"err.field.{field}") or t("err.invalid")


def field_errors(t, exc):
    """[(field, message)] of a refusal, for the error summary and the fields."""
    return [(e["field"], field_error(t, e["field"], e["message"])) for e in exc.errors]


def parse_number(text):
    """'5000000', '5.000.000' or '2,5' as a number; the text itself when it is none."""
    raw = text.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", raw):
        raw = raw.replace(".", "")
    raw = raw.replace(",", ".")
    try:
        number = float(raw)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number
