"""Simultaneous saves of one article: one wins, the others are refused as stale
with their typed text kept — on SQLite (a file database, as `make run` uses) and
on PostgreSQL, with real threads."""

import pytest
from django.db import connection

from articles import workflow
from tests.concurrency import SAVERS, simultaneous_saves, typed_text
from tests.factories import make_article
from tests.people import ensure_roles, make_staff
from tests.services import run_on_sqlite_file


def edit_until_saved(user, pk, line, tally):
    """Append `line` to the body, as an editor does: read, change, save what was
    read; a stale save (someone saved in between) reads again and retries."""
    from articles.models import Article

    for _ in range(100):
        article = Article.objects.get(pk=pk)
        article.body = f"{article.body}\n<p>{line}</p>"
        try:
            workflow.SaveArticle(user).run(article, expected_version=article.version)
        except workflow.StaleVersion:
            tally["stale"] += 1
            continue
        tally["saves"] += 1
        return
    raise AssertionError(f"{line} never saved")


def toggle(user, pk, tally):
    """Publish an unpublished article or unpublish a published one."""
    from articles.models import Article

    article = Article.objects.get(pk=pk)
    step = workflow.Unpublish if article.status == "published" else workflow.Publish
    try:
        step(user).run(article)
    except workflow.ActionRefused:  # someone moved it first: the state changed
        tally["refused"] += 1
    else:
        tally["steps"] += 1


def assert_one_save_won(results, body):
    assert sorted(r["status"] for r in results) == [200] * (SAVERS - 1) + [302], results
    refused = [r for r in results if r["status"] == 200]
    assert all(r["stale"] and r["text_kept"] for r in refused), results
    winner = next(n for n, r in enumerate(results) if r["status"] == 302)
    assert body == typed_text(winner)


def test_four_simultaneous_saves_on_a_sqlite_file(tmp_path):
    database = tmp_path / "race.sqlite3"
    outcome = run_on_sqlite_file("tests.concurrency", database, timeout=300)
    assert_one_save_won(outcome["results"], outcome["body"])


@pytest.mark.django_db(transaction=True)
def test_four_simultaneous_saves_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only (set DATABASE_URL=postgres://...): the SQLite case "
            "runs above on a file database, which the in-memory test one is not"
        )
    ensure_roles()
    users = [make_staff("Editor") for _ in range(SAVERS)]
    article = make_article(title="동시에 고치는 기사")
    workflow.save_article(article, by=users[0])

    results = simultaneous_saves(article, users)

    article.refresh_from_db()
    assert_one_save_won(results, article.body)


EDITORS, EDITS, PUBLISHERS, STEPS = 4, 3, 2, 4


@pytest.mark.django_db(transaction=True)
def test_simultaneous_publishes_and_edits_lose_nothing_on_postgresql():
    import threading
    from collections import Counter

    from articles.models import Article

    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only (set DATABASE_URL=postgres://...): row locks are "
            "what this proves, and SQLite serialises every writer anyway"
        )
    ensure_roles()
    users = [make_staff("Editor") for _ in range(EDITORS + PUBLISHERS)]
    article = make_article(title="동시에 게재하고 고치는 기사", body="<p>첫 문단</p>")
    workflow.save_article(article, by=users[0])
    article.refresh_from_db()
    start_version, start_status = article.version, article.status
    first_entry = article.transitions.order_by("pk").last().pk
    tally, lock = Counter(), threading.Lock()
    barrier = threading.Barrier(EDITORS + PUBLISHERS)
    errors = []

    def worker(n):
        mine = Counter()
        try:
            barrier.wait()
            if n < EDITORS:
                for k in range(EDITS):
                    edit_until_saved(
                        users[n], article.pk, f"{n}번 편집자 {k}번째 문단", mine
                    )
            else:
                for _ in range(STEPS):
                    toggle(users[n], article.pk, mine)
        except Exception as error:  # reported below, never swallowed
            errors.append(repr(error))
        finally:
            with lock:
                tally.update(mine)
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)

    assert errors == []
    article = Article.objects.get(pk=article.pk)
    # No lost update: every editor's every paragraph is in the body, once.
    for n in range(EDITORS):
        for k in range(EDITS):
            assert article.body.count(f"{n}번 편집자 {k}번째 문단") == 1
    assert tally["saves"] == EDITORS * EDITS
    assert tally["steps"] + tally["refused"] == PUBLISHERS * STEPS
    # Each success moved the version by one: none overwrote another.
    assert article.version == start_version + tally["saves"] + tally["steps"]
    # The audit trail: one entry per success, each starting where the one
    # before it ended, and ending where the article is now.
    entries = list(article.transitions.filter(pk__gt=first_entry).order_by("pk"))
    assert len(entries) == tally["saves"] + tally["steps"]
    assert sum(e.action == "save" for e in entries) == tally["saves"]
    status = start_status
    for entry in entries:
        assert entry.from_status == status, entry
        status = entry.to_status
    assert status == article.status
    # Revisions: one per success, versions strictly rising, the last one is now.
    revisions = list(article.revisions.order_by("pk"))
    versions = [r.version for r in revisions]
    assert versions == sorted(set(versions))
    assert versions[-1] == article.version
    assert revisions[-1].data["body"] == article.body
