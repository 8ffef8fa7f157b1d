"""An upload's renditions made by the real queue and a real worker process.

`scenario()` saves a photo through the workflow with django-tasks-db as the
backend, checks that the save left the task queued and the page with a
placeholder, runs `manage.py db_worker --batch` as a separate process on the
same database and media folder, and reports what the page shows afterwards.
test_tasks.py runs it in-process on PostgreSQL and, as a script
(`python -m tests.task_queue`), on a file SQLite database: the in-memory test
database is invisible to another process.
"""

import json
import os
import shutil
import subprocess
import sys
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def jpeg(size=(1800, 1200)) -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(buffer, format="JPEG")
    return buffer.getvalue()


def run_worker(
    database_url: str, media_root: str, originals_root: str, **environment: str
):
    """`manage.py db_worker` in its own process: every ready task, then exit."""
    return subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
         "--no-reload", "--verbosity", "0"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": media_root,
             "NEWSROOM_ORIGINALS_ROOT": originals_root, **environment},
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def scenario(database_url: str) -> dict:
    from django.conf import settings
    from django.test import Client
    from django_tasks_db.models import DBTaskResult

    from articles import workflow
    from articles.models import Article
    from tests.factories import make_article, uploaded
    from tests.people import make_staff

    editor = make_staff("Editor")
    article = make_article(title="광화문 광장의 촛불")
    article.image = uploaded("광화문 현장 사진.jpg", jpeg())
    article.image_alt = "광화문 광장을 메운 시민들"
    workflow.save_article(article, by=editor)  # commits: the task is queued

    saved = Article.objects.select_related("image").get(pk=article.pk)
    queued = list(DBTaskResult.objects.values_list("task_path", "status"))
    page_before = Client().get(saved.get_absolute_url()).content.decode()
    worker = run_worker(
        database_url, str(settings.MEDIA_ROOT), str(settings.NEWSROOM_ORIGINALS_ROOT)
    )
    done = Article.objects.get(pk=article.pk)
    page_after = Client().get(done.get_absolute_url()).content.decode()
    media = Path(settings.MEDIA_ROOT)
    return {
        "queued": [list(row) for row in queued],
        "renditions_before": saved.image.renditions,
        "placeholder_before": "picture-pending" in page_before,
        "original_linked_before": saved.image.file.name in page_before,
        "worker_returncode": worker.returncode,
        "worker_stderr": worker.stderr[-2000:],
        "statuses_after": list(DBTaskResult.objects.values_list("status", flat=True)),
        "rendition_widths": sorted(
            {item["width"] for item in done.image.renditions.get("items", [])}
        ),
        "files_exist": all(
            (media / item["name"]).is_file() for item in done.image.renditions["items"]
        )
        if done.image.renditions
        else False,
        "picture_after": "<picture>" in page_after,
        "original_linked_after": done.image.file.name in page_after,
    }


def run_in_scratch(prefix: str, configure, scenario) -> None:
    """Run `scenario(scratch)` as a worker's test peer: Django set up with a
    scratch media folder and a cache shared with the worker, `configure(scratch)`
    applied, the database DATABASE_URL names migrated; prints the outcome as
    JSON. Shared by this module and tests/bulk_queue.py."""
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["MEDIA_ROOT"] = str(scratch / "media")
    os.environ["NEWSROOM_ORIGINALS_ROOT"] = str(scratch / "originals")
    # The worker is another process: it invalidates the page this one cached
    # through the cache both share (Redis when REDIS_URL is set, else files).
    os.environ.setdefault("NEWSROOM_CACHE_DIR", str(scratch / "cache"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    configure(scratch)
    settings.TASKS = DATABASE_BACKEND
    call_command("migrate", "--no-input", verbosity=0)
    try:
        outcome = scenario(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    sys.stdout.write(json.dumps(outcome, ensure_ascii=False) + "\n")


def _configure(scratch: Path) -> None:
    from django.conf import settings
    from django.test.utils import override_settings

    # Through override_settings: storages are set up by then (the originals
    # field's storage), and only the setting_changed signal resets them.
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        }
    ).enable()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def main() -> None:
    """Migrate the database DATABASE_URL names, then run the scenario on it."""
    run_in_scratch(
        "task-queue-", _configure, lambda scratch: scenario(os.environ["DATABASE_URL"])
    )


if __name__ == "__main__":
    main()
