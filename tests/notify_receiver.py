"""A provider's webhook and a Web Push service, local, for the stack and fault
tests: a real HTTP server in a thread that checks what a real one checks
(the HMAC signature; the VAPID JWT and the RFC 8291 encrypted payload) and
records what it acknowledged."""
import base64
import hashlib
import hmac
import http.server
import json
import os
import threading
import time

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class PushSubscriber:
    """A browser's side of Web Push: its key pair and auth secret (RFC 8291 §2)."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription(self):
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)}}

    def decrypt(self, body):
        return json.loads(http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth,
                                           version="aes128gcm"))


def vapid_problems(authorization, audience, public_key=None):
    """What is wrong with a "vapid t=<JWT>,k=<key>" header (RFC 8292), or []."""
    if not authorization.startswith("vapid "):
        return ["not the vapid scheme"]
    parts = dict(p.strip().split("=", 1) for p in authorization[6:].split(","))
    token, key = parts.get("t", ""), parts.get("k", "")
    if public_key is not None and key != public_key:
        return ["k is not the server's public key"]
    head, claims, sig = token.split(".")
    raw = b64url_decode(sig)
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    verifier = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    try:
        verifier.verify(signature, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except Exception:
        return ["bad ES256 signature"]
    header, body = json.loads(b64url_decode(head)), json.loads(b64url_decode(claims))
    problems = []
    if header.get("alg") != "ES256":
        problems.append("alg is not ES256")
    if body.get("aud") != audience:
        problems.append(f"aud {body.get('aud')} is not {audience}")
    if not time.time() < body.get("exp", 0) <= time.time() + 24 * 3600:
        problems.append("exp is not within 24 hours")
    if not str(body.get("sub", "")).startswith(("mailto:", "https:")):
        problems.append("sub is not a contact")
    return problems


class Receiver:
    """POST /hook: the provider's webhook; POST /push/<name>: a push service.
    ``fail_first``: answer 500 to the first attempts of each message id."""

    def __init__(self, port, secret, fail_first=0, vapid_public_key=None, hold_first=0.0):
        self.port = port
        self.hold_first = hold_first   # the first attempt of each id waits this long, then 500
        self.in_flight = threading.Event()
        self.secret = secret
        self.fail_first = fail_first
        self.vapid_public_key = vapid_public_key
        self.lock = threading.Lock()
        self.attempts = {}     # id -> attempts seen
        self.messages = {}     # id -> the message as last posted (acknowledged or not)
        self.acked = []        # (id, body, received monotonic time) answered 2xx
        self.rejected = []     # why a request was refused (bad signature...)
        self.subscribers = {}  # push name -> PushSubscriber
        self.pushes = []       # (name, decrypted payload, time)
        self.gone = set()      # push names answered 410
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.handle(self.path, self.headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.thread.start()
        return self

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def subscriber(self, name):
        self.subscribers[name] = PushSubscriber(f"{self.url}/push/{name}")
        return self.subscribers[name]

    def handle(self, path, headers, body):
        if path == "/hook":
            expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(headers.get("X-Senja-Signature", ""), expected):
                self.rejected.append("bad signature")
                return 401
            message = json.loads(body)
            return self._count(message["id"], message)
        name = path.rsplit("/", 1)[-1]
        if name in self.gone:
            return 410
        problems = vapid_problems(headers.get("Authorization", ""), self.url, self.vapid_public_key)
        if problems or headers.get("Content-Encoding") != "aes128gcm" or not headers.get("TTL"):
            self.rejected.append(problems or "headers")
            return 401
        payload = self.subscribers[name].decrypt(body)
        status = self._count(payload["id"], payload)
        if status == 201:
            self.pushes.append((name, payload, time.monotonic()))
        return status

    def _count(self, message_id, message):
        with self.lock:
            self.attempts[message_id] = self.attempts.get(message_id, 0) + 1
            self.messages[message_id] = message
            attempt = self.attempts[message_id]
        if attempt == 1 and self.hold_first:
            self.in_flight.set()
            time.sleep(self.hold_first)  # the sender may be killed meanwhile
            return 500
        with self.lock:
            if attempt <= self.fail_first:
                return 500
            self.acked.append((message_id, message, time.monotonic()))
            return 201

    def acked_ids(self):
        with self.lock:
            return [m for m, _, _ in self.acked]

    def wait_for(self, predicate, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [m for _, m, _ in self.acked if predicate(m)]
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError(f"nothing acknowledged in {timeout} s; attempts {self.attempts}, "
                             f"rejected {self.rejected}")
