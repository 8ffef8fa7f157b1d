"""What the public pages show beyond a plain newest-first list: the front page's
lead story and sections, related articles and the date archives.

Every function starts from Article.objects.live() and costs a fixed number of
queries however many articles, categories or authors it returns.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber, TruncMonth
from django.urls import reverse
from django.utils import timezone

from .models import Article, CategorizedArticle, Category

SECTION_ARTICLES = 4
RELATED_ARTICLES = 4


@dataclass(frozen=True)
class ArchivePeriod:
    """A year, or a month of it, as the date archive pages show it."""

    year: int
    month: int | None = None

    def __str__(self):
        return f"{self.year}년 {self.month}월" if self.month else f"{self.year}년"

    def get_absolute_url(self):
        if self.month:
            return reverse(
                "articles:archive-month",
                kwargs={"year": self.year, "month": self.month},
            )
        return reverse("articles:archive-year", kwargs={"year": self.year})


def lead_story(now: datetime | None = None) -> Article | None:
    """The newest live pinned article; with none pinned, the newest live article."""
    return (
        Article.objects.live(now)
        .for_listing()
        .order_by(F("is_pinned").desc(), "-publish_at", "-pk")
        .first()
    )


@dataclass
class Section:
    category: Category
    articles: list[Article]


def front_page_sections(
    now: datetime | None = None, per_section: int = SECTION_ARTICLES
) -> list[Section]:
    """Categories marked as sections, in the editors' order, each with its newest
    live articles; a section with none is left out."""
    now = now or timezone.now()
    categories = list(
        Category.objects.filter(is_section=True).order_by("section_order", "name")
    )
    if not categories:
        return []
    # One row per (section, article), numbered newest first within each section.
    rows = (
        CategorizedArticle.objects.filter(
            tag__in=categories, content_object__in=Article.objects.live(now)
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("tag_id"),
                order_by=[
                    F("content_object__publish_at").desc(),
                    F("content_object_id").desc(),
                ],
            )
        )
        .filter(rank__lte=per_section)
        .order_by("tag_id", "rank")
        .values_list("tag_id", "content_object_id")
    )
    picked: dict[int, list[int]] = {}
    for category_id, article_id in rows:
        picked.setdefault(category_id, []).append(article_id)
    ids = {pk for pks in picked.values() for pk in pks}
    articles = Article.objects.filter(pk__in=ids).for_listing().in_bulk()
    return [
        Section(category, [articles[pk] for pk in picked[category.pk]])
        for category in categories
        if category.pk in picked
    ]


def related_articles(
    article: Article, now: datetime | None = None, limit: int = RELATED_ARTICLES
) -> list[Article]:
    """Live articles sharing a category with `article`: most shared first, then
    newest."""
    category_ids = [category.pk for category in article.categories.all()]
    if not category_ids:
        return []
    return list(
        Article.objects.live(now)
        .exclude(pk=article.pk)
        .filter(categorized_items__tag_id__in=category_ids)
        .annotate(shared=Count("categorized_items"))
        .order_by("-shared", "-publish_at", "-pk")
        .for_listing()[:limit]
    )


def archive_years(now: datetime | None = None) -> list[int]:
    """Years with live articles, newest first, in the site's time zone."""
    zone = timezone.get_current_timezone()
    moments = Article.objects.live(now).datetimes(
        "publish_at", "year", order="DESC", tzinfo=zone
    )
    return [moment.year for moment in moments]


@dataclass
class MonthCount:
    year: int
    month: int
    count: int


def month_counts(year: int, now: datetime | None = None) -> list[MonthCount]:
    """How many live articles each month of `year` has, months without any left
    out, January first. Raises ValueError for a year the archive cannot cover."""
    zone = timezone.get_current_timezone()
    rows = (
        Article.objects.live(now)
        .published_in(year)
        .order_by()
        .annotate(month=TruncMonth("publish_at", tzinfo=zone))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by("month")
    )
    return [
        MonthCount(row["month"].year, row["month"].month, row["count"]) for row in rows
    ]
