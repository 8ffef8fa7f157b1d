"""A bulk load's stored fragments made by the real queue and a real worker process.

`scenario()` imports a document, re-imports it with a new title and loads a
fixture of another article, with django-tasks-db as the backend; after each
load it reads the pages (which must already show the new text) and the rows
(whose fragments must be marked not stored), then runs `manage.py db_worker
--batch` as a separate process and reads the rows again (the fragments of the
new text, stored and current). The worker renders with the same collected
static files as this process, so both compute the same fragments key.
test_tasks.py runs it in-process on PostgreSQL and, as a script (`python -m
tests.bulk_queue`), on a file SQLite database.
"""

import json
import os
from io import StringIO
from pathlib import Path

from tests.task_queue import run_in_scratch, run_worker

KEY = "bulk-queue-first"


def collect_static(static_root: Path) -> dict:
    """Collect the static files into `static_root`; the STORAGES that read them."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }
    with override_settings(STATIC_ROOT=static_root, STORAGES=storages):
        call_command("collectstatic", "--no-input", verbosity=0)
    return storages


def write_document(folder: Path, title: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "first.html"
    path.write_text(
        f"---\nid: {KEY}\ntitle: {title}\ncategories: [정치]\n---\n"
        f"<p>{title}의 본문입니다.</p>\n",
        encoding="utf-8",
    )
    return path


def write_fixture(folder: Path, title: str) -> Path:
    path = folder / "second.json"
    rows = [
        {
            "model": "articles.article",
            "fields": {
                "title": title,
                "document_key": "bulk-queue-second",
                "body": f"<p>{title}의 본문입니다.</p>",
                "body_format": "html",
                "status": "published",
                "publish_at": "2026-01-02T09:00:00+09:00",
                "created_at": "2026-01-02T09:00:00+09:00",
                "updated_at": "2026-01-02T09:00:00+09:00",
            },
        }
    ]
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def scenario(database_url: str, folder: Path) -> dict:
    """Run with STATIC_ROOT and STORAGES set by collect_static(); `folder` holds
    the documents and the fixture."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django_tasks_db.models import DBTaskResult

    from articles import fragments
    from articles.importing import import_paths
    from articles.models import Article

    def rows() -> dict:
        return {
            article.title: {
                "stored": fragments.is_current(article),
                "card_has_title": article.title in article.card_html,
                "header_has_title": article.title in article.page_header_html,
            }
            for article in Article.objects.order_by("pk")
        }

    def pages() -> dict:
        client = Client()
        shown = {"front": client.get("/").content.decode()}
        for article in Article.objects.order_by("pk"):
            page = client.get(article.get_absolute_url())
            shown[article.title] = page.content.decode()
        return shown

    def worker():
        done = run_worker(
            database_url,
            str(settings.MEDIA_ROOT),
            str(settings.NEWSROOM_ORIGINALS_ROOT),
            NEWSROOM_STATIC_ROOT=str(settings.STATIC_ROOT),
        )
        return {"returncode": done.returncode, "stderr": done.stderr[-2000:]}

    outcome: dict = {}
    documents = folder / "documents"

    import_paths([write_document(documents, "첫 제목")])
    outcome["queued_after_import"] = [
        list(row) for row in DBTaskResult.objects.values_list("task_path", "status")
    ]
    outcome["rows_after_import"] = rows()
    outcome["worker_after_import"] = worker()
    outcome["rows_after_first_worker"] = rows()

    import_paths([write_document(documents, "고친 제목")])
    shown = pages()
    outcome["reimport_front_shows"] = {
        title: title in shown["front"] for title in ("첫 제목", "고친 제목")
    }
    outcome["reimport_page_shows_new_title"] = "고친 제목" in shown["고친 제목"]
    outcome["rows_after_reimport"] = rows()

    call_command("loaddata", str(write_fixture(folder, "새 기사")), stdout=StringIO())
    shown = pages()
    outcome["loaddata_front_shows_new"] = "새 기사" in shown["front"]
    outcome["loaddata_page_shows_new"] = "새 기사" in shown["새 기사"]
    outcome["rows_after_loaddata"] = rows()

    outcome["worker_at_end"] = worker()
    outcome["rows_at_end"] = rows()
    outcome["statuses_at_end"] = sorted(
        DBTaskResult.objects.values_list("status", flat=True)
    )
    shown = pages()
    outcome["front_at_end_shows"] = {
        title: title in shown["front"] for title in ("첫 제목", "고친 제목", "새 기사")
    }
    return outcome


def _configure(scratch: Path) -> None:
    from django.test.utils import override_settings

    static_root = scratch / "static"
    storages = collect_static(static_root)
    override_settings(STATIC_ROOT=static_root, STORAGES=storages).enable()


def main() -> None:
    """Migrate the database DATABASE_URL names, then run the scenario on it."""
    run_in_scratch(
        "bulk-queue-",
        _configure,
        lambda scratch: scenario(os.environ["DATABASE_URL"], scratch),
    )


if __name__ == "__main__":
    main()
