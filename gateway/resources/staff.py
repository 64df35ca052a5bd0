import falcon
from marshmallow import RAISE, Schema, fields, validate

from gateway.auth import staff
from gateway.errors import Problem
from gateway.validation import body


class Credentials(Schema):
    class Meta:
        unknown = RAISE

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class Token:
    def __init__(self, staff_store, signer):
        self.staff = staff_store
        self.signer = signer

    def on_post(self, req, resp):
        creds = body(req, Credentials())
        staff = self.staff.authenticate(creds["username"], creds["password"])
        if staff is None:
            raise Problem(falcon.HTTP_401, "Invalid credentials", "Wrong username or password")
        token, claims = self.signer.issue(staff)
        resp.media = {"access_token": token, "token_type": "Bearer",
                      "expires_in": claims["exp"] - claims["iat"], "role": staff["role"],
                      "office_ids": staff["office_ids"], "username": staff["username"]}


class Me:
    access = {"GET": staff("clerk")}

    def on_get(self, req, resp):
        staff = req.context.staff
        resp.media = {"username": staff["sub"], "role": staff["role"], "office_ids": staff["offices"]}
