from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ...importing import ImportRefused, OldSite, import_paths
from ...models import validate_web_url

PROGRESS_EVERY = 100


class Command(BaseCommand):
    help = (
        "Import Jekyll-style documents (YAML front matter, then an HTML or Markdown "
        "body) from files or folders. All or nothing: one bad document refuses "
        "the run. Images given as site paths (/assets/...) or relative paths are "
        "copied from --assets or pointed at --site-url; what neither can place is "
        "listed as a warning at the end. A document whose article an editor "
        "changed since the last import is skipped and listed, unless "
        "--overwrite-edits is given."
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
        parser.add_argument(
            "--assets",
            type=Path,
            metavar="DIR",
            help="the old site's root folder: featured images named by path are "
            "copied from it into media storage",
        )
        parser.add_argument(
            "--site-url",
            metavar="URL",
            default="",
            help="the old site's address: image paths (featured, and in bodies) "
            "become absolute URLs on it",
        )

    def handle(
        self, *args, paths, verbosity, assets, site_url, overwrite_edits, **options
    ):
        if assets is not None and not assets.is_dir():
            raise CommandError(f"--assets {assets}: no such folder.")
        if site_url:
            try:
                validate_web_url(site_url)
            except ValidationError:
                raise CommandError(
                    f"--site-url {site_url!r}: not an http or https URL."
                ) from None

        def progress(done, total, article, created):
            if verbosity >= 2:
                action = "created" if created else "updated"
                self.stdout.write(f"[{done}/{total}] {action} {article.document_key}")
            elif verbosity >= 1 and (done % PROGRESS_EVERY == 0 and done < total):
                self.stdout.write(f"{done}/{total} documents imported...")

        site = OldSite(assets=assets, url=site_url)
        try:
            result = import_paths(
                paths, site=site, progress=progress, overwrite_edits=overwrite_edits
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
        if result.warnings:
            # On stderr even at -v 0: something the migrator has to look at.
            self.stderr.write(
                self.style.WARNING(
                    f"{len(result.warnings)} document(s) imported with warnings:"
                )
            )
            for path, warning in result.warnings:
                self.stderr.write(f"  {path}: {warning}")
