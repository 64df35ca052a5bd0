"""Staff sign-in: a signed bearer token, and who the token says one is."""
import falcon
from marshmallow import RAISE, Schema, fields, validate

from gateway.auth import MAX_PASSWORD, ROLES, HashingBusy, staff
from gateway.clients.errors import Invalid
from gateway.contract import operation
from gateway.errors import Problem
from gateway.validation import load


class Credentials(Schema):
    class Meta:
        unknown = RAISE

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))


class StaffView(Schema):
    username = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    office_ids = fields.List(fields.String(), required=True)


class TokenView(StaffView):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, validate=validate.OneOf(("Bearer",)))
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


class Token:
    """Log in (POST) and out (DELETE, with the bearer token)."""

    access = {"DELETE": staff("clerk")}

    def __init__(self, staff_store, signer, throttle):
        self.staff = staff_store
        self.signer = signer
        self.throttle = throttle

    @operation("Staff login", {200: TokenView}, body=Credentials, refusals=[401, 429], tags=["staff"],
               description="Failed logins are throttled per username and per address (429 with "
                           "Retry-After); a burst of logins beyond the hasher's capacity gets 503.")
    def on_post(self, req, resp):
        resp.set_header("Cache-Control", "no-store")
        creds = load(Credentials(), req.get_media())
        username, address = creds["username"], req.context.client
        wait = self.throttle.wait_seconds(username, address)
        if wait:
            raise Problem(falcon.HTTP_429, "Too many failed logins",
                          f"Too many failed logins for this account or address; try again in {wait} s",
                          headers={"Retry-After": str(wait)}, reason="login_throttled")
        try:
            account = self.staff.authenticate(username, creds["password"])
        except HashingBusy:
            raise Problem(falcon.HTTP_503, "Busy", "Too many logins at once; try again shortly",
                          headers={"Retry-After": "1"}, reason="login_busy")
        if account is None:
            self.throttle.failed(username, address)
            raise Problem(falcon.HTTP_401, "Invalid credentials", "Wrong username or password")
        self.throttle.succeeded(username)
        token, claims = self.signer.issue(account)
        resp.media = TokenView().dump({**account, "access_token": token, "token_type": "Bearer",
                                       "expires_in": claims["exp"] - claims["iat"]})

    @operation("Log out: the bearer token is revoked", {204: None}, tags=["staff"])
    def on_delete(self, req, resp):
        self.staff.revoke(req.context.staff)
        resp.status = falcon.HTTP_204


class LockQuery(Schema):
    class Meta:
        unknown = RAISE

    username = fields.String(validate=validate.Length(min=1, max=64))
    address = fields.IP(metadata={"description": "the client address the lock was put on"})


class Lifted(Schema):
    lifted = fields.Integer(required=True, metadata={"description": "locks removed (0: there was none)"})


class LoginLocks:
    """An admin lifts a login lock from the API as well as from ``manage unlock-staff``."""

    access = {"DELETE": staff("admin")}

    def __init__(self, throttle):
        self.throttle = throttle

    @operation("Lift the lock that repeated failed logins put on an account or an address",
               {200: Lifted}, query=LockQuery, tags=["staff"])
    def on_delete(self, req, resp):
        query = load(LockQuery(), dict(req.params), where="query")
        if not query:
            raise Invalid.fields([("username", "give username, address or both")])
        resp.set_header("Cache-Control", "no-store")
        address = str(query["address"]) if "address" in query else None
        resp.media = {"lifted": self.throttle.unlock(query.get("username"), address)}


class Me:
    access = {"GET": staff("clerk")}

    @operation("The signed-in staff member", {200: StaffView}, tags=["staff"])
    def on_get(self, req, resp):
        claims = req.context.staff
        resp.media = StaffView().dump({"username": claims["sub"], "role": claims["role"],
                                       "office_ids": claims["offices"]})
