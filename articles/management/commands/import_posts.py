from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...importing import ImportRefused, import_paths

PROGRESS_EVERY = 100


class Command(BaseCommand):
    help = (
        "Import Jekyll-style documents (YAML front matter, then an HTML or Markdown "
        "body) from files or folders. All or nothing: one bad document refuses "
        "the run. A document whose article an editor changed since the last "
        "import is skipped and listed, unless --overwrite-edits is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="files or folders")
        parser.add_argument(
            "--overwrite-edits",
            action="store_true",
            help="Import documents whose articles were edited (saved, unpublished, "
            "reopened, ...) since their last import, over those edits. A takedown "
            "or an unpublish is still never undone.",
        )

    def handle(self, *args, paths, verbosity, overwrite_edits=False, **options):
        def progress(done, total, article, created):
            if verbosity >= 2:
                action = "created" if created else "updated"
                self.stdout.write(f"[{done}/{total}] {action} {article.document_key}")
            elif verbosity >= 1 and (done % PROGRESS_EVERY == 0 and done < total):
                self.stdout.write(f"{done}/{total} documents imported...")

        try:
            result = import_paths(
                paths, progress=progress, overwrite_edits=overwrite_edits
            )
        except ImportRefused as refused:
            raise CommandError(str(refused)) from None
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported {len(result.created) + len(result.updated)} documents: "
                    f"{len(result.created)} created, {len(result.updated)} updated."
                    + (f" {len(result.skipped)} skipped." if result.skipped else "")
                )
            )
        for document, _article, reason in result.skipped:
            self.stdout.write(self.style.WARNING(f"skipped {document.path}: {reason}"))
        if result.skipped and verbosity >= 1:
            self.stdout.write(
                "Skipped documents keep the editors' version; "
                "--overwrite-edits imports them over it."
            )
