"""Staff accounts, signed tokens and the one way routes declare who may call them.

Tokens are HMAC-SHA256 signed (key: SENJA_SECRET) and carry the username,
role, office ids, a token id (``jti``) and the account's version (``ver``);
they expire. Every staff request also checks the account: a token whose
account is gone or disabled, whose version changed (new password, disabled,
replaced) or whose id was revoked (logout) is refused. Passwords are hashed
with argon2id, at most ``HASH_CONCURRENCY`` at a time per worker, and failed
logins are throttled per username and per address (``LoginThrottle``).
"""
import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import threading
import time

import falcon
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo.errors import DuplicateKeyError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from gateway.errors import Problem

ROLES = ("clerk", "supervisor", "admin")
RANK = {role: i for i, role in enumerate(ROLES)}
TOKEN_SECONDS = 12 * 3600  # one evening shift and some

# Password policy (OWASP ASVS 4.0 V2.1.1, V2.1.7): at least 12 characters, not only
# whitespace, not the username, not one of the 30,000 most common passwords (the
# list zxcvbn ships, from leaked-password corpora).
MIN_PASSWORD = 12
MAX_PASSWORD = 256
COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
OFFICE_ID = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
# Password hashes running at once per gunicorn worker: argon2id is meant to be slow,
# so a burst of guesses must queue here instead of taking every core from the board.
HASH_CONCURRENCY = 1
HASH_WAIT_SECONDS = 0  # waiting would hold a gunicorn thread the board needs


def password_problem(password, username):
    """Why ``password`` may not be used for ``username``, or None."""
    if not password.strip():
        return "must not be whitespace only"
    if len(password) < MIN_PASSWORD:
        return f"must have at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"must have at most {MAX_PASSWORD} characters"
    if password.strip().lower() == username.lower():
        return "must not be the username"
    if password.lower() in COMMON_PASSWORDS:
        return "is one of the most common passwords"
    return None


def account_problems(username, role, office_ids):
    problems = []
    if not USERNAME.match(username or ""):
        problems.append("username must be 2–64 lower-case letters, digits or . _ - ")
    if role not in RANK:
        problems.append(f"role must be one of {ROLES}")
    if not office_ids or any(not OFFICE_ID.match(o) for o in office_ids):
        problems.append("office ids must be Kemendagri kecamatan codes like 33.71.02")
    return problems


class HashingBusy(Exception):
    """Too many password checks at once in this worker."""


class TokenSigner:
    def __init__(self, secret, lifetime=TOKEN_SECONDS):
        self.key = hashlib.sha256(b"senja-staff-token|" + secret.encode()).digest()
        self.lifetime = lifetime

    def issue(self, staff, now=None):
        now = int(now or time.time())
        claims = {"sub": staff["username"], "role": staff["role"],
                  "offices": staff["office_ids"], "iat": now, "exp": now + self.lifetime,
                  "jti": secrets.token_hex(8), "ver": staff.get("version", "")}
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
        self._hashing = threading.BoundedSemaphore(HASH_CONCURRENCY)
        # Verify against a real hash when the user is unknown: same timing either way.
        self._dummy = self.hasher.hash(secrets.token_hex(16))

    def create(self, username, password, role, office_ids, replace=False):
        problems = account_problems(username, role, office_ids)
        if problems:
            raise ValueError("; ".join(problems))
        self._check_password(password, username)
        # A new version ends every token of the account it replaces.
        doc = {"_id": username, "password_hash": self.hasher.hash(password), "role": role,
               "office_ids": list(office_ids), "active": True, "version": secrets.token_hex(8),
               "revoked": [], "created_at": dt.datetime.now(dt.timezone.utc)}
        if replace:
            self.staff.replace_one({"_id": username}, doc, upsert=True)
        else:
            try:
                self.staff.insert_one(doc)
            except DuplicateKeyError:
                raise ValueError(f"staff account {username} exists")
        return {"username": username, "role": role, "office_ids": list(office_ids)}

    def _check_password(self, password, username):
        problem = password_problem(password, username)
        if problem:
            raise ValueError(f"password {problem}")

    def authenticate(self, username, password):
        """The account, or None for a wrong username or password; HashingBusy when this
        worker is already checking HASH_CONCURRENCY passwords for longer than a moment."""
        doc = self.staff.find_one({"_id": username})
        if not self._hashing.acquire(timeout=HASH_WAIT_SECONDS):
            raise HashingBusy()
        try:
            self.hasher.verify(doc["password_hash"] if doc else self._dummy, password)
        except (VerificationError, InvalidHashError):
            return None
        finally:
            self._hashing.release()
        if not doc or not doc.get("active", True):
            return None
        return {"username": doc["_id"], "role": doc["role"], "office_ids": doc["office_ids"],
                "version": doc.get("version", "")}

    # --- sessions: what ends a token before it expires ---------------------------------
    def session_valid(self, claims):
        doc = self.staff.find_one({"_id": claims.get("sub")}, {"active": 1, "version": 1, "revoked": 1})
        return bool(doc and doc.get("active", True)
                    and hmac.compare_digest(str(doc.get("version", "")), str(claims.get("ver", "")))
                    and claims.get("jti") not in {r["jti"] for r in doc.get("revoked", [])})

    def revoke(self, claims, now=None):
        """Logout: this token ends; revoked ids are kept until the token would have expired."""
        now = now or time.time()
        doc = self.staff.find_one({"_id": claims["sub"]}, {"revoked": 1}) or {}
        kept = [r for r in doc.get("revoked", []) if r["exp"] > now]
        self.staff.update_one({"_id": claims["sub"]},
                              {"$set": {"revoked": kept + [{"jti": claims["jti"], "exp": claims["exp"]}]}})

    def set_password(self, username, password):
        self._check_password(password, username)
        return self._change(username, {"password_hash": self.hasher.hash(password)})

    def set_active(self, username, active):
        return self._change(username, {"active": bool(active)})

    def delete(self, username):
        return self.staff.delete_one({"_id": username}).deleted_count == 1

    def _change(self, username, fields):
        """Any change to an account ends its tokens (a new version)."""
        done = self.staff.update_one({"_id": username},
                                     {"$set": {**fields, "version": secrets.token_hex(8), "revoked": []}})
        if done.matched_count != 1:
            raise ValueError(f"no staff account {username}")


class LoginThrottle:
    """Failed logins, per username and per address, in the gateway's database (shared by
    every worker and replica). After ``FREE`` failures each further attempt waits
    2^(n-FREE) seconds after the last failure (capped at ``MAX_DELAY``); at ``LIMITS``
    failures the key is locked for ``LOCK_SECONDS``. A success clears the username's
    count; an admin lifts a lock with ``python -m gateway.manage unlock-staff`` or
    ``DELETE /api/v1/auth/locks?username=&address=``.

    An office's staff share one address behind its router, so the address allows more
    failures than a username does."""

    FREE = {"user": 3, "addr": 10}     # failures before the back-off starts
    MAX_DELAY = 300
    LIMITS = {"user": 10, "addr": 50}  # failures before the lock
    LOCK_SECONDS = 30 * 60
    FORGET_SECONDS = 60 * 60  # failures older than this (and no lock) are forgotten

    def __init__(self, db, clock=time.time):
        self.failures = db.login_failures
        self.clock = clock

    @staticmethod
    def keys(username, address):
        return [f"user:{username.lower()}", f"addr:{address}"]

    def wait_seconds(self, username, address):
        """Seconds until a login attempt may be tried, 0 when it may be tried now."""
        now = self.clock()
        wait = 0
        for doc in self.failures.find({"_id": {"$in": self.keys(username, address)}}):
            if self._forgotten(doc, now):
                continue
            wait = max(wait, doc.get("locked_until", 0) - now,
                       doc["last"] + self._delay(doc["_id"], doc["count"]) - now)
        return max(0, int(wait + 0.999))

    def failed(self, username, address):
        now = self.clock()
        for key in self.keys(username, address):
            doc = self.failures.find_one({"_id": key})
            count = 1 if doc is None or self._forgotten(doc, now) else doc["count"] + 1
            update = {"count": count, "last": now}
            if count >= self.LIMITS[key.split(":")[0]]:
                update["locked_until"] = now + self.LOCK_SECONDS
            self.failures.update_one({"_id": key}, {"$set": update}, upsert=True)

    def succeeded(self, username):
        self.failures.delete_one({"_id": f"user:{username.lower()}"})

    def unlock(self, username=None, address=None):
        keys = ([f"user:{username.lower()}"] if username else []) + ([f"addr:{address}"] if address else [])
        return sum(self.failures.delete_one({"_id": k}).deleted_count for k in keys)

    def _forgotten(self, doc, now):
        return doc.get("locked_until", 0) <= now and now - doc["last"] > self.FORGET_SECONDS

    def _delay(self, key, count):
        free = self.FREE[key.split(":")[0]]
        return 0 if count < free else min(self.MAX_DELAY, 2 ** (count - free))


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

    def __init__(self, signer, sessions=None):
        self.signer = signer
        self.sessions = sessions  # a StaffStore: logout, disabled accounts, new passwords

    def process_resource(self, req, resp, resource, params):
        rule = (getattr(resource, "access", None) or {}).get(req.method)
        if rule is not None:
            req.context.staff = self.check(req, rule, params)

    def process_response(self, req, resp, resource, req_succeeded):
        # What staff see carries personal data: no cache (browser or proxy) may keep it.
        if req.context.get("staff_authenticated"):
            resp.set_header("Cache-Control", "no-store")

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
        if claims is not None and self.sessions is not None and not self.sessions.session_valid(claims):
            claims = None
        req.context.staff_authenticated = True
        if claims is None:
            raise Problem(falcon.HTTP_401, "Invalid token", "The token is invalid or has expired",
                          headers={"WWW-Authenticate": 'Bearer realm="senja", error="invalid_token"'})
        return claims

    @staticmethod
    def check_office(claims, office_id):
        if office_id not in claims["offices"]:
            raise Problem(falcon.HTTP_403, "Forbidden", "Your account is not for this office")
