"""What the public pages show beyond a plain newest-first list: the front page's
lead story and sections, related articles and the date archives.

Every function starts from Article.objects.live() and costs one query (or
none: the site-wide lists come from sitecache) however many articles,
categories or authors it returns.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import sitecache
from .links import reverse
from .models import Article, CategorizedArticle, Category
from .prepared import PreparedQuery
from .querysets import live_at, period_bounds

SECTION_ARTICLES = 4
RELATED_ARTICLES = 4
# How many of the latest articles in each of its categories, and of how many of
# its categories, an article's related list is chosen from.
RELATED_CANDIDATES = 20
RELATED_CATEGORIES = 4


@dataclass(frozen=True)
class ArchivePeriod:
    """A year, or a month of it, as the date archive pages show it."""

    year: int
    month: int | None = None

    def __str__(self):
        return f"{self.year}년 {self.month}월" if self.month else f"{self.year}년"

    def get_absolute_url(self):
        if self.month:
            return reverse("articles:archive-month", year=self.year, month=self.month)
        return reverse("articles:archive-year", year=self.year)


def lead_story(now: datetime | None = None) -> Article | None:
    """The newest live pinned article; with none pinned, the newest live article.

    One query: each candidate is found by its own index-backed subquery (a
    partial index holds the pinned ones), not by sorting every live article;
    compiled once per process (articles/prepared.py).
    """
    return next(iter(_lead(now=now or timezone.now())), None)


def _lead_queryset(now, **inputs):
    live = Article.objects.live(now)
    pinned = live.filter(is_pinned=True).newest_first().values("pk")[:1]
    newest = live.newest_first().values("pk")[:1]
    return Article.objects.filter(
        pk=Coalesce(Subquery(pinned), Subquery(newest))
    ).with_fragments("lead_html")


_lead = PreparedQuery(_lead_queryset)


@dataclass
class Section:
    category: Category
    articles: list[Article]


def front_page_sections(
    now: datetime | None = None, per_section: int = SECTION_ARTICLES
) -> list[Section]:
    """Categories marked as sections, in the editors' order, each with its newest
    live articles; a section with none is left out.

    Which articles each section shows is read with the sections, from the site
    cache (newest_in_sections, invalidated on every article change and valid
    until the next scheduled one); the page then costs one query for their
    stored cards, still filtered by live(), so a takedown leaves at once. The
    query is unordered: sorted, SQLite walked the live index instead of
    fetching the few ids.
    """
    lists = sitecache.site_lists(now)
    if not lists.sections:
        return []
    members = dict(lists.section_articles)
    wanted = {pk for pks in members.values() for pk in pks[:per_section]}
    if not wanted:
        return []
    cards = {
        article.pk: article
        for article in _section_cards(
            now=now or timezone.now(), fixed={"pks": tuple(sorted(wanted))}
        )
    }
    sections = []
    for category in lists.sections:
        pks = members.get(category.pk, ())[:per_section]
        shown = [cards[pk] for pk in pks if pk in cards]
        if shown:
            sections.append(Section(category, shown))
    return sections


# Compiled once per set of section articles, which changes only with a publish.
_section_cards = PreparedQuery(
    lambda now, pks, **inputs: (
        Article.objects.live(now)
        .filter(pk__in=pks)
        .with_fragments("card_html")
        .order_by()
    ),
    plain_rows=True,
)


def newest_in_sections(
    categories, now: datetime | None = None, per_section: int = SECTION_ARTICLES
) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """Each of `categories` with the ids of its `per_section` newest live
    articles, newest first.

    One query: each section's newest `per_section` is its own LIMIT subquery,
    so the work does not grow with the size of a section. An article can lead
    two sections; each section then takes, from the union, the newest of its
    own members, which are exactly its newest `per_section`.
    """
    if not categories:
        return ()
    live = Article.objects.live(now)
    newest = Q()
    for category in categories:
        members = live.filter(
            Exists(
                CategorizedArticle.objects.filter(
                    content_object=OuterRef("pk"), tag_id=category.pk
                )
            )
        )
        newest |= Q(pk__in=members.newest_first().values("pk")[:per_section])
    ordered = list(
        Article.objects.filter(newest).newest_first().values_list("pk", flat=True)
    )
    rows = CategorizedArticle.objects.filter(
        content_object_id__in=ordered, tag_id__in=[c.pk for c in categories]
    ).values_list("tag_id", "content_object_id")
    in_section = {}
    for tag_id, article_id in rows:
        in_section.setdefault(tag_id, set()).add(article_id)
    return tuple(
        (
            category.pk,
            tuple(pk for pk in ordered if pk in in_section.get(category.pk, ()))[
                :per_section
            ],
        )
        for category in categories
    )


def related_articles(
    article: Article,
    now: datetime | None = None,
    limit: int = RELATED_ARTICLES,
    candidates: int = RELATED_CANDIDATES,
) -> list:
    """Live articles sharing a category with `article`: most shared first, then
    newest; never the article itself. Rows with the stored card (plain rows,
    see prepared.py), not model instances.

    Bounded work, one query, whatever the size of the site: the candidates are,
    in each of its first RELATED_CATEGORIES categories, the `candidates` live
    articles that arrived last (the category's index read backwards, by id:
    on a news site the recent ones are the related reading), and only they are
    ranked by how many of its categories they share. A small category thus
    contributes even old members; a busy one only its latest. Ranking every
    live article, or even finding the newest by publication time, took a scan
    that grew with the site (3.6 ms at 1,000 articles on PostgreSQL). Compiled
    once per process (articles/prepared.py).
    """
    if (limit, candidates) == (RELATED_ARTICLES, RELATED_CANDIDATES):
        return _related(now=now or timezone.now(), pk=article.pk)
    return list(_related_queryset(now, article.pk, limit, candidates))


def _related_queryset(now, pk, limit=RELATED_ARTICLES, candidates=RELATED_CANDIDATES):
    now = now or timezone.now()
    its_categories = (
        CategorizedArticle.objects.filter(content_object_id=pk)
        .order_by("tag_id")
        .values("tag_id")
    )
    latest = [
        CategorizedArticle.objects.filter(
            live_at(now, through="content_object__"),
            tag_id=Subquery(its_categories[nth : nth + 1]),
        )
        .exclude(content_object_id=pk)
        .order_by("-content_object_id")
        .values("content_object_id")[:candidates]
        for nth in range(RELATED_CATEGORIES)
    ]
    if connection.features.supports_slicing_ordering_in_compound:
        # PostgreSQL scanned every article for an OR of IN lists; one IN of a
        # UNION ALL reads just the candidates.
        newest = Q(pk__in=latest[0].union(*latest[1:], all=True))
    else:
        # SQLite allows no LIMIT inside a UNION, and plans the OR as one index
        # lookup per list.
        newest = Q()
        for members in latest:
            newest |= Q(pk__in=members)
    shared = (
        CategorizedArticle.objects.filter(
            content_object=OuterRef("pk"), tag_id__in=its_categories
        )
        .order_by()
        .values("content_object")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Article.objects.filter(newest)
        .annotate(shared=Subquery(shared))
        .order_by("-shared", "-publish_at", "-pk")
        .with_fragments("card_html")[:limit]
    )


_related = PreparedQuery(
    lambda now, pk, **inputs: _related_queryset(now, pk), plain_rows=True
)


def archive_years(now: datetime | None = None) -> list[int]:
    """Years with live articles, newest first, in the site's time zone (cached:
    see sitecache)."""
    return list(sitecache.site_lists(now).archive_years)


@dataclass
class MonthCount:
    year: int
    month: int
    count: int


def month_counts(year: int, now: datetime | None = None) -> list[MonthCount]:
    """How many live articles each month of `year` has, months without any left
    out, January first. Raises ValueError for a year the archive cannot cover.

    One query of twelve filtered counts over the year's index range: grouping
    by a truncated month would call a date function on every row (a Python
    function on SQLite).
    """
    counts = (
        Article.objects.live(now)
        .published_in(year)
        .aggregate(
            **{
                f"m{month}": Count(
                    "pk", filter=Q(publish_at__gte=start, publish_at__lt=end)
                )
                for month in range(1, 13)
                for start, end in [period_bounds(year, month)]
            }
        )
    )
    return [
        MonthCount(year, month, counts[f"m{month}"])
        for month in range(1, 13)
        if counts[f"m{month}"]
    ]
