"""Attack: enumerate tracking codes (or permit numbers on /verify) from one
address. Both lookups are throttled per address like the other public reads
that could be enumerated (30 at once, 60 a minute); another address is not
affected."""
import secrets

import pytest

from gateway.resources.permits import LOOKUPS
from tests.security.conftest import client_ip
from tests.support import http


def guess():
    return f"IUMK-2612-{secrets.token_hex(4).upper()}"


@pytest.mark.parametrize("path", ["/api/v1/permits/{code}", "/api/v1/verify/{code}?code=AAAAAAAA"])
def test_guessing_codes_from_one_address_is_throttled(stack, path):
    n = 170 if "permits" in path else 180
    url = stack.url + path
    # The buckets live in each of the stack's 2 gunicorn workers: at most twice the burst.
    statuses = [http("GET", url.format(code=guess()), headers={"X-Forwarded-For": client_ip(n)})
                for _ in range(int(LOOKUPS.burst) * 2 + 10)]
    codes = [s for s, _, _ in statuses]
    assert codes[:int(LOOKUPS.burst)].count(429) == 0
    assert 429 in codes
    throttled = next(r for r in statuses if r[0] == 429)
    assert int(throttled[1]["Retry-After"]) >= 1
    assert http("GET", url.format(code=guess()), headers={"X-Forwarded-For": client_ip(n + 1)})[0] != 429
