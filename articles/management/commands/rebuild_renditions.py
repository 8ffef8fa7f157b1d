from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from ... import fragments, images
from ...models import Article, Image
from ...workflow import media


class Command(BaseCommand):
    help = (
        "Make the responsive renditions of uploaded featured images that lack "
        "them or whose renditions are stale (or of every image, with --force). "
        "Saving an article makes them too; this is for images that came by "
        "loaddata, from before renditions existed, or after changing the widths."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="remake renditions that look fine"
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="also delete rendition files that no image lists (older than an hour)",
        )

    def handle(self, *args, force, prune, verbosity, **options):
        made = current = failed = 0
        shown = Article.objects.exclude(status__in=media.HIDDEN).values("image")
        # Images only unpublished and taken-down articles use keep no public files.
        rows = Image.objects.filter(pk__in=shown).order_by("pk")
        for image in rows.iterator(chunk_size=100):
            with transaction.atomic():
                changed = images.generate_renditions(image, force=force)
                if changed:  # written with UPDATE: the cards show them
                    fragments.refresh(list(image.articles.values_list("pk", flat=True)))
            if not image.renditions:
                failed += 1
                self.stderr.write(f"Could not read {image.file.name} ({image.pk})")
            elif changed:
                made += 1
                if verbosity >= 2:
                    self.stdout.write(f"Made renditions of {image.file.name}")
            else:
                current += 1
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Renditions made for {made} images; {current} already up to "
                    f"date; {failed} unreadable."
                )
            )
        if prune:
            lists = Image.objects.exclude(renditions={}).values_list(
                "renditions", flat=True
            )
            deleted = images.prune_renditions(lists.iterator(), now=timezone.now())
            if verbosity >= 1:
                self.stdout.write(f"Deleted {len(deleted)} unlisted rendition files.")
