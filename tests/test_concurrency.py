"""Simultaneous saves of one article: one wins, the others are refused as stale
with their typed text kept — on SQLite (a file database, as `make run` uses) and
on PostgreSQL, with real threads."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from articles import workflow
from tests.concurrency import SAVERS, simultaneous_saves, typed_text
from tests.factories import make_article
from tests.people import make_staff


def assert_one_save_won(results, body):
    assert sorted(r["status"] for r in results) == [200] * (SAVERS - 1) + [302], results
    refused = [r for r in results if r["status"] == 200]
    assert all(r["stale"] and r["text_kept"] for r in refused), results
    winner = next(n for n, r in enumerate(results) if r["status"] == 302)
    assert body == typed_text(winner)


def test_four_simultaneous_saves_on_a_sqlite_file(tmp_path):
    database = tmp_path / "race.sqlite3"
    run = subprocess.run(
        [sys.executable, "-m", "tests.concurrency"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{database}",
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert_one_save_won(outcome["results"], outcome["body"])


@pytest.mark.django_db(transaction=True)
def test_four_simultaneous_saves_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only (set DATABASE_URL=postgres://...): the SQLite case "
            "runs above on a file database, which the in-memory test one is not"
        )
    users = [make_staff("Editor") for _ in range(SAVERS)]
    article = make_article(title="동시에 고치는 기사")
    workflow.save_article(article, by=users[0])

    results = simultaneous_saves(article, users)

    article.refresh_from_db()
    assert_one_save_won(results, article.body)
