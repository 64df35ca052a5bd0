"""Which device takes a ticket: the office's kiosk or a citizen's own phone.

A kiosk is provisioned once by opening ``/kiosk/{office_id}?kiosk_key=KEY``
(the key from ``python -m gateway.ratelimit kiosk-key OFFICE_ID``): the
gateway keeps the key in an HttpOnly cookie and drops it from the address.
Only that browser shows the printed-ticket view with its 60-second return to
the start; any other browser (a phone) goes to the ticket's own page, which
it remembers. The same cookie earns the kiosk's rate limit (gateway/ratelimit.py).
"""
import hmac

from gateway.ratelimit import kiosk_key

KIOSK_COOKIE = "senja_kiosk"
YEAR = 365 * 24 * 3600


def presented_key(req):
    """The kiosk key a request carries: the API's header, or the provisioned cookie."""
    return req.get_header("X-Kiosk-Key") or (req.get_cookie_values(KIOSK_COOKIE) or [None])[0]


def valid_key(secret, office_id, key):
    return bool(key) and hmac.compare_digest(key.encode(), kiosk_key(secret, office_id).encode())


def is_kiosk(req, secret, office_id):
    return valid_key(secret, office_id, presented_key(req))


def provision(req, resp, secret, office_id):
    """``?kiosk_key=`` on the kiosk page: True when it was valid and is now kept."""
    key = req.get_param("kiosk_key")
    if not valid_key(secret, office_id, key):
        return False
    resp.set_cookie(KIOSK_COOKIE, key, max_age=YEAR, path="/", http_only=True, same_site="Strict",
                    secure=req.forwarded_scheme == "https")
    return True
