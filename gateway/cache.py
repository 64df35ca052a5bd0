"""A tiny per-process cache with a time to live, for public reads that many
screens poll (the display board): at most one RPC per key per TTL."""
import threading
import time


class TtlCache:
    def __init__(self, ttl_seconds, max_entries=10_000):
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._data = {}
        self._lock = threading.Lock()

    def get(self, key, load):
        now = time.monotonic()
        with self._lock:
            hit = self._data.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        value = load()  # outside the lock: a slow RPC must not block other keys
        with self._lock:
            if len(self._data) >= self.max_entries:
                self._data.clear()
            self._data[key] = (now + self.ttl, value)
        return value
