from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...importing import export_articles
from ...models import Article
from ...text import nfc


class Command(BaseCommand):
    help = (
        "Write articles as front-matter documents into OUTDIR, ready for "
        "import_posts. Every article unless --slug names some."
    )

    def add_arguments(self, parser):
        parser.add_argument("outdir", type=Path)
        parser.add_argument(
            "--slug",
            action="append",
            default=[],
            dest="slugs",
            help="export only this article (repeatable)",
        )

    def handle(self, *args, outdir, slugs, verbosity, **options):
        articles = (
            Article.objects.order_by("pk")
            .select_related("image")
            .prefetch_related("categories")
        )
        if slugs:
            slugs = [nfc(slug) for slug in slugs]
            articles = articles.filter(slug__in=slugs)
            missing = set(slugs) - {article.slug for article in articles}
            if missing:
                raise CommandError(
                    f"No article with slug: {', '.join(sorted(missing))}"
                )
        if outdir.exists() and not outdir.is_dir():
            raise CommandError(f"{outdir} exists and is not a folder.")
        written = export_articles(articles, outdir)
        if verbosity >= 2:
            for path in written:
                self.stdout.write(str(path))
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"Exported {len(written)} articles to {outdir}.")
            )
