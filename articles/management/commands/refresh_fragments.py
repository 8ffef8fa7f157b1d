"""Render every article's stored fragments again (articles/fragments.py).

Pages stay correct without it: a row whose fragments were made with other
templates or settings is rendered per request. Run it after a deploy that
changes either (deploy/serve does, for the stale rows only) to make those
pages fast again.
"""

from django.core.management.base import BaseCommand

from ... import fragments
from ...models import Article


class Command(BaseCommand):
    help = "Render and store every article's HTML fragments (cards, page header)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale", action="store_true", help="only rows with an older key"
        )

    def handle(self, *args, stale=False, **options):
        articles = Article.objects.all()
        if stale:
            articles = articles.exclude(fragments_key=fragments.current_key())
        pks = list(articles.order_by("pk").values_list("pk", flat=True))
        # Rows locked while rendered: make serve runs this beside the site,
        # and an editor's save meanwhile must not be overwritten.
        done = fragments.refresh_locked(pks, stale_only=stale)
        if options["verbosity"]:
            self.stdout.write(f"기사 {done:,}건의 조각을 다시 만들었습니다.")
