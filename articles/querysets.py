"""What readers may see, and when: live() and every read rule beside it.

Faces (views, feeds, sitemaps, template tags, the admin's filters) call these
methods and never write a rule of their own. Where a rule has a Python mirror on
the model (is_live_at, is_scheduled_at, is_expired_at, last_modified_at), one
parametrised test checks both.
"""

import json
from datetime import datetime
from operator import itemgetter

from django.db import models
from django.db.models import (
    Aggregate,
    Case,
    Exists,
    F,
    JSONField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    TextField,
    When,
)
from django.db.models.functions import JSONObject
from django.db.models.query import ModelIterable
from django.utils import timezone

# Archives reach this far: beyond, a date cannot be turned into UTC and back.
FIRST_ARCHIVE_YEAR = 2
LAST_ARCHIVE_YEAR = 9998


def last_modified(prefix: str = ""):
    """Article.last_modified_at as a database expression.

    The later of publication and the last public change (a correction, an
    update): what sitemaps, feeds and structured data call "modified". `prefix`
    reaches an article through a relation ("articles__").
    """
    changed, published = f"{prefix}last_public_change_at", f"{prefix}publish_at"
    return Case(
        When(**{f"{changed}__gt": F(published)}, then=F(changed)),
        default=F(published),
    )


def period_bounds(year: int, month: int | None = None) -> tuple[datetime, datetime]:
    """The start and end of a year or month in the site's time zone.

    Raises ValueError for a month outside 1..12 or a year the archive does not
    cover.
    """
    if not FIRST_ARCHIVE_YEAR <= year <= LAST_ARCHIVE_YEAR:
        raise ValueError(f"No archive for the year {year}.")
    zone = timezone.get_current_timezone()
    if month is None:
        return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)
    start = datetime(year, month, 1, tzinfo=zone)
    after = (year + 1, 1) if month == 12 else (year, month + 1)
    return start, datetime(*after, 1, tzinfo=zone)


def live_at(now: datetime, through: str = "") -> Q:
    """live()'s rule as a condition, for rows related to an article too:
    `through="content_object__"` filters category rows by their article, and
    `through="article_"` by the copies on them (articles/denormalized.py)."""
    from .models import Article

    return Q(
        Q((f"{through}expire_at__isnull", True)) | Q((f"{through}expire_at__gt", now)),
        (f"{through}status", Article.Status.PUBLISHED),
        (f"{through}publish_at__lte", now),
    )


class ArticleQuerySet(models.QuerySet):
    def live(self, now: datetime | None = None) -> "ArticleQuerySet":
        """Articles a reader may see at `now`: published, due and not expired.

        The one visibility rule: scheduled articles appear when their time comes
        and expired ones leave, with no job running; drafts, articles in review,
        unpublished and taken-down ones never show. Article.is_live_at mirrors it.
        """
        return self.filter(live_at(now or timezone.now()))

    def scheduled(self, now: datetime | None = None) -> "ArticleQuerySet":
        """Published articles whose publish time is still ahead."""
        now = now or timezone.now()
        return self.filter(status=self.model.Status.PUBLISHED, publish_at__gt=now)

    def expired(self, now: datetime | None = None) -> "ArticleQuerySet":
        """Published articles whose expiry time has come: they left the site on
        their own, and Article.is_expired_at mirrors it."""
        now = now or timezone.now()
        return self.filter(status=self.model.Status.PUBLISHED, expire_at__lte=now)

    def waiting_for_review(self) -> "ArticleQuerySet":
        return self.filter(status=self.model.Status.IN_REVIEW)

    def owned_by(self, user) -> "ArticleQuerySet":
        return self.filter(owner=user)

    def newest_first(self) -> "ArticleQuerySet":
        return self.order_by("-publish_at", "-pk")

    def in_category(self, category) -> "ArticleQuerySet":
        """Articles in `category`. An IN list, not a join: a newest-first page
        then walks the publish_at index and stops after one page, instead of
        sorting every article of the category (with its card data) first."""
        from .models import CategorizedArticle

        return self.filter(
            pk__in=CategorizedArticle.objects.filter(tag=category).values(
                "content_object_id"
            )
        )

    def page_in_category(
        self, category, now: datetime, offset: int, limit: int
    ) -> "ArticleQuerySet":
        """The articles on one page of `category`'s live list, newest first.

        The page's ids come from the category rows' copies of their article's
        visibility (articles/denormalized.py) by one index, which stops after
        the page, however large the category; these articles are still
        filtered by live() where the caller asks for it.
        """
        from .models import CategorizedArticle

        members = CategorizedArticle.objects.filter(tag=category)
        return self._page_of_members(members, "content_object_id", now, offset, limit)

    def page_by_author(
        self, author, now: datetime, offset: int, limit: int
    ) -> "ArticleQuerySet":
        """One page of `author`'s live articles, as page_in_category()."""
        from .models import Byline

        members = Byline.objects.filter(author=author)
        return self._page_of_members(members, "article_id", now, offset, limit)

    def _page_of_members(self, members, article_column, now, offset, limit):
        ids = (
            members.filter(live_at(now, through="article_"))
            .order_by("-article_publish_at", f"-{article_column}")
            .values(article_column)[offset : offset + limit]
        )
        return self.filter(pk__in=ids)

    def published_in(self, year: int, month: int | None = None) -> "ArticleQuerySet":
        """Articles published in a year or a month of it, in the site's time zone.

        Raises ValueError for a period the archive cannot cover (see
        period_bounds), which a view turns into a 404.
        """
        start, end = period_bounds(year, month)
        return self.filter(publish_at__gte=start, publish_at__lt=end)

    def next_scheduled_change(self, now: datetime | None = None) -> datetime | None:
        """The next moment after `now` when an article goes live or expires on its
        own (a publish or expiry time ahead), or None: until then live() gives
        the same answer, which is how long a cached page may live."""
        now = now or timezone.now()
        published = self.filter(status=self.model.Status.PUBLISHED)
        times = published.aggregate(
            publish=Min("publish_at", filter=Q(publish_at__gt=now)),
            expire=Min("expire_at", filter=Q(expire_at__gt=now)),
        )
        upcoming = [moment for moment in times.values() if moment is not None]
        return min(upcoming, default=None)

    def latest_modification(self) -> datetime | None:
        """The newest last_modified_at among these articles, or None for none."""
        return self.aggregate(latest=Max(last_modified()))["latest"]

    def for_listing(self) -> "ArticleQuerySet":
        """Fetch what a card shows, its image, categories and bylines included,
        in the article query itself: one query for a list of any length.

        Each row carries its categories and its byline as JSON arrays built by
        correlated subqueries (indexed on the article's id); the rows then fill
        Django's prefetch cache, so article.categories.all() and
        article.ordered_authors() read them without a query, exactly as after
        prefetch_related(), which would cost two more queries per list.
        """
        from .models import Byline, CategorizedArticle

        categories = (
            CategorizedArticle.objects.filter(content_object=OuterRef("pk"))
            .order_by()
            .values("content_object")
            .annotate(
                data=JSONArrayAgg(
                    JSONObject(
                        row="pk", id="tag_id", name="tag__name", slug="tag__slug"
                    )
                )
            )
            .values("data")
        )
        bylines = (
            Byline.objects.filter(article=OuterRef("pk"))
            .order_by()
            .values("article")
            .annotate(
                data=JSONArrayAgg(
                    JSONObject(
                        row="pk",
                        position="position",
                        id="author_id",
                        name="author__name",
                        slug="author__slug",
                    )
                )
            )
            .values("data")
        )
        # The uploaded image (its renditions, texts and size) in the same row.
        clone = self.select_related("image").annotate(
            # Decoded by ListingIterable: psycopg already decodes json, SQLite
            # gives text, and JSONField would decode it a second time.
            listed_categories=Subquery(categories, output_field=TextField()),
            listed_bylines=Subquery(bylines, output_field=TextField()),
        )
        clone._iterable_class = ListingIterable
        return clone

    def with_fragments(self, *names: str) -> "ArticleQuerySet":
        """Only the stored fragments `names` and their key: what a list of cards
        reads (articles/fragments.py); a stale row is fetched again there."""
        return self.only("pk", "fragments_key", *names)

    def with_category_ids(self) -> "ArticleQuerySet":
        """Each article's category ids as `category_ids` (a JSON array, decoded
        by category_ids_of), from a correlated subquery on the article's id:
        what related articles start from, without a query of their own."""
        from .models import CategorizedArticle

        ids = (
            CategorizedArticle.objects.filter(content_object=OuterRef("pk"))
            .order_by()
            .values("content_object")
            .annotate(ids=JSONArrayAgg("tag_id"))
            .values("ids")
        )
        return self.annotate(category_ids=Subquery(ids, output_field=TextField()))

    def for_cards(self) -> "ArticleQuerySet":
        """for_listing() without the body: lists never show it."""
        return self.for_listing().defer("body", "body_html", "front_matter")


class JSONArrayAgg(Aggregate):
    """The rows' values as one JSON array: json_group_array on SQLite, json_agg
    on PostgreSQL. Unordered: ListingIterable sorts in Python."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSON_AGG", **extra_context)


def decoded_json_array(value) -> list:
    """A JSON array annotation as a list: NULL (no rows) is the empty list."""
    if value is None:
        return []
    if isinstance(value, str):  # SQLite gives text, psycopg a decoded list
        return json.loads(value)
    return value


def _cached_queryset(model, objects: list) -> models.QuerySet:
    """A queryset already evaluated to `objects`, as prefetch_related leaves it."""
    queryset = models.QuerySet(model=model)
    queryset._result_cache = objects
    queryset._prefetch_done = True
    return queryset


class ListingIterable(ModelIterable):
    """Articles from for_listing(), with their categories (in the order they
    were given) and bylines (in byline order) in the prefetch cache.

    A category or an author on several cards of one list is one shared
    instance: building model instances is most of this loop's cost.
    """

    def __iter__(self):
        from .models import Author, Byline, Category

        categories: dict[int, Category] = {}
        authors: dict[int, Author] = {}
        for article in super().__iter__():
            category_rows = sorted(
                decoded_json_array(article.__dict__.pop("listed_categories", None)),
                key=itemgetter("row"),
            )
            byline_rows = sorted(
                decoded_json_array(article.__dict__.pop("listed_bylines", None)),
                key=itemgetter("position", "row"),
            )
            for row in category_rows:
                if row["id"] not in categories:
                    categories[row["id"]] = Category(
                        id=row["id"], name=row["name"], slug=row["slug"]
                    )
            bylines = []
            for row in byline_rows:
                author = authors.get(row["id"])
                if author is None:
                    author = authors[row["id"]] = Author(
                        id=row["id"], name=row["name"], slug=row["slug"]
                    )
                byline = Byline(
                    id=row["row"],
                    article_id=article.pk,
                    author_id=author.pk,
                    position=row["position"],
                )
                byline._state.fields_cache = {"article": article, "author": author}
                bylines.append(byline)
            cache = article.__dict__.setdefault("_prefetched_objects_cache", {})
            cache["categories"] = _cached_queryset(
                Category, [categories[row["id"]] for row in category_rows]
            )
            cache["bylines"] = _cached_queryset(Byline, bylines)
            yield article


class _WithLiveArticles(models.QuerySet):
    """Categories or authors a reader may learn of: those with a live article.

    A category or a byline with only drafts, scheduled or withdrawn articles
    would announce a story that is not public, so pages, feeds, sitemaps and the
    navigation list only these. EXISTS, not a join: no duplicates to remove and
    cheap on a large site.
    """

    def _live_articles(self, now):
        raise NotImplementedError

    def with_live_articles(self, now: datetime | None = None):
        return self.filter(Exists(self._live_articles(now)))

    def with_last_modified(self, now: datetime | None = None):
        """with_live_articles(), each with `last_modified`: the newest
        last_modified_at among its live articles (drafts never move it)."""
        newest = (
            self._live_articles(now)
            .annotate(modified=last_modified())
            .order_by("-modified")
            .values("modified")[:1]
        )
        return self.with_live_articles(now).annotate(last_modified=Subquery(newest))


class CategoryQuerySet(_WithLiveArticles):
    def _live_articles(self, now):
        from .models import Article

        return Article.objects.live(now).filter(categorized_items__tag=OuterRef("pk"))


class AuthorQuerySet(_WithLiveArticles):
    def _live_articles(self, now):
        from .models import Article

        return Article.objects.live(now).filter(bylines__author=OuterRef("pk"))
