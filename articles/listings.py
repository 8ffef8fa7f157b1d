"""What the public pages show beyond a plain newest-first list: the front page's
lead story and sections, related articles and the date archives.

Every function starts from Article.objects.live() and costs one query (or
none: the site-wide lists come from sitecache) however many articles,
categories or authors it returns.
"""

import heapq
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone

from . import sitecache
from .links import reverse
from .models import Article, CategorizedArticle, Category
from .prepared import PreparedQuery
from .querysets import decoded_json_array, live_at, period_bounds

SECTION_ARTICLES = 4
RELATED_ARTICLES = 4
# How many of the latest articles in each of its categories, and of how many of
# its categories, an article's related list is chosen from.
RELATED_CANDIDATES = 20
RELATED_CATEGORIES = 4
# Rankings a process keeps per copy of the site lists (a few hundred bytes
# each): beyond it, an article's related articles are ranked per request.
RELATED_KEPT = 20_000


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


@dataclass(frozen=True)
class FrontSections:
    """The front page below its latest list, rendered: the sections and the
    archive years. `sections` are what it shows, for the page's surrogate
    keys (pagecache.content_keys walks them: a renamed section purges it)."""

    html: str
    sections: list[Section]


def front_sections(now: datetime | None = None) -> FrontSections:
    """The sections and archive years of the front page, rendered once per
    copy of the site lists (sitecache.kept): they show only site-wide data,
    which changes exactly when the lists do, and rendering them was about a
    third of the front page's time (an include per section)."""
    return sitecache.kept("front-sections", _render_front_sections, now)


def _render_front_sections(now: datetime) -> FrontSections:
    sections = front_page_sections(now)
    html = render_to_string(
        "articles/includes/front_sections.html",
        {"sections": sections, "archive_years": archive_years(now)},
    )
    return FrontSections(html, sections)


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


def related_articles(article: Article, now: datetime | None = None) -> list:
    """Live articles sharing a category with `article`: most shared first, then
    newest; never the article itself. Rows with the stored card (plain rows,
    see prepared.py), not model instances.

    The candidates are, in each of its first RELATED_CATEGORIES categories
    (by id), the RELATED_CANDIDATES live articles that arrived last (on a news
    site the recent ones are the related reading): a small category thus
    contributes even old members, a busy one only its latest. Only they are
    ranked, by how many of the article's categories they share. Each
    category's arrivals are site-wide data, read once per version of the site
    lists and kept with them (sitecache.category_arrivals), so an article page
    runs no query for them: ranking in the database took a query that
    PostgreSQL spent about 1 ms planning on every page.
    """
    now = now or timezone.now()
    its_categories = tuple(sorted(category_ids_of(article)))
    # Ranked once per copy of the site lists, like the arrivals it ranks: the
    # ranking was a fifth of an article request.
    return sitecache.kept(
        ("related", article.pk, its_categories),
        lambda now: _rank_related(article.pk, its_categories, now),
        now,
        most=RELATED_KEPT,
    )


def _rank_related(own_pk: int, its_categories: tuple, now: datetime) -> list:
    pool = {}
    for category_id in its_categories[:RELATED_CATEGORIES]:
        others = (
            row
            for row in sitecache.category_arrivals(category_id, now)
            if row.pk != own_pk
        )
        for row in islice(others, RELATED_CANDIDATES):
            pool[row.pk] = row
    shared = frozenset(its_categories)
    return heapq.nlargest(
        RELATED_ARTICLES,
        pool.values(),
        key=lambda row: (
            len(shared.intersection(row.category_ids)),
            row.publish_at,
            row.pk,
        ),
    )


def category_ids_of(article: Article) -> list[int]:
    """The article's category ids: from with_category_ids() or for_listing()
    when the article was read with them, else one query (previews)."""
    if "category_ids" in article.__dict__:
        return decoded_json_array(article.category_ids)
    if "categories" in getattr(article, "_prefetched_objects_cache", {}):
        return [category.pk for category in article.categories.all()]
    return list(
        CategorizedArticle.objects.filter(content_object_id=article.pk).values_list(
            "tag_id", flat=True
        )
    )


def _arrivals_queryset(now, pk, **inputs):
    latest = (
        CategorizedArticle.objects.filter(
            live_at(now, through="content_object__"), tag_id=pk
        )
        .order_by("-content_object_id")
        .values("content_object_id")[: RELATED_CANDIDATES + 1]
    )
    return (
        Article.objects.filter(pk__in=latest)
        .with_category_ids()
        .with_fragments("card_html", "publish_at")
        .order_by("-pk")
    )


_arrivals = PreparedQuery(_arrivals_queryset, plain_rows=True)


def read_category_arrivals(category_id: int, now: datetime) -> tuple:
    """The RELATED_CANDIDATES + 1 live articles of a category that arrived
    last (its category index read backwards), newest arrival first, as plain
    rows with their card, publication time and category ids (decoded); one
    query. One more than a related list takes, so the article asking can leave
    itself out."""
    rows = _arrivals(now=now, pk=category_id)
    for row in rows:
        row.category_ids = tuple(decoded_json_array(row.category_ids))
    return tuple(rows)


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
