from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from articles.models import Article
from search import indexing


class Command(BaseCommand):
    help = (
        "Rewrite the search entry of every article, e.g. after bulk_create(), "
        "update() or a data migration, which send no signals."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, database, batch_size, **options):
        articles = Article.objects.using(database).order_by("pk")
        total = articles.count()
        self.stdout.write(f"기사 {total}건의 검색 색인을 다시 만듭니다.")
        written, last_pk = 0, None
        while True:
            ids = articles if last_pk is None else articles.filter(pk__gt=last_pk)
            chunk = list(ids.values_list("pk", flat=True)[: batch_size * 10])
            if not chunk:
                break
            written += indexing.reindex(
                Article.objects.filter(pk__in=chunk),
                using=database,
                batch_size=batch_size,
            )
            last_pk = chunk[-1]
            self.stdout.write(f"  {written}/{total}")
        self.stdout.write(self.style.SUCCESS(f"검색 색인 {written}건을 만들었습니다."))
