"""What readers may see, and when: live() and every read rule beside it.

Faces (views, feeds, sitemaps, template tags, the admin's filters) call these
methods and never write a rule of their own. Where a rule has a Python mirror on
the model (is_live_at, is_scheduled_at, is_expired_at, last_modified_at), one
parametrised test checks both.
"""

from datetime import datetime

from django.db import models
from django.db.models import (
    Case,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    When,
)
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


class ArticleQuerySet(models.QuerySet):
    def live(self, now: datetime | None = None) -> "ArticleQuerySet":
        """Articles a reader may see at `now`: published, due and not expired.

        The one visibility rule: scheduled articles appear when their time comes
        and expired ones leave, with no job running; drafts, articles in review,
        unpublished and taken-down ones never show. Article.is_live_at mirrors it.
        """
        now = now or timezone.now()
        return self.filter(
            Q(expire_at__isnull=True) | Q(expire_at__gt=now),
            status=self.model.Status.PUBLISHED,
            publish_at__lte=now,
        )

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
        return self.filter(categories=category)

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
        """Prefetch what a card shows, so a page costs the same for any length."""
        from .models import Byline

        return self.prefetch_related(
            "categories",
            Prefetch(
                "bylines",
                queryset=Byline.objects.select_related("author").order_by("position"),
            ),
        )


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
