"""With the database down, pages answer 503 with Retry-After, and an unknown
address still answers 404.

The database really is unreachable here: each check runs in a fresh process
whose DATABASE_URL names a PostgreSQL port nothing listens on, or a SQLite
file in a folder that does not exist (the suite's own database is never
touched). No cache is configured in that process, so nothing is served from
an earlier read.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

DOWN = {
    "postgresql": "postgres://postgres@127.0.0.1:9/newsroom_h3_down",
    "sqlite": "sqlite:////nonexistent-folder-h3/db.sqlite3",
}

FETCH = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
# Pages render without a collectstatic run, as in the suite (conftest.py).
override_settings(STORAGES={
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}).enable()
client = Client(raise_request_exception=False)
answers = {}
for url in sys.argv[1:]:
    response = client.get(url, secure=True)
    answers[url] = {
        "status": response.status_code,
        "retry_after": response.get("Retry-After"),
        "body": response.content.decode(),
    }
print(json.dumps(answers))
"""


def fetch_with_database_down(database_url: str, *urls: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "NEWSROOM_")) and k != "REDIS_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="db-down-test-" + "q8Zr2Lm5Xv9Tn4Bw7Ky1" * 3,
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL=database_url,
        NEWSROOM_DB_CONN_MAX_AGE="0",
    )
    result = subprocess.run(
        [sys.executable, "-c", FETCH, *urls],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


PAGES = [
    "/",
    "/articles/방북-특사단/",
    "/categories/정치/",
    "/authors/한지민/",
    "/archive/2024/",
    "/search/?q=방북",
    "/feeds/rss/",
    "/sitemap.xml",
]


@pytest.mark.parametrize("vendor", list(DOWN))
def test_pages_answer_503_with_retry_after_while_the_database_is_down(vendor):
    answers = fetch_with_database_down(DOWN[vendor], *PAGES)

    for url, answer in answers.items():
        assert answer["status"] == 503, url
        assert int(answer["retry_after"]) > 0, url
        assert "잠시 접속이 어렵습니다" in answer["body"], url
        assert "Traceback" not in answer["body"], url


@pytest.mark.parametrize("vendor", list(DOWN))
def test_unknown_addresses_still_answer_404_while_the_database_is_down(vendor):
    answers = fetch_with_database_down(DOWN[vendor], "/없는-주소/", "/robots.txt")

    assert answers["/없는-주소/"]["status"] == 404
    assert "페이지를 찾을 수 없습니다" in answers["/없는-주소/"]["body"]
    assert answers["/robots.txt"]["status"] == 200
