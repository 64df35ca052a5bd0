"""Structured JSON logs that never carry personal data in clear.

Every record is rendered, then scrubbed: NIK-like 16-digit numbers, NIB-like
13-digit numbers and Indonesian phone numbers are masked whatever logged them
(our code, nameko, kombu or a traceback that echoes a payload).
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


def scrub(text):
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
