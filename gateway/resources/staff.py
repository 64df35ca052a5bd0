import falcon
from marshmallow import RAISE, Schema, fields, validate

from gateway.auth import MAX_PASSWORD, HashingBusy, staff
from gateway.errors import Problem
from gateway.validation import body


class Credentials(Schema):
    class Meta:
        unknown = RAISE

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))


class Token:
    """Log in (POST) and out (DELETE, with the bearer token)."""

    access = {"DELETE": staff("clerk")}

    def __init__(self, staff_store, signer, throttle):
        self.staff = staff_store
        self.signer = signer
        self.throttle = throttle

    def on_post(self, req, resp):
        resp.set_header("Cache-Control", "no-store")
        creds = body(req, Credentials())
        username, address = creds["username"], req.context.client
        wait = self.throttle.wait_seconds(username, address)
        if wait:
            raise Problem(falcon.HTTP_429, "Too many failed logins",
                          f"Too many failed logins for this account or address; try again in {wait} s",
                          headers={"Retry-After": str(wait)}, reason="login_throttled")
        try:
            staff = self.staff.authenticate(username, creds["password"])
        except HashingBusy:
            raise Problem(falcon.HTTP_503, "Busy", "Too many logins at once; try again shortly",
                          headers={"Retry-After": "1"}, reason="login_busy")
        if staff is None:
            self.throttle.failed(username, address)
            raise Problem(falcon.HTTP_401, "Invalid credentials", "Wrong username or password")
        self.throttle.succeeded(username)
        token, claims = self.signer.issue(staff)
        resp.media = {"access_token": token, "token_type": "Bearer",
                      "expires_in": claims["exp"] - claims["iat"], "role": staff["role"],
                      "office_ids": staff["office_ids"], "username": staff["username"]}

    def on_delete(self, req, resp):
        self.staff.revoke(req.context.staff)
        resp.status = falcon.HTTP_204


class Me:
    access = {"GET": staff("clerk")}

    def on_get(self, req, resp):
        staff = req.context.staff
        resp.media = {"username": staff["sub"], "role": staff["role"], "office_ids": staff["offices"]}
