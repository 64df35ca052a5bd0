"""Staff accounts, signed tokens and the one way routes declare who may call them.

Tokens are HMAC-SHA256 signed (key: SENJA_SECRET) and carry the username,
role and office ids; they expire. Passwords are hashed with argon2id.
"""
import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time

import falcon
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo.errors import DuplicateKeyError

from gateway.errors import Problem

ROLES = ("clerk", "supervisor", "admin")
RANK = {role: i for i, role in enumerate(ROLES)}
TOKEN_SECONDS = 12 * 3600  # one evening shift and some


class TokenSigner:
    def __init__(self, secret, lifetime=TOKEN_SECONDS):
        self.key = hashlib.sha256(b"senja-staff-token|" + secret.encode()).digest()
        self.lifetime = lifetime

    def issue(self, staff, now=None):
        now = int(now or time.time())
        claims = {"sub": staff["username"], "role": staff["role"],
                  "offices": staff["office_ids"], "iat": now, "exp": now + self.lifetime,
                  "jti": secrets.token_hex(8)}
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}", claims

    def verify(self, token, now=None):
        """Claims, or None when the token is malformed, tampered with or expired."""
        try:
            payload, signature = token.split(".")
        except (ValueError, AttributeError):
            return None
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            return None
        if claims.get("exp", 0) <= (now or time.time()) or claims.get("role") not in RANK:
            return None
        return claims

    def _sign(self, payload):
        return _b64(hmac.new(self.key, payload.encode(), hashlib.sha256).digest())


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class StaffStore:
    """Staff accounts in the gateway's own database (``senja_gateway``)."""

    def __init__(self, db):
        self.staff = db.staff
        self.hasher = PasswordHasher()
        # Verify against a real hash when the user is unknown: same timing either way.
        self._dummy = self.hasher.hash(secrets.token_hex(16))

    def create(self, username, password, role, office_ids, replace=False):
        if role not in RANK:
            raise ValueError(f"role must be one of {ROLES}")
        if len(password) < 10:
            raise ValueError("password must have at least 10 characters")
        doc = {"_id": username, "password_hash": self.hasher.hash(password), "role": role,
               "office_ids": list(office_ids), "active": True,
               "created_at": dt.datetime.now(dt.timezone.utc)}
        if replace:
            self.staff.replace_one({"_id": username}, doc, upsert=True)
        else:
            try:
                self.staff.insert_one(doc)
            except DuplicateKeyError:
                raise ValueError(f"staff account {username} exists")
        return {"username": username, "role": role, "office_ids": list(office_ids)}

    def authenticate(self, username, password):
        doc = self.staff.find_one({"_id": username})
        try:
            self.hasher.verify(doc["password_hash"] if doc else self._dummy, password)
        except (VerificationError, InvalidHashError):
            return None
        if not doc or not doc.get("active", True):
            return None
        return {"username": doc["_id"], "role": doc["role"], "office_ids": doc["office_ids"]}


class Rule:
    """Who may call a responder: a minimum role, optionally scoped to the office
    named by a URI parameter. Resources declare ``access = {"POST": staff("clerk",
    office="office_id")}``; responders without a rule are public."""

    def __init__(self, role, office=None):
        assert role in RANK
        self.role = role
        self.office = office


def staff(role="clerk", office=None):
    return Rule(role, office)


class Authorizer:
    """Checks the rules; as middleware it runs before every responder."""

    def __init__(self, signer):
        self.signer = signer

    def process_resource(self, req, resp, resource, params):
        rule = (getattr(resource, "access", None) or {}).get(req.method)
        if rule is not None:
            req.context.staff = self.check(req, rule, params)

    def check(self, req, rule, params):
        claims = self.claims(req)
        if RANK[claims["role"]] < RANK[rule.role]:
            raise Problem(falcon.HTTP_403, "Forbidden", f"This needs the {rule.role} role")
        if rule.office is not None:
            self.check_office(claims, params[rule.office])
        return claims

    def claims(self, req):
        header = req.get_header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Problem(falcon.HTTP_401, "Authentication required",
                          "Send a staff token: Authorization: Bearer <token>",
                          headers={"WWW-Authenticate": 'Bearer realm="senja"'})
        claims = self.signer.verify(token.strip())
        if claims is None:
            raise Problem(falcon.HTTP_401, "Invalid token", "The token is invalid or has expired",
                          headers={"WWW-Authenticate": 'Bearer realm="senja", error="invalid_token"'})
        return claims

    @staticmethod
    def check_office(claims, office_id):
        if office_id not in claims["offices"]:
            raise Problem(falcon.HTTP_403, "Forbidden", "Your account is not for this office")
