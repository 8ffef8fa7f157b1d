"""Configuration a deployment relies on: database choice, deploy checks, cache,
local mode (.env read by manage.py only), one-line refusals, logging."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from search.query import time_limit

from .checkout import bare_environment, copy_checkout, run_python
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


def test_production_redis_cache_keeps_one_client_and_round_trips_korean():
    """newsroom.redis_cache: Django's cache, without a new client per call."""
    require(redis_is_up(), f"Redis at {REDIS_URL}")
    from newsroom.redis_cache import RedisCache as SharedClientCache

    cache = SharedClientCache(REDIS_URL, {"KEY_PREFIX": "newsroom-test"})
    cache.set_many({"제목": "푸틴 방북", "부제": "평양 도착"}, 30)
    assert cache.get_many(["제목", "부제"]) == {
        "제목": "푸틴 방북",
        "부제": "평양 도착",
    }
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.delete_many(["제목", "부제"])
    assert cache.get("제목") is None


# Local mode: `make run` writes .env; only manage.py reads it, and only when the
# environment has no DJANGO_DEBUG. Each test runs in a scratch copy of the
# checkout with a .env the test writes, never the checkout's own.

LOCAL_ENV = "DJANGO_DEBUG=1\n"
PRINT_SETTINGS = (
    "from django.conf import settings; "
    "print(settings.DEBUG, settings.NEWSROOM_SITE_NAME, settings.DATABASES"
    "['default']['NAME'], sep='|')"
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return copy_checkout(tmp_path_factory.mktemp("local-mode") / "checkout")


@pytest.fixture
def dotenv(scratch):
    """Write the scratch checkout's .env; removed again after the test."""
    path = scratch / ".env"

    def write(text: str) -> Path:
        path.write_text(text, encoding="utf-8")
        return path

    yield write
    path.unlink(missing_ok=True)


def printed_settings(scratch, env) -> list[str]:
    result = run_python(scratch, "manage.py", "shell", "-c", PRINT_SETTINGS, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split("|")


def assert_one_line_refusal(result, variable="DJANGO_SECRET_KEY"):
    """Non-zero, one line on stderr that names the variable, no traceback."""
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {variable} ")
    assert "Traceback" not in result.stderr


def test_manage_py_in_a_checkout_with_the_local_file_runs_in_local_mode(
    scratch, dotenv
):
    dotenv(LOCAL_ENV)

    debug, site_name, database = printed_settings(scratch, bare_environment())

    assert debug == "True"
    assert site_name == "뉴스룸"
    assert database == str(scratch / "db.sqlite3")


@pytest.mark.parametrize(
    "command",
    [
        ("check",),
        ("migrate", "--no-input"),
        ("import_posts", "fixtures/source/"),
        ("shell", "-c", "print('열렸다')"),
    ],
    ids=["check", "migrate", "import_posts", "shell"],
)
def test_production_start_without_a_secret_key_is_one_line(scratch, command):
    # No .env in the copy and no DJANGO_DEBUG: a production start.
    result = run_python(scratch, "manage.py", *command, env=bare_environment())

    assert_one_line_refusal(result)
    assert "export DJANGO_SECRET_KEY=" in result.stderr
    assert not (scratch / "db.sqlite3").exists()


def test_real_debug_off_means_production_and_the_local_file_is_not_read(
    scratch, dotenv
):
    # Even a secret key in the file does not help: the file is not read at all.
    dotenv(LOCAL_ENV + "DJANGO_SECRET_KEY=from-the-local-file-" + "x" * 40 + "\n")

    result = run_python(
        scratch, "manage.py", "check", env=bare_environment(DJANGO_DEBUG="0")
    )

    assert_one_line_refusal(result)


def test_a_real_debug_setting_keeps_the_local_file_out(scratch, dotenv):
    # What the suite and CI do: DJANGO_DEBUG set means the environment is the
    # whole configuration, so a developer's .env cannot change a test run.
    dotenv("NEWSROOM_SITE_NAME=파일의 이름\n")

    _, site_name, _ = printed_settings(scratch, bare_environment(DJANGO_DEBUG="1"))

    assert site_name == "뉴스룸"


def test_real_environment_variables_win_over_the_local_file(scratch, dotenv, tmp_path):
    dotenv(
        LOCAL_ENV
        + "NEWSROOM_SITE_NAME=파일의 이름\n"
        + f"DATABASE_URL=sqlite:///{tmp_path / 'from-file.sqlite3'}\n"
    )
    env = bare_environment(NEWSROOM_SITE_NAME="환경의 이름")

    debug, site_name, database = printed_settings(scratch, env)

    assert (debug, site_name) == ("True", "환경의 이름")
    # What the environment does not say still comes from the file.
    assert database == str(tmp_path / "from-file.sqlite3")


@pytest.mark.parametrize("module", ["newsroom.wsgi", "newsroom.asgi"])
def test_wsgi_and_asgi_never_read_the_local_file(scratch, dotenv, module):
    dotenv(LOCAL_ENV)

    result = run_python(scratch, "-c", f"import {module}", env=bare_environment())

    assert_one_line_refusal(result)
    # gunicorn reads 4 as "App failed to load" and stops instead of respawning.
    assert result.returncode == 4


def test_gunicorn_without_a_secret_key_stops_with_the_one_line(scratch):
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run(
        [str(gunicorn), "newsroom.wsgi", "-b", "127.0.0.1:0", "--workers", "1"],
        cwd=scratch,
        env=bare_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    errors = [
        line for line in result.stderr.splitlines() if "DJANGO_SECRET_KEY" in line
    ]
    assert len(errors) == 1 and errors[0].startswith("error: DJANGO_SECRET_KEY ")
    assert "Traceback" not in result.stderr
    assert "App failed to load" in result.stderr


def test_search_timeout_is_read_from_the_environment(scratch):
    env = {**PRODUCTION_ENV, "NEWSROOM_SEARCH_TIMEOUT_MS": "1234"}
    result = run_python(
        scratch,
        "manage.py",
        "shell",
        "-c",
        "from django.conf import settings; print(settings.NEWSROOM_SEARCH_TIMEOUT_MS)",
        env=bare_environment(**env),
    )

    assert result.stdout.strip().splitlines()[-1] == "1234", result.stderr


def test_search_timeout_defaults_to_three_seconds(settings):
    # The suite's environment does not set it.
    assert "NEWSROOM_SEARCH_TIMEOUT_MS" not in os.environ
    assert settings.NEWSROOM_SEARCH_TIMEOUT_MS == 3000


@pytest.mark.parametrize("value", ["3초", "0", "-5"])
def test_a_malformed_number_is_refused_naming_the_variable(scratch, value):
    env = {**PRODUCTION_ENV, "NEWSROOM_SEARCH_TIMEOUT_MS": value}

    result = run_python(scratch, "manage.py", "check", env=bare_environment(**env))

    assert_one_line_refusal(result, "NEWSROOM_SEARCH_TIMEOUT_MS")
    assert repr(value) in result.stderr


@pytest.mark.django_db
def test_search_uses_the_timeout_setting_on_postgresql(settings):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: statement_timeout; runs in the PostgreSQL pass.")
    settings.NEWSROOM_SEARCH_TIMEOUT_MS = 1234
    with time_limit(connection.alias), connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        (inside,) = cursor.fetchone()

    assert inside == "1234ms"


LOG_TWICE = (
    "import logging; "
    "logging.getLogger('django.request').warning('요청 기록 한 줄'); "
    "logging.getLogger('articles').warning('기사 기록 한 줄')"
)


@pytest.mark.parametrize("debug", ["1", "0"], ids=["local", "production"])
def test_each_log_line_is_printed_once(scratch, debug):
    env = bare_environment(**{**PRODUCTION_ENV, "DJANGO_DEBUG": debug})

    result = run_python(scratch, "manage.py", "shell", "-c", LOG_TWICE, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stderr.count("요청 기록 한 줄") == 1, result.stderr
    assert result.stderr.count("기사 기록 한 줄") == 1, result.stderr


def test_log_level_applies_to_django_loggers_too(scratch):
    env = bare_environment(**PRODUCTION_ENV, NEWSROOM_LOG_LEVEL="ERROR")

    result = run_python(scratch, "manage.py", "shell", "-c", LOG_TWICE, env=env)

    assert "요청 기록 한 줄" not in result.stderr
