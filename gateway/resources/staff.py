"""Staff sign-in: a signed bearer token, and who the token says one is."""
import falcon
from marshmallow import RAISE, Schema, fields, validate

from gateway.auth import ROLES, staff
from gateway.contract import operation
from gateway.errors import Problem
from gateway.validation import load


class Credentials(Schema):
    class Meta:
        unknown = RAISE

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class StaffView(Schema):
    username = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    office_ids = fields.List(fields.String(), required=True)


class TokenView(StaffView):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, validate=validate.OneOf(("Bearer",)))
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


class Token:
    def __init__(self, staff_store, signer):
        self.staff = staff_store
        self.signer = signer

    @operation("Staff login", {200: TokenView}, body=Credentials, refusals=[401], tags=["staff"])
    def on_post(self, req, resp):
        creds = load(Credentials(), req.get_media())
        account = self.staff.authenticate(creds["username"], creds["password"])
        if account is None:
            raise Problem(falcon.HTTP_401, "Invalid credentials", "Wrong username or password")
        token, claims = self.signer.issue(account)
        resp.media = TokenView().dump({**account, "access_token": token, "token_type": "Bearer",
                                       "expires_in": claims["exp"] - claims["iat"]})


class Me:
    access = {"GET": staff("clerk")}

    @operation("The signed-in staff member", {200: StaffView}, tags=["staff"])
    def on_get(self, req, resp):
        claims = req.context.staff
        resp.media = StaffView().dump({"username": claims["sub"], "role": claims["role"],
                                       "office_ids": claims["offices"]})
