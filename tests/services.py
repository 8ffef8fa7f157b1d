"""Real services for the tests that need them: PostgreSQL, Redis, Chromium.

Where a service is missing, the test skips with a loud reason on a laptop and
fails under CI (CI=true), where .ci/run installs and starts everything.
"""

import os
import shutil
import socket

import pytest

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def require(available: bool, what: str) -> None:
    if available:
        return
    message = f"MISSING SERVICE: {what}. Tests that need it did not run."
    if os.environ.get("CI"):
        pytest.fail(f"{message} CI must provide it (see .ci/run).")
    pytest.skip(message)


def redis_is_up(url: str = REDIS_URL) -> bool:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), 1):
            return True
    except OSError:
        return False


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_on_sqlite_file(module: str, database, *, timeout: int) -> dict:
    """Run `python -m module` on a SQLite file database (which, unlike the
    suite's in-memory one, honours the busy timeout) and return the JSON it
    prints last."""
    import json
    import subprocess
    import sys

    from django.conf import settings

    run = subprocess.run(
        [sys.executable, "-m", module],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{database}",
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        },
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])
