"""Configuration a deployment relies on: database choice, deploy checks, cache."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from .services import REDIS_URL, redis_is_up, require

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3y-" + "x7Qp9vL2mZ8rT4wY6uB1nC5dF0gH3jK" * 2,
    "DJANGO_ALLOWED_HOSTS": "news.example.kr",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "NEWSROOM_SITE_URL": "https://news.example.kr",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "NEWSROOM_")) and k != "REDIS_URL"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_database_in_use_is_the_one_database_url_names():
    url = os.environ.get("DATABASE_URL", "sqlite://")
    expected = (
        "postgresql" if url.startswith(("postgres://", "postgresql://")) else ("sqlite")
    )
    assert connection.vendor == expected


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_secret_key_refuses_to_start_naming_the_variable():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_is_off_unless_asked_for():
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.DEBUG)",
        env=PRODUCTION_ENV,
    )  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_models_and_migrations_agree():
    result = manage("makemigrations", "--check", "--dry-run", env={"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_collectstatic_builds_hashed_compressed_files(tmp_path):
    env = {**PRODUCTION_ENV, "NEWSROOM_STATIC_ROOT": str(tmp_path)}
    result = manage("collectstatic", "--no-input", env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("css/site.*.css.gz"))


@pytest.mark.django_db
def test_public_pages_carry_security_headers(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = response["Content-Security-Policy"]
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@pytest.mark.django_db
def test_unknown_host_is_refused(client):
    assert client.get("/", HTTP_HOST="evil.example.com").status_code == 400


def test_redis_cache_stores_korean_values():
    require(redis_is_up(), f"Redis at {REDIS_URL}")
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": "newsroom-test"})
    cache.set("제목", "푸틴 방북", 30)
    assert cache.get("제목") == "푸틴 방북"
    cache.delete("제목")
