"""Configuration from environment variables, with safe local defaults.

The local defaults are public (this file is open source): with the default
``SENJA_SECRET`` anyone could sign an admin token or derive applicant
secrets, kiosk keys and verification codes. So they are accepted only where
``SENJA_ENV=local`` says so explicitly (deploy/local/env for ``make run``,
tests/support.py for the tests); anywhere else the gateway and every
service refuse to start (``require_safe_settings``; the gateway also needs SENJA_PUBLIC_URL there).
"""
import os
from dataclasses import dataclass

LOCAL_SECRET = "senja-local-development-secret-change-me"
LOCAL_ENV = "local"
# 32 bytes = 256 bits, the HMAC-SHA256 key size; deploy/k8s/create-secrets.sh makes 64 hex.
MIN_SECRET_BYTES = 32


class UnsafeConfiguration(SystemExit):
    """Raised at start when the configuration is only fit for a laptop."""


@dataclass(frozen=True)
class Settings:
    amqp_uri: str
    mongo_uri: str
    secret: str
    port: int
    rpc_timeout: float
    service_http_address: str
    log_level: str
    env: str = ""
    public_url: str = ""  # where citizens reach Senja: QR codes and certificates point here
    # Secrets before a rotation (SENJA_PREVIOUS_SECRETS, comma-separated): they still verify
    # printed permits' codes and applicants' secrets, and sign nothing (deploy/k8s/README.md).
    previous_secrets: tuple = ()

    @property
    def secret_is_default(self):
        return self.secret == LOCAL_SECRET


def from_env(environ=None):
    env = os.environ if environ is None else environ
    return Settings(
        amqp_uri=env.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
        mongo_uri=env.get("MONGO_URI", "mongodb://127.0.0.1:27017/"),
        secret=env.get("SENJA_SECRET", LOCAL_SECRET),
        port=int(env.get("PORT", "8000")),
        rpc_timeout=float(env.get("RPC_TIMEOUT", "3")),
        service_http_address=env.get("SERVICE_HTTP_ADDRESS", "127.0.0.1:8080"),
        log_level=env.get("SENJA_LOG_LEVEL", "INFO"),
        env=env.get("SENJA_ENV", ""),
        previous_secrets=tuple(s.strip() for s in env.get("SENJA_PREVIOUS_SECRETS", "").split(",")
                               if s.strip()),
        # Never taken from a request's Host or X-Forwarded-Host, which a client writes.
        public_url=(env.get("SENJA_PUBLIC_URL")
                    or (f"http://127.0.0.1:{env.get('PORT', '8000')}"
                        if env.get("SENJA_ENV") == LOCAL_ENV else "")).rstrip("/"),
    )


def require_safe_settings(settings, component, needs_public_url=False):
    """Stop ``component`` from starting with a public or short SENJA_SECRET outside
    local development (and the gateway without SENJA_PUBLIC_URL). The gateway and
    every service call this first thing."""
    if settings.env == LOCAL_ENV:
        return settings
    if settings.secret_is_default:
        reason = "is the public local development value"
    elif len(settings.secret.encode()) < MIN_SECRET_BYTES:
        reason = f"is shorter than {MIN_SECRET_BYTES} bytes"
    elif needs_public_url and not settings.public_url.startswith(("https://", "http://")):
        raise UnsafeConfiguration(
            f"{component}: refusing to start: SENJA_PUBLIC_URL is not set (e.g. "
            f"https://antrian.example.go.id); QR codes and certificates point there, never at "
            f"a request's Host header.")
    else:
        return settings
    raise UnsafeConfiguration(
        f"{component}: refusing to start: SENJA_SECRET {reason}. Set a random secret of at "
        f"least {MIN_SECRET_BYTES} bytes (e.g. `openssl rand -hex 32`), or SENJA_ENV=local "
        f"on a developer's machine.")


def nameko_config(settings=None, **overrides):
    """The nameko config dict for a service or an RPC proxy."""
    s = settings or from_env()
    config = {
        "AMQP_URI": s.amqp_uri,
        "MONGO_URI": s.mongo_uri,
        "SENJA_SECRET": s.secret,
        "SENJA_PREVIOUS_SECRETS": list(s.previous_secrets),
        "WEB_SERVER_ADDRESS": s.service_http_address,
        "max_workers": 16,
        "parent_calls_tracked": 10,
        # Durable, persistent events (DESIGN.md): nameko's defaults, stated.
        "PERSISTENT": True,
        "serializer": "json",
    }
    config.update(overrides)
    return config
