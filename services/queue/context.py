"""What the queue's workflows work with: a store, a clock and the secret, plus
where their events go and what may wait until the caller has its answer.

The nameko service builds one per worker (events to its dispatcher, ``later``
after the RPC reply); the benchmark's monolith and the unit tests build their
own, without nameko.
"""
import dataclasses
import datetime as dt
from typing import Callable, Optional

from services.common import events


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


def _now(fn):
    fn()


@dataclasses.dataclass
class Context:
    store: object                      # services.queue.storage.QueueStore
    secret: str                        # keys the citizens' ticket tokens
    clock: Callable[[], dt.datetime] = utcnow
    dispatch: Optional[Callable[[str, dict], None]] = None   # (event name, JSON payload)
    later: Callable[[Callable[[], None]], None] = _now   # run after the answer is sent
    request_id: Optional[str] = None

    def publish(self, name, payload):
        """Validate the event against its schema, then hand it on (if anyone listens)."""
        data = events.dump(name, {**payload, "request_id": self.request_id})
        if self.dispatch is not None:
            self.dispatch(name, data)
