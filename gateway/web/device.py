"""Which device takes a ticket: the office's kiosk or a citizen's own phone.

A kiosk is provisioned once by opening ``/kiosk/{office_id}?kiosk_key=KEY``
(the key from ``python -m gateway.ratelimit kiosk-key OFFICE_ID``): the
gateway keeps the key in an HttpOnly cookie and drops it from the address.
Only that browser shows the printed-ticket view with its 60-second return to
the start; any other browser (a phone) goes to the ticket's own page, which
it remembers. The same cookie earns the kiosk's rate limit (gateway/ratelimit.py).
"""
from gateway.ratelimit import KIOSK_COOKIE, kiosk_key_valid, presented_kiosk_key

YEAR = 365 * 24 * 3600


def is_kiosk(req, secret, office_id):
    return kiosk_key_valid(secret, office_id, presented_kiosk_key(req))


def provision(req, resp, secret, office_id):
    """``?kiosk_key=`` on the kiosk page: True when it was valid and is now kept."""
    key = req.get_param("kiosk_key")
    if not kiosk_key_valid(secret, office_id, key):
        return False
    resp.set_cookie(KIOSK_COOKIE, key, max_age=YEAR, path="/", http_only=True, same_site="Strict",
                    secure=req.forwarded_scheme == "https")
    return True
