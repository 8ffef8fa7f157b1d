"""Renditions come from the background queue: django-tasks-db and its worker.

The rest of the suite runs tasks with Django's immediate backend; these tests run
the real one, with `manage.py db_worker` as a separate process, on a SQLite file
and on PostgreSQL.
"""

import os
from datetime import timedelta

import pytest
from django.db import connection
from django.tasks import task_backends
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import images, tasks, workflow
from articles.models import Article, Image
from tests.bulk_queue import scenario as bulk_scenario
from tests.factories import make_article, stored_image, uploaded
from tests.people import ensure_roles
from tests.services import run_on_sqlite_file
from tests.task_queue import DATABASE_BACKEND, jpeg, scenario
from tests.test_images import stored_files


def assert_made_by_the_worker(outcome: dict) -> None:
    # The save only queued the work: no renditions, a placeholder, no original.
    assert outcome["queued"] == [["articles.tasks.make_renditions", "READY"]]
    assert outcome["renditions_before"] == {}
    assert outcome["placeholder_before"] is True
    assert outcome["original_linked_before"] is False
    # The worker process made them; the page then serves them, still not the upload.
    assert outcome["worker_returncode"] == 0, outcome["worker_stderr"]
    assert outcome["statuses_after"] == ["SUCCESSFUL"]
    assert outcome["rendition_widths"] == [480, 800, 1200, 1600]
    assert outcome["files_exist"] is True
    assert outcome["picture_after"] is True
    assert outcome["original_linked_after"] is False


def test_the_worker_makes_the_renditions_on_a_sqlite_file(tmp_path):
    database = tmp_path / "queue.sqlite3"
    outcome = run_on_sqlite_file("tests.task_queue", database, timeout=400)
    assert_made_by_the_worker(outcome)


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DATABASE_BACKEND
    assert task_backends["default"].__class__.__name__ == "DatabaseBackend"


@pytest.fixture
def cache_shared_with_the_worker(settings, tmp_path, monkeypatch):
    """The worker is another process: without Redis, this process and the
    worker share a file cache, as make run and make serve set up."""
    if not os.environ.get("REDIS_URL"):
        folder = str(tmp_path / "cache")
        monkeypatch.setenv("NEWSROOM_CACHE_DIR", folder)
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": folder,
            }
        }


@pytest.mark.django_db(transaction=True)
def test_the_worker_makes_the_renditions_on_postgresql(
    database_queue, cache_shared_with_the_worker
):
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only (set DATABASE_URL=postgres://...): the SQLite case "
            "runs above on a file database, which the in-memory test one is not"
        )
    ensure_roles()
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    assert_made_by_the_worker(scenario(url))


@pytest.mark.django_db
def test_a_rolled_back_save_queues_nothing(database_queue, editor):
    article = make_article()
    article.image = uploaded("사진.jpg", jpeg((600, 400)))
    article.image_alt = "시민들"

    # The test's transaction never commits, like a save that fails at the end.
    workflow.save_article(article, by=editor)

    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_a_save_that_keeps_the_image_queues_nothing_again(
    database_queue, editor, django_capture_on_commit_callbacks
):
    article = make_article()
    article.image = uploaded("사진.jpg", jpeg((600, 400)))
    article.image_alt = "시민들"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.save_article(article, by=editor)
    assert DBTaskResult.objects.count() == 1
    tasks.make_renditions.call(article.image_id)  # as the worker would
    article = Article.objects.get(pk=article.pk)
    article.title = "제목만 고친 기사"

    with django_capture_on_commit_callbacks(execute=True):
        workflow.save_article(article, by=editor)

    assert DBTaskResult.objects.count() == 1
    assert Article.objects.get(pk=article.pk).image.renditions["source"] == (
        article.image.file.name
    )


@pytest.mark.django_db
def test_a_task_for_a_deleted_image_does_nothing():
    assert tasks.make_renditions.call(987654) is False


def image_shown_by_an_article() -> Image:
    image = stored_image("광장.jpg", jpeg((600, 400)), alt="시민들")
    make_article(image=image)
    return image


@pytest.mark.django_db(transaction=True)
def test_the_worker_makes_the_files_with_no_transaction_and_so_no_lock(monkeypatch):
    image = image_shown_by_an_article()
    made_inside = []
    real = images.make_renditions

    def watched(image):
        made_inside.append(connection.in_atomic_block)
        return real(image)  # the real work, watched

    monkeypatch.setattr(images, "make_renditions", watched)

    assert tasks.make_renditions.call(image.pk) is True

    assert made_inside == [False]  # no row of the article or image was locked
    stored = Image.objects.get(pk=image.pk)
    assert stored.renditions["source"] == image.file.name
    assert rendition_names(stored) <= stored_files()


@pytest.mark.django_db
def test_files_made_for_an_image_hidden_meanwhile_are_deleted_not_stored(
    monkeypatch, superuser
):
    image = image_shown_by_an_article()
    article = image.articles.get()
    real = images.make_renditions
    made = []

    def taken_down_meanwhile(image):
        data = real(image)
        made.extend(rendition_names_of(data))
        workflow.take_down(article, by=superuser, notice="법원 결정에 따라 내립니다.")
        return data

    monkeypatch.setattr(images, "make_renditions", taken_down_meanwhile)

    assert tasks.make_renditions.call(image.pk) is False

    assert made and not set(made) & stored_files()
    assert Image.objects.get(pk=image.pk).renditions == {}


def rendition_names_of(data: dict) -> set[str]:
    return {item["name"] for item in data.get("items", [])}


def rendition_names(image) -> set[str]:
    return rendition_names_of(image.renditions)


# /healthz watches the queue ----------------------------------------------------


@pytest.mark.django_db
def test_health_fails_when_a_ready_task_waits_too_long(client, database_queue):
    tasks.make_renditions.enqueue(1)
    assert client.get("/healthz").json()["checks"]["task_queue"]["ok"] is True

    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=11))
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["task_queue"] == {
        "ok": False,
        "error": "TaskQueueStalled",
        "ms": response.json()["checks"]["task_queue"]["ms"],
    }


@pytest.mark.django_db
def test_health_ignores_old_tasks_that_already_ran(client, database_queue):
    tasks.make_renditions.enqueue(1)
    DBTaskResult.objects.update(
        enqueued_at=timezone.now() - timedelta(hours=3), status="SUCCESSFUL"
    )

    assert client.get("/healthz").json()["checks"]["task_queue"]["ok"] is True


@pytest.mark.django_db
def test_a_task_for_an_article_taken_down_since_the_save_makes_nothing(superuser):
    article = make_article()
    article.image = uploaded("사진.jpg", jpeg((600, 400)))
    article.image_alt = "시민들"
    workflow.save_article(article, by=superuser)  # queued (not run: no commit)
    workflow.take_down(article, by=superuser, notice="법원 결정에 따라 내립니다.")

    assert tasks.make_renditions.call(article.image_id) is False
    assert Article.objects.get(pk=article.pk).image.renditions == {}


@pytest.mark.django_db
def test_finished_renditions_are_announced_so_caches_drop_the_placeholder(
    editor, django_capture_on_commit_callbacks
):
    from articles.workflow.signals import article_changed

    article = make_article()
    article.image = uploaded("사진.jpg", jpeg((600, 400)))
    article.image_alt = "시민들"
    seen = []

    def receiver(action, before, after, **kwargs):
        seen.append((action, before.renditions, after.renditions))

    article_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            workflow.save_article(article, by=editor)  # the task runs on commit
    finally:
        article_changed.disconnect(receiver)

    actions = [action for action, *_ in seen]
    assert actions == ["save", "renditions"], actions
    _, before, after = seen[1]
    assert (
        before == ""
        and after == Article.objects.get(pk=article.pk).image.renditions["folder"]
    )


def assert_fragments_left_to_the_worker(outcome: dict) -> None:
    # The import queued the work and stored nothing; the worker stored it.
    assert outcome["queued_after_import"] == [
        ["articles.tasks.refresh_fragments", "READY"]
    ]
    assert outcome["rows_after_import"]["첫 제목"]["stored"] is False
    assert outcome["worker_after_import"]["returncode"] == 0, outcome
    assert outcome["rows_after_first_worker"] == {
        "첫 제목": {"stored": True, "card_has_title": True, "header_has_title": True}
    }
    # A re-import with a new title: its stored card showed the old one, so it is
    # marked not stored, and the pages show the new title before the worker ran.
    assert outcome["rows_after_reimport"]["고친 제목"]["stored"] is False
    assert outcome["reimport_front_shows"] == {"첫 제목": False, "고친 제목": True}
    assert outcome["reimport_page_shows_new_title"] is True
    # loaddata too: the new article is on the pages at once.
    assert outcome["rows_after_loaddata"]["새 기사"]["stored"] is False
    assert outcome["loaddata_front_shows_new"] is True
    assert outcome["loaddata_page_shows_new"] is True
    # The worker then stored both, with the new text.
    assert outcome["worker_at_end"]["returncode"] == 0, outcome
    assert outcome["rows_at_end"] == {
        "고친 제목": {"stored": True, "card_has_title": True, "header_has_title": True},
        "새 기사": {"stored": True, "card_has_title": True, "header_has_title": True},
    }
    assert outcome["statuses_at_end"] == ["SUCCESSFUL"] * 3
    assert outcome["front_at_end_shows"] == {
        "첫 제목": False,
        "고친 제목": True,
        "새 기사": True,
    }


def test_a_bulk_load_leaves_the_fragments_to_the_worker_on_a_sqlite_file(tmp_path):
    outcome = run_on_sqlite_file(
        "tests.bulk_queue", tmp_path / "queue.sqlite3", timeout=400
    )
    assert_fragments_left_to_the_worker(outcome)


@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_leaves_the_fragments_to_the_worker_on_postgresql(
    database_queue, cache_shared_with_the_worker, settings, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only (set DATABASE_URL=postgres://...): the SQLite case "
            "runs above on a file database, which the in-memory test one is not"
        )
    from tests.bulk_queue import collect_static

    settings.STORAGES = collect_static(tmp_path / "static")
    settings.STATIC_ROOT = tmp_path / "static"
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    assert_fragments_left_to_the_worker(bulk_scenario(url, tmp_path))
