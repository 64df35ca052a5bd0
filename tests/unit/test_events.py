import datetime as dt

import pytest

from services.common import events

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)


def test_publisher_cannot_invent_or_omit_fields():
    with pytest.raises(ValueError):
        events.dump("counter_opened", {"at": NOW, "actor": "x", "office_id": "33.71.02"})
    sent = []
    events.publish(lambda name, data: sent.append((name, data)), "counter_opened",
                   {"at": NOW, "actor": "staff:a", "office_id": "33.71.02", "counter_id": "1",
                    "services": ["KTP"]})
    assert sent[0][0] == "counter_opened" and sent[0][1]["at"].startswith("2026-11-23")


def test_handlers_ignore_fields_from_newer_publishers():
    data = events.load("office_updated", {"at": NOW.isoformat(), "actor": "x", "office_id": "1",
                                          "name": "n", "timezone": "Asia/Jakarta", "new": 1})
    assert "new" not in data


def test_every_event_names_its_source_service():
    assert {events.source(n) for n in events.EVENTS} == {"queue", "permits", "accessibility"}
