"""The one settings object: read once from the environment, with safe local
defaults, and handed to the gateway, the services, gunicorn and the
management commands (nothing else reads the environment for configuration)."""
import os
from dataclasses import dataclass, field

LOCAL_SECRET = "senja-local-development-secret-change-me"


@dataclass(frozen=True)
class Settings:
    amqp_uri: str
    mongo_uri: str
    secret: str
    port: int
    rpc_timeout: float
    service_http_address: str
    log_level: str
    # Prepended to every database name (senja_queue, senja_gateway...): tests share one server.
    db_prefix: str = ""
    gateway_host: str = "127.0.0.1"
    # Public base URL (QR codes on printed permits and tickets); the request's own when empty.
    public_url: str = ""
    # Seconds a component may take to stop gracefully before it is stopped hard.
    stop_timeout: float = 20.0
    workers: int = 2
    threads: int = 8
    # Reverse proxies in front of the gateway that append to X-Forwarded-For.
    trusted_proxies: int = 0
    # RATE_LIMIT_* variables as given (gateway/ratelimit.py reads their meaning).
    rate_limits: dict = field(default_factory=dict)
    demo_password: str = "magelang-malam"

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
        db_prefix=env.get("MONGO_DB_PREFIX", ""),
        gateway_host=env.get("GATEWAY_HOST", "127.0.0.1"),
        public_url=env.get("SENJA_PUBLIC_URL", "").rstrip("/"),
        stop_timeout=float(env.get("SENJA_STOP_TIMEOUT", "20")),
        workers=int(env.get("GUNICORN_WORKERS", "2")),
        threads=int(env.get("GUNICORN_THREADS", "8")),
        trusted_proxies=int(env.get("TRUSTED_PROXIES", "0") or 0),
        rate_limits={k: v for k, v in env.items() if k.startswith("RATE_LIMIT_")},
        demo_password=env.get("SENJA_DEMO_PASSWORD", "magelang-malam"),
    )


def nameko_config(settings=None, **overrides):
    """The nameko config dict for a service or an RPC proxy."""
    s = settings or from_env()
    config = {
        "AMQP_URI": s.amqp_uri,
        "MONGO_URI": s.mongo_uri,
        "MONGO_DB_PREFIX": s.db_prefix,
        "SENJA_SECRET": s.secret,
        "WEB_SERVER_ADDRESS": s.service_http_address,
        "max_workers": 16,
        "parent_calls_tracked": 10,
        # Durable, persistent events (docs/architecture.md): nameko's defaults, stated.
        "PERSISTENT": True,
        "serializer": "json",
    }
    config.update(overrides)
    return config
