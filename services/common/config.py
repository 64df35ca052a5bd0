"""The one settings object: read once from the environment, with local
defaults, and handed to the gateway, the services, gunicorn and the
management commands (nothing else reads the environment for configuration).

The local defaults are public (this file is open source): with the default
``SENJA_SECRET`` anyone could sign an admin token or derive applicant
secrets, kiosk keys and verification codes. So they are accepted only where
``SENJA_ENV=local`` says so explicitly (deploy/local/run.py for ``make run``,
tests/support.py for the tests); anywhere else the gateway and every
service refuse to start (``require_safe_settings``; the gateway also needs SENJA_PUBLIC_URL there).
"""
import os
from dataclasses import dataclass, field

LOCAL_SECRET = "senja-local-development-secret-change-me"
LOCAL_ENV = "local"
# Web Push (VAPID, RFC 8292) signing key for laptops only, public like LOCAL_SECRET: a raw
# P-256 private key, base64url. Outside SENJA_ENV=local there is no default (README: how to make one).
LOCAL_VAPID_PRIVATE_KEY = "9mUz9KSl1ZFpsC-_bvyClH1Jfp7VFfR0fKU4R3Ec3bA"
# The push services of Chrome/Edge/Android (FCM), Firefox (Mozilla autopush), Safari (Apple) and
# Windows (WNS): the hosts their PushSubscription endpoints name.
PUSH_SERVICE_HOSTS = ("fcm.googleapis.com", ".push.services.mozilla.com", ".push.apple.com",
                      ".notify.windows.com")
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
    # Where citizens reach Senja: QR codes and certificates point here, never the request's Host.
    public_url: str = ""
    # Secrets before a rotation (SENJA_PREVIOUS_SECRETS, comma-separated): they still verify
    # printed permits' codes and applicants' secrets, and sign nothing (deploy/k8s/README.md).
    previous_secrets: tuple = ()
    # Prepended to every database name (senja_queue, senja_gateway...): tests share one server.
    db_prefix: str = ""
    gateway_host: str = "127.0.0.1"
    # Seconds a component may take to stop gracefully before it is stopped hard.
    stop_timeout: float = 20.0
    workers: int = 2
    threads: int = 8
    # Reverse proxies in front of the gateway that append to X-Forwarded-For.
    trusted_proxies: int = 0
    # RATE_LIMIT_* variables as given (gateway/ratelimit.py reads their meaning).
    rate_limits: dict = field(default_factory=dict)
    demo_password: str = "magelang-malam"
    # A second gateway port that serves /metrics only (the ingress never routes to it).
    metrics_port: int = 0
    # Notifications (services/queue/notify.py): Web Push signing key (VAPID, raw P-256, base64url)
    # and the contact it names; the SMS/WhatsApp provider's webhook and its HMAC key.
    vapid_private_key: str = ""
    vapid_subject: str = "mailto:senja@localhost"
    notify_webhook_url: str = ""
    notify_webhook_secret: str = ""
    # How often the queue service's sender looks at its outbox (seconds).
    notify_poll_seconds: float = 1.0
    # Push services a citizen's Web Push endpoint may name (".suffix": that domain and below):
    # the queue service posts to that URL, so it must not be any URL a citizen likes.
    push_service_hosts: tuple = PUSH_SERVICE_HOSTS

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
        db_prefix=env.get("MONGO_DB_PREFIX", ""),
        gateway_host=env.get("GATEWAY_HOST", "127.0.0.1"),
        stop_timeout=float(env.get("SENJA_STOP_TIMEOUT", "20")),
        workers=int(env.get("GUNICORN_WORKERS", "2")),
        threads=int(env.get("GUNICORN_THREADS", "8")),
        trusted_proxies=int(env.get("TRUSTED_PROXIES", "0") or 0),
        rate_limits={k: v for k, v in env.items() if k.startswith("RATE_LIMIT_")},
        demo_password=env.get("SENJA_DEMO_PASSWORD", "magelang-malam"),
        metrics_port=int(env.get("METRICS_PORT", "0") or 0),
        vapid_private_key=env.get("VAPID_PRIVATE_KEY")
        or (LOCAL_VAPID_PRIVATE_KEY if env.get("SENJA_ENV") == LOCAL_ENV else ""),
        vapid_subject=env.get("VAPID_SUBJECT", "mailto:senja@localhost"),
        notify_webhook_url=env.get("NOTIFY_WEBHOOK_URL", ""),
        notify_webhook_secret=env.get("NOTIFY_WEBHOOK_SECRET", ""),
        notify_poll_seconds=float(env.get("NOTIFY_POLL_SECONDS", "1") or 1),
        push_service_hosts=tuple(h.strip() for h in env["PUSH_SERVICE_HOSTS"].split(",") if h.strip())
        if env.get("PUSH_SERVICE_HOSTS") else PUSH_SERVICE_HOSTS,
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
    # The queue's sender signs with the webhook secret; the gateway only offers the phone form.
    elif (component == "queue" and settings.notify_webhook_url
          and len(settings.notify_webhook_secret.encode()) < MIN_SECRET_BYTES):
        raise UnsafeConfiguration(
            f"{component}: refusing to start: NOTIFY_WEBHOOK_URL is set but NOTIFY_WEBHOOK_SECRET is "
            f"shorter than {MIN_SECRET_BYTES} bytes: the provider could not tell our messages from forgeries.")
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
        "MONGO_DB_PREFIX": s.db_prefix,
        "SENJA_SECRET": s.secret,
        "SENJA_PREVIOUS_SECRETS": list(s.previous_secrets),
        "WEB_SERVER_ADDRESS": s.service_http_address,
        "VAPID_PRIVATE_KEY": s.vapid_private_key,
        "VAPID_SUBJECT": s.vapid_subject,
        "NOTIFY_WEBHOOK_URL": s.notify_webhook_url,
        "NOTIFY_WEBHOOK_SECRET": s.notify_webhook_secret,
        "PUSH_SERVICE_HOSTS": list(s.push_service_hosts),
        "max_workers": 16,
        "parent_calls_tracked": 10,
        # Durable, persistent events (docs/architecture.md): nameko's defaults, stated.
        "PERSISTENT": True,
        "serializer": "json",
    }
    config.update(overrides)
    return config
