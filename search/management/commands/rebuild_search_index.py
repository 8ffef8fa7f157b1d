import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django.tasks.backends.dummy import DummyBackend
from django.tasks.backends.immediate import ImmediateBackend

from search import indexing

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Rebuild the search index of every article, e.g. after bulk_create(), "
        "update() or a data migration, which send no signals. Builds into shadow "
        "tables and swaps them in at the end: search keeps answering from the "
        "old index until the new one is complete."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--background",
            action="store_true",
            help="Hand the rebuild to the task queue (settings.TASKS) and return.",
        )

    def handle(self, *args, database, batch_size, background, **options):
        if background:
            return self.enqueue(database, batch_size)
        self.stdout.write(
            "검색 색인을 새로 만듭니다. 다 만들 때까지 기존 색인으로 검색합니다."
        )
        written = indexing.rebuild_in_shadow(
            using=database, batch_size=batch_size, progress=self.progress
        )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"검색 색인 {written}건을 만들었습니다."))

    def progress(self, done: int, total: int) -> None:
        share = done / total if total else 1
        filled = round(BAR_WIDTH * share)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        line = f"[{bar}] {done:,}/{total:,} ({share:.0%})"
        # A terminal sees one bar redrawn; a log file one line per batch.
        ending = "\r" if self.stdout.isatty() else "\n"
        self.stdout.write(line, ending=ending)
        if ending == "\r":
            sys.stdout.flush()

    def enqueue(self, database: str, batch_size: int) -> None:
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if isinstance(backend, ImmediateBackend | DummyBackend):
            raise CommandError(
                "--background needs a task queue, and none is configured: "
                f"settings.TASKS uses {type(backend).__name__}, which would run the "
                "rebuild here or never. Configure a queue backend (django-tasks-db) "
                "and its worker, or run without --background."
            )
        from search.tasks import rebuild_search_index

        result = rebuild_search_index.enqueue(using=database, batch_size=batch_size)
        self.stdout.write(f"검색 색인 재구성 작업을 대기열에 넣었습니다: {result.id}")
