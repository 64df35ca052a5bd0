"""One settings object, read once from the environment, serves every component."""
import importlib
import sys

from gateway import ratelimit
from services.common import config

ENV = {"MONGO_DB_PREFIX": "t1_", "PORT": "9000", "GATEWAY_HOST": "0.0.0.0", "SENJA_STOP_TIMEOUT": "7",
       "GUNICORN_WORKERS": "3", "GUNICORN_THREADS": "4", "TRUSTED_PROXIES": "1",
       "SENJA_PUBLIC_URL": "https://senja.example.go.id/", "RATE_LIMIT_ISSUE_TICKET_PER_MINUTE": "12",
       "SENJA_LOG_LEVEL": "WARNING"}


def test_the_database_prefix_reaches_the_services():
    settings = config.from_env(ENV)
    assert settings.db_prefix == "t1_"
    assert config.nameko_config(settings)["MONGO_DB_PREFIX"] == "t1_"  # services.common.mongo.Storage reads it


def test_values_are_read_once_and_typed():
    settings = config.from_env(ENV)
    assert (settings.port, settings.stop_timeout, settings.trusted_proxies) == (9000, 7.0, 1)
    assert settings.public_url == "https://senja.example.go.id"
    assert ratelimit.limits_from_env(settings.rate_limits)["issue_ticket"].per_minute == 12
    defaults = config.from_env({})
    assert (defaults.port, defaults.db_prefix, defaults.stop_timeout) == (8000, "", 20.0)


def test_gunicorn_takes_its_settings_from_the_same_object(monkeypatch):
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    sys.modules.pop("gateway.gunicorn_conf", None)
    conf = importlib.import_module("gateway.gunicorn_conf")
    try:
        assert conf.bind == ["0.0.0.0:9000"]
        assert (conf.workers, conf.threads, conf.graceful_timeout) == (3, 4, 7)
        assert conf.loglevel == "warning"
        # Every public module-level name is a gunicorn setting: nothing else may leak there.
        from gunicorn.config import Config
        known = set(Config().settings) | {"logger_class", "post_fork", "worker_exit", "Logger",
                                          "ScrubbedLogger"}
        assert {n for n in vars(conf) if not n.startswith("_")} <= known
    finally:
        sys.modules.pop("gateway.gunicorn_conf", None)
