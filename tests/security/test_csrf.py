"""Cross-site request forgery on the real stack: a page's form post that
another site makes a citizen's browser send changes nothing; the same post
from our own page goes through (gateway/web/csrf.py)."""
import urllib.parse

from gateway.ratelimit import kiosk_key
from tests.security.conftest import OFFICE, client_ip
from tests.support import http

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def waiting(stack):
    status, _, services = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/services")
    assert status == 200
    return sum(s["waiting"] for s in services)


def test_a_cross_site_kiosk_post_issues_no_ticket(stack):
    body = urllib.parse.urlencode({"service": "UMUM"}).encode()
    before = waiting(stack)
    for forged in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        status, headers, page = http("POST", f"{stack.url}/kiosk/{OFFICE}", body,
                                     headers={**FORM, **forged, "X-Forwarded-For": client_ip(40)})
        assert status == 403 and headers["Content-Type"].startswith("text/html"), forged
        assert "dikirim dari situs lain" in page
    assert waiting(stack) == before


def test_the_kiosk_post_from_our_own_page_issues_a_ticket(stack):
    body = urllib.parse.urlencode({"service": "UMUM"}).encode()
    before = waiting(stack)
    status, _, page = http("POST", f"{stack.url}/kiosk/{OFFICE}", body,
                           headers={**FORM, "Origin": stack.url, "Sec-Fetch-Site": "same-origin",
                                    "X-Forwarded-For": client_ip(41),
                                    "X-Kiosk-Key": kiosk_key(stack.secret, OFFICE)})  # the office's kiosk
    assert status == 201 and 'class="ticket-number"' in page
    assert waiting(stack) == before + 1
    # From a phone (no kiosk key) the same post goes on to the ticket's own page.
    status, _, page = http("POST", f"{stack.url}/kiosk/{OFFICE}", body,
                           headers={**FORM, "Origin": stack.url, "Sec-Fetch-Site": "same-origin",
                                    "X-Forwarded-For": client_ip(42)})
    assert status == 200 and 'id="cancel-form"' in page  # after the 303 to /t/{token}
    assert waiting(stack) == before + 2
