from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...importing import ImportRefused, import_paths

PROGRESS_EVERY = 100


class Command(BaseCommand):
    help = (
        "Import Jekyll-style documents (YAML front matter, then an HTML or Markdown "
        "body) from files or folders. All or nothing: one bad document refuses "
        "the run."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="files or folders")

    def handle(self, *args, paths, verbosity, **options):
        def progress(done, total, article, created):
            if verbosity >= 2:
                action = "created" if created else "updated"
                self.stdout.write(f"[{done}/{total}] {action} {article.document_key}")
            elif verbosity >= 1 and (done % PROGRESS_EVERY == 0 and done < total):
                self.stdout.write(f"{done}/{total} documents imported...")

        try:
            result = import_paths(paths, progress=progress)
        except ImportRefused as refused:
            raise CommandError(str(refused)) from None
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported {len(result.created) + len(result.updated)} documents: "
                    f"{len(result.created)} created, {len(result.updated)} updated."
                )
            )
