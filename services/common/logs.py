"""Structured JSON logs that never carry personal data in clear.

Every record is rendered, then scrubbed: NIK-like 16-digit numbers, NIB-like
13-digit numbers and Indonesian phone numbers are masked whatever logged them
(our code, nameko, kombu or a traceback that echoes a payload). Hex
identifiers (request ids, ticket ids, ObjectIds, digests, UUIDs) are left
exactly as they are: a 32-hex request id may hold 16 digits in a row, and a
log whose request ids were rewritten cannot be followed.
"""
import json
import logging
import re
import sys
import time
from contextvars import ContextVar

request_id_var = ContextVar("senja_request_id", default=None)

_PII = [
    # NIK (16 digits) and NIB (13 digits), also when grouped with dots/spaces.
    (re.compile(r"(?<!\d)\d{6}[ .-]?\d{6}[ .-]?\d{4}(?!\d)"), "[NIK]"),
    (re.compile(r"(?<!\d)\d{13}(?!\d)"), "[NIB]"),
    # Phone: 08…, 628…, +62 8… with 8–13 more digits, separators allowed.
    (re.compile(r"(?<![\w])(?:\+62|62|0)[ -]?8[\d -]{7,14}\d(?!\d)"), "[PHONE]"),
]


# A whole hex word of an identifier's length (UUID, 16/24/32/40/64 hex digits) with at
# least one letter: never a NIK, NIB or phone number, which are digits only.
_HEX_ID = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|(?=[0-9a-fA-F]*[a-fA-F])(?:[0-9a-fA-F]{64}|[0-9a-fA-F]{40}|[0-9a-fA-F]{32}"
    r"|[0-9a-fA-F]{24}|[0-9a-fA-F]{16}))(?![0-9A-Za-z])")


def scrub(text):
    """``text`` with personal data masked; hex identifiers kept as they are."""
    kept, last = [], 0
    for match in _HEX_ID.finditer(text):
        kept.append(_mask(text[last:match.start()]))
        kept.append(match.group())
        last = match.end()
    kept.append(_mask(text[last:]))
    return "".join(kept)


def _mask(text):
    for pattern, replacement in _PII:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    def __init__(self, component):
        super().__init__()
        self.component = component

    def format(self, record):
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + ".%03dZ" % record.msecs,
            "level": record.levelname,
            "component": self.component,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id_var.get()
        if rid:
            entry["request_id"] = rid
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return scrub(json.dumps(entry, ensure_ascii=False, default=str))


def configure(component, level="INFO", stream=None):
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(component))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("amqp", "kombu", "pymongo", "urllib3"):
        logging.getLogger(noisy).setLevel("WARNING")
    return root
