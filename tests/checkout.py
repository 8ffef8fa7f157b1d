"""Scratch copies of this checkout, for tests that start manage.py or make there.

A copy has no .env, database or uploads of its own until the test makes them, so
what the checkout's own `.env` says (after a `make run` here) can never leak in.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Left behind: local state and caches. The scratch copy reuses .venv by symlink.
LOCAL_STATE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".env",
    "db.sqlite3",
    "media",
    "staticfiles",
    "test-artifacts",
    "out",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "*.egg-info",
)


def copy_checkout(destination: Path) -> Path:
    shutil.copytree(ROOT, destination, ignore=LOCAL_STATE)
    return destination


def bare_environment(**variables: str) -> dict[str, str]:
    """The calling environment without any of the project's variables, plus these."""
    ours = ("DJANGO_", "NEWSROOM_")
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(ours)
        and name not in {"DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "PORT"}
        # An outer `make test` must not hand its flags to the make a test runs.
        and name not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }
    return {**clean, **variables}


def run_python(checkout: Path, *args: str, env: dict[str, str], timeout=120):
    """Run this suite's interpreter in `checkout` (`manage.py …` or `-c …`)."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
