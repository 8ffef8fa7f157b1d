"""/healthz answers load balancers from the real database and a real Redis cache."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches

from .services import REDIS_URL, redis_is_up, require

ROOT = Path(__file__).resolve().parent.parent


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_cache(location):
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "healthz-test",
        }
    }


@pytest.fixture
def real_redis(settings):
    require(redis_is_up(), f"Redis at {REDIS_URL}")
    settings.CACHES = redis_cache(REDIS_URL)
    caches.close_all()
    yield
    caches.close_all()


@pytest.mark.django_db
def test_healthy_with_database_and_redis(client, real_redis):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["cache"]["ok"] is True


@pytest.mark.django_db
def test_health_is_never_cached_and_needs_no_login(client, real_redis):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_cache_down_answers_503_naming_the_cache(client, settings):
    settings.CACHES = redis_cache(f"redis://127.0.0.1:{closed_port()}/0")
    caches.close_all()
    try:
        response = client.get("/healthz")
    finally:
        caches.close_all()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["cache"]["error"] == "ConnectionError"
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_health_is_reachable_over_plain_http_when_https_is_enforced(
    client, settings, real_redis
):
    """The load balancer probes the app server directly, without TLS."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301


def test_database_down_answers_503_naming_the_database():
    """A real process whose DATABASE_URL points at a port nobody listens on."""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port()}/h6_nothing",
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "NEWSROOM_LOG_LEVEL": "CRITICAL",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    env.pop("REDIS_URL", None)  # the per-process memory cache: up
    script = (
        "import django, json; django.setup(); "
        "from django.test import Client; "
        "r = Client().get('/healthz'); "
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": answer["body"]["checks"]["database"]["ms"],
    }
    assert answer["body"]["checks"]["cache"]["ok"] is True
