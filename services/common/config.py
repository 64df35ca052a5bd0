"""Configuration from environment variables, with safe local defaults."""
import os
from dataclasses import dataclass

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
    )


def nameko_config(settings=None, **overrides):
    """The nameko config dict for a service or an RPC proxy."""
    s = settings or from_env()
    config = {
        "AMQP_URI": s.amqp_uri,
        "MONGO_URI": s.mongo_uri,
        "SENJA_SECRET": s.secret,
        "WEB_SERVER_ADDRESS": s.service_http_address,
        "max_workers": 16,
        "parent_calls_tracked": 10,
        # Durable, persistent events (DESIGN.md): nameko's defaults, stated.
        "PERSISTENT": True,
        "serializer": "json",
    }
    config.update(overrides)
    return config
