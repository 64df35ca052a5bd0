from gateway.cache import TtlCache


def test_loads_once_per_key_within_the_ttl():
    calls = []
    cache = TtlCache(60)
    for _ in range(3):
        assert cache.get("a", lambda: calls.append("a") or 1) == 1
    assert cache.get("b", lambda: calls.append("b") or 2) == 2
    assert calls == ["a", "b"]


def test_expired_entries_are_loaded_again():
    calls = []
    cache = TtlCache(0)
    cache.get("a", lambda: calls.append(1))
    cache.get("a", lambda: calls.append(1))
    assert len(calls) == 2
