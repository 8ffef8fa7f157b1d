from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from ... import fragments, images
from ...models import Article
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
            help="also delete rendition files that no article lists (older than "
            "an hour)",
        )

    def handle(self, *args, force, prune, verbosity, **options):
        made = current = failed = 0
        articles = (
            # Unpublished and taken-down articles keep no public files.
            Article.objects.exclude(image="")
            .exclude(status__in=media.HIDDEN)
            .only("pk", "image", "image_width", "image_height", "renditions")
            .order_by("pk")
        )
        for article in articles.iterator(chunk_size=100):
            with transaction.atomic():
                changed = images.generate_renditions(article, force=force)
                if changed:  # written with UPDATE: the cards show them
                    fragments.refresh([article.pk])
            if not article.renditions:
                failed += 1
                self.stderr.write(f"Could not read {article.image.name} ({article.pk})")
            elif changed:
                made += 1
                if verbosity >= 2:
                    self.stdout.write(f"Made renditions of {article.image.name}")
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
            lists = Article.objects.exclude(renditions={}).values_list(
                "renditions", flat=True
            )
            deleted = images.prune_renditions(lists.iterator(), now=timezone.now())
            if verbosity >= 1:
                self.stdout.write(f"Deleted {len(deleted)} unlisted rendition files.")
