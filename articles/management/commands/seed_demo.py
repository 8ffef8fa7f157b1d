"""`manage.py seed_demo --articles N`: a realistic corpus, quickly, for demos and
`make bench`.

Generated Korean articles (articles/demo_corpus.py) of about 2,000 characters
with headings, 3 categories each from a pool of 50 (five of them front-page
sections), one or two of 12 authors, publish times an hour apart going back
from now, and an uploaded featured image on some (`--images`, default one in a
hundred, with renditions).

It writes with bulk inserts, not one workflow save per article: 5,000 saves
would take minutes. The bulk path still builds every derived column the save
path builds: each article's `refresh_derived_fields()` (NFC, slug, rendered
body, reading time) runs before the insert, the search index is built for the
new rows (`search.indexing.reindex`) and image renditions are made. It writes
no revisions or transition log: these articles were never edited. It refuses a
database that already holds demo articles, so running it twice is an error,
not a doubled corpus.
"""

import random
import time
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from search import indexing

from ... import demo_corpus, fragments, images, workflow
from ...models import Article, Author, Byline, CategorizedArticle, Category, Image
from ...models.image import featured_image_path
from ...text import unicode_slug

KEY_PREFIX = "demo-"
BATCH = 500


class Progress:
    """A one-line progress bar on a terminal; a line per tenth otherwise."""

    def __init__(self, stream, label: str, total: int):
        self.stream, self.label, self.total = stream, label, max(total, 1)
        self.tty = getattr(stream, "isatty", lambda: False)()
        self.started = time.monotonic()
        self.shown = -1

    def update(self, done: int) -> None:
        tenth = done * 10 // self.total
        if not self.tty and tenth == self.shown:
            return
        self.shown = tenth
        filled = done * 30 // self.total
        bar = "#" * filled + "-" * (30 - filled)
        line = f"{self.label:<10} [{bar}] {done:>6}/{self.total}"
        line += f"  {time.monotonic() - self.started:5.1f} s"
        self.stream.write(
            ("\r" if self.tty else "") + line, ending="" if self.tty else "\n"
        )
        self.stream.flush()

    def finish(self) -> None:
        self.update(self.total)
        if self.tty:
            self.stream.write("")  # end the bar's line


class Command(BaseCommand):
    help = (
        "Create N generated Korean articles (about 2,000 characters, headings, 3 "
        "of 50 categories, several authors, some uploaded images) with bulk "
        "inserts, building the rendered bodies, search index and renditions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=1000)
        parser.add_argument(
            "--images",
            type=int,
            default=None,
            help="how many articles get an uploaded image (default: 1 in 100)",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed")

    def handle(self, *args, articles, images: int | None, seed, verbosity, **options):
        if articles < 1:
            raise CommandError("--articles must be at least 1.")
        image_count = articles // 100 if images is None else images
        if not 0 <= image_count <= articles:
            raise CommandError(f"--images must be between 0 and {articles}.")
        if Article.objects.filter(document_key__startswith=KEY_PREFIX).exists():
            raise CommandError(
                "이 데이터베이스에는 이미 데모 기사가 있습니다 (document_key가 "
                f"'{KEY_PREFIX}'로 시작). 빈 데이터베이스에서 실행하세요."
            )
        out = self.stdout if verbosity else _Silent()
        started = time.monotonic()
        rng = random.Random(seed)
        with transaction.atomic():
            categories = self._categories()
            authors = self._authors()
            pks = self._articles(articles, image_count, rng, categories, authors, out)
            self._index(pks, out)
        self._renditions(pks, out)
        self._fragments(pks, out)
        # Bulk inserts send no signals: tell the caches, as loaddata does.
        workflow.announce(Article.objects.filter(pk__in=pks), action="seed_demo")
        self._analyze()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"데모 기사 {articles:,}건 (이미지 {image_count}건)을 "
                    f"{time.monotonic() - started:.1f}초 만에 만들었습니다."
                )
            )

    def _analyze(self) -> None:
        """Refresh the query planner's statistics after a bulk insert.

        Without them SQLite (which never gathers them itself) walked the whole
        live index for the related articles and the front page's section cards
        instead of a few index lookups, and PostgreSQL, until autovacuum got to
        the new rows, planned the related articles for an empty table (10 ms
        instead of 2 at 1,000 articles). On PostgreSQL a VACUUM too, outside a
        transaction: the rows are then all-visible (index-only scans need that),
        and autovacuum has nothing left to do in the minutes after a seed, when
        `make bench` measures.
        """
        command = "ANALYZE"
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            command = "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            cursor.execute(command)

    def _categories(self) -> list[Category]:
        existing = {
            c.name: c for c in Category.objects.filter(name__in=demo_corpus.CATEGORIES)
        }
        new = []
        for name in demo_corpus.CATEGORIES:
            if name not in existing:
                category = Category(name=name)
                category.slug = category.slugify(name)
                new.append(category)
        Category.objects.bulk_create(new)
        by_name = {
            c.name: c for c in Category.objects.filter(name__in=demo_corpus.CATEGORIES)
        }
        for order, name in enumerate(demo_corpus.SECTIONS):
            Category.objects.filter(pk=by_name[name].pk).update(
                is_section=True, section_order=order
            )
        return [by_name[name] for name in demo_corpus.CATEGORIES]

    def _authors(self) -> list[Author]:
        return [
            Author.objects.get_or_create(slug=slug, defaults={"name": name})[0]
            for name, slug in demo_corpus.AUTHORS
        ]

    def _articles(self, count, image_count, rng, categories, authors, out) -> list[int]:
        now = timezone.now()
        with_image = set(rng.sample(range(count), image_count))
        progress = Progress(out, "articles", count)
        pks: list[int] = []
        for start in range(0, count, BATCH):
            batch = []
            for index in range(start, min(start + BATCH, count)):
                batch.append(self._article(index, rng, now, index in with_image))
            Article.objects.bulk_create(batch)
            pks.extend(article.pk for article in batch)
            links, bylines = [], []
            for article in batch:
                for category in rng.sample(categories, 3):
                    links.append(
                        CategorizedArticle(content_object=article, tag=category)
                    )
                for position, author in enumerate(
                    rng.sample(authors, rng.choice((1, 1, 2)))
                ):
                    bylines.append(
                        Byline(article=article, author=author, position=position)
                    )
            CategorizedArticle.objects.bulk_create(links)
            Byline.objects.bulk_create(bylines)
            progress.update(len(pks))
        progress.finish()
        return pks

    def _article(self, index, rng, now, has_image) -> Article:
        text = demo_corpus.article(index, rng)
        publish_at = now - timedelta(hours=index + 1, minutes=rng.randint(0, 59))
        article = Article(
            document_key=f"{KEY_PREFIX}{index + 1:06d}",
            title=text.title,
            slug=unicode_slug(f"{text.title}-{index + 1}"),
            excerpt=text.excerpt,
            body=text.body,
            body_format="markdown",
            status=Article.Status.PUBLISHED,
            publish_at=publish_at,
            first_published_at=publish_at,
        )
        if has_image:
            name = images.original_storage().save(
                featured_image_path(None, "photo.jpg"),
                ContentFile(demo_corpus.image_bytes(index)),
            )
            image = Image(
                width=1600,
                height=1000,
                alt=f"{text.title} 관련 자료 사진",
                caption="본문 내용과 관련된 자료 사진.",
                credit="뉴스룸 사진부",
            )
            image.file.name = name
            image.save()
            article.image = image
        article.refresh_derived_fields()
        return article

    def _index(self, pks: list[int], out) -> None:
        progress = Progress(out, "search", len(pks))
        for start in range(0, len(pks), BATCH):
            chunk = pks[start : start + BATCH]
            indexing.reindex(Article.objects.filter(pk__in=chunk), using="default")
            progress.update(start + len(chunk))
        progress.finish()

    def _fragments(self, pks: list[int], out) -> None:
        """Bulk inserts send no signals: render the stored cards here."""
        progress = Progress(out, "fragments", len(pks))
        for start in range(0, len(pks), BATCH):
            chunk = pks[start : start + BATCH]
            with transaction.atomic():
                fragments.refresh(chunk)
            progress.update(start + len(chunk))
        progress.finish()

    def _renditions(self, pks: list[int], out) -> None:
        with_images = Image.objects.filter(
            pk__in=Article.objects.filter(pk__in=pks).values("image")
        ).order_by("pk")
        total = with_images.count()
        if not total:
            return
        progress = Progress(out, "images", total)
        for done, image in enumerate(with_images.iterator(), start=1):
            with transaction.atomic():
                images.generate_renditions(image)
            progress.update(done)
        progress.finish()


class _Silent:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass

    def isatty(self):
        return False
