"""Attack: sign an admin token (or derive applicant secrets, kiosk keys and
verification codes) with the public development SENJA_SECRET. Outside
SENJA_ENV=local the gateway and every service refuse to start with it, or with
a short secret."""
import os
import subprocess
import sys

import pytest

from services.common import config
from tests.support import ROOT, free_port

DEFAULT = {"SENJA_SECRET": config.LOCAL_SECRET}
SHORT = {"SENJA_SECRET": "x" * (config.MIN_SECRET_BYTES - 1)}


def start(args, extra):
    env = {k: v for k, v in os.environ.items() if k not in ("SENJA_SECRET", "SENJA_ENV")}
    # Nothing listens at these addresses: a component that did not refuse would hang, not exit.
    env.update({"PORT": str(free_port()), "AMQP_URI": "amqp://guest:guest@127.0.0.1:1/",
                "MONGO_URI": "mongodb://127.0.0.1:1/", "EVENTLET_NO_GREENDNS": "yes",
                "PYTHONPATH": ROOT, "SERVICE_HTTP_ADDRESS": f"127.0.0.1:{free_port()}"})
    env.update(extra)
    if "SENJA_SECRET" not in extra:
        env.pop("SENJA_SECRET", None)
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("component", [["gateway"], ["services", "queue"], ["services", "permits"],
                                       ["services", "accessibility"], ["services", "survey"]])
@pytest.mark.parametrize("secret", [{}, DEFAULT, SHORT], ids=["unset", "default", "short"])
def test_components_refuse_an_unsafe_secret_outside_local(component, secret):
    done = start(component, secret)
    assert done.returncode != 0
    assert "refusing to start: SENJA_SECRET" in done.stderr, done.stderr[-2000:]


def test_the_gateway_refuses_to_start_without_a_public_url():
    done = start(["gateway"], {"SENJA_SECRET": "k" * config.MIN_SECRET_BYTES})
    assert done.returncode != 0
    assert "refusing to start: SENJA_PUBLIC_URL" in done.stderr, done.stderr[-2000:]


def test_the_public_url_never_comes_from_a_request():
    settings = config.from_env({"SENJA_PUBLIC_URL": "https://senja.example.go.id/"})
    assert settings.public_url == "https://senja.example.go.id"
    assert config.from_env({"SENJA_ENV": "local", "PORT": "9000"}).public_url == "http://127.0.0.1:9000"
    assert config.from_env({}).public_url == ""  # outside local: nothing to fall back on


def test_the_kiosk_key_command_refuses_the_default_secret():
    done = start(["gateway.ratelimit", "kiosk-key", "33.71.02"], DEFAULT)
    assert done.returncode != 0 and "refusing to start" in done.stderr
    assert done.stdout == ""


def test_only_an_explicit_local_environment_accepts_the_default():
    ok = config.from_env({"SENJA_ENV": "local"})
    assert config.require_safe_settings(ok, "test") is ok
    for env in ({}, {"SENJA_ENV": "production"}, {"SENJA_ENV": "LOCAL"}):
        with pytest.raises(SystemExit):
            config.require_safe_settings(config.from_env(env), "test")
    strong = config.from_env({"SENJA_SECRET": "k" * config.MIN_SECRET_BYTES})
    assert config.require_safe_settings(strong, "test") is strong
