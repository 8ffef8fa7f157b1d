from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.views.generic import DetailView, ListView

from . import listings, sitecache
from .fallbacks import ArticleFallbackMixin
from .models import Article, Author, Category
from .prepared import PreparedQuery, PreparedRows
from .text import CHARACTERS_PER_MINUTE


def _cards(now):
    return Article.objects.live(now).newest_first().with_fragments("card_html")


def _page_of(page):
    """A PreparedQuery of one list page, `page(now, pk, offset, limit)`."""
    return PreparedQuery(
        lambda now, pk, offset, limit, **inputs: page(now, pk, offset, limit),
        plain_rows=True,
    )


# The list pages' queries, each compiled once per process and page.
_latest_page = _page_of(
    lambda now, pk, offset, limit: _cards(now).exclude(pk=pk)[offset : offset + limit]
)
_category_page = _page_of(
    lambda now, pk, offset, limit: _cards(now).page_in_category(pk, now, offset, limit)
)
_author_page = _page_of(
    lambda now, pk, offset, limit: _cards(now).page_by_author(pk, now, offset, limit)
)
_category_by_slug = PreparedQuery(
    lambda slug, **inputs: Category.objects.filter(slug=slug)[:2]
)
_author_by_slug = PreparedQuery(
    lambda slug, **inputs: Author.objects.filter(slug=slug)[:2]
)


def _one_or_404(query: PreparedQuery, slug: str):
    found = query(slug=slug)
    if len(found) != 1:
        raise Http404("찾는 페이지가 없습니다.")
    return found[0]


class ArticleListMixin:
    """Live articles, newest first, paginated; invalid page numbers answer 404.

    ListView turns a page that is not a number, below 1 or past the end into
    Http404, so no page number reaches the database or answers 500. With
    `empty_is_404`, a list without any article answers 404 too, decided from
    the paginator's count (ListView's own allow_empty=False would spend a query
    of its own on it). Each card is stored on its row (articles/fragments.py).

    The front, category and author lists cost one query a page: their counts
    come with the site lists (sitecache), and the page is a query compiled once
    (prepared_rows). The archives count their months and run the ORM's query.
    """

    model = Article
    context_object_name = "articles"
    empty_is_404 = False
    # Set when the view already knows how many articles the list has.
    known_count = None

    def get_paginate_by(self, queryset):
        return settings.NEWSROOM_ARTICLES_PER_PAGE

    def get_queryset(self):
        # Built per request: live() reads the clock.
        return _cards(timezone.now())

    def prepared_rows(self, query: PreparedQuery, pk, count: int) -> PreparedRows:
        """The list as `count` rows a paginator slices (see PreparedRows)."""
        return PreparedRows(query, count, now=timezone.now(), pk=pk)

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        if self.known_count is not None:
            paginator.count = self.known_count  # a cached_property: no COUNT
        return paginator

    def paginate_queryset(self, queryset, page_size):
        paginated = super().paginate_queryset(queryset, page_size)
        if self.empty_is_404 and paginated[0].count == 0:
            raise Http404("게재된 기사가 없습니다.")
        return paginated


class ArticleListView(ArticleListMixin, ListView):
    """The front page: the lead story, the latest articles, then the sections.

    Later pages continue the latest articles alone. The lead is left out of the
    latest list on every page, so page boundaries never shift between pages.
    """

    template_name = "articles/article_list.html"

    def get_queryset(self):
        self.lead = listings.lead_story()
        if self.lead is None:
            return []
        live = sitecache.site_lists().live_total
        return self.prepared_rows(_latest_page, self.lead.pk, max(live - 1, 0))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        is_front = context["page_obj"].number == 1
        context.update(
            is_front=is_front,
            lead=self.lead if is_front else None,
            front_sections=listings.front_sections() if is_front else None,
        )
        return context


class ArticlePageMixin:
    """What an article page shows beside the article; previews share it."""

    model = Article
    context_object_name = "article"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            related_articles=listings.related_articles(self.object),
            characters_per_minute=CHARACTERS_PER_MINUTE,
            **kwargs,
        )


def _live_by_slug(now, slug, **inputs):
    # The header and metadata are stored fragments; the cards' own columns
    # and the body's source are not shown here.
    return (
        Article.objects.live(now)
        .filter(slug=slug)
        .defer("body", "front_matter", "card_html", "lead_html")
        .with_category_ids()[:2]
    )


_article_by_slug = PreparedQuery(_live_by_slug)


class ArticleDetailView(ArticleFallbackMixin, ArticlePageMixin, DetailView):
    def get_queryset(self):
        return _live_by_slug(timezone.now(), self.kwargs["slug"])

    def get_object(self, queryset=None):
        """The live article of the address's slug, by a query compiled once per
        process (articles/prepared.py)."""
        found = _article_by_slug(now=timezone.now(), slug=self.kwargs["slug"])
        if len(found) != 1:
            raise Http404("게재된 기사가 없습니다.")
        return found[0]


class CategoryDetailView(ArticleListMixin, ListView):
    template_name = "articles/category_detail.html"
    # A category with no live article answers 404: its name alone could announce
    # a story that is still a draft.
    empty_is_404 = True

    def get_queryset(self):
        self.category = _one_or_404(_category_by_slug, self.kwargs["slug"])
        count = sitecache.site_lists().live_by_category.get(self.category.pk, 0)
        return self.prepared_rows(_category_page, self.category.pk, count)

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


class AuthorDetailView(ArticleListMixin, ListView):
    template_name = "articles/author_detail.html"

    def get_queryset(self):
        self.author = _one_or_404(_author_by_slug, self.kwargs["slug"])
        count = sitecache.site_lists().live_by_author.get(self.author.pk, 0)
        return self.prepared_rows(_author_page, self.author.pk, count)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class ArchiveMixin(ArticleListMixin):
    """Live articles of one year or month in the site's time zone, newest first.

    A month outside 1..12, a year the archive cannot cover, or a period without
    live articles answers 404: an empty period has nothing to show, and crawlers
    should not find endless empty pages.

    Not Django's YearArchiveView/MonthArchiveView: with allow_empty off they
    query for the previous and the next period on every page, and the month
    view lists its days, none of which these pages show (two to three queries
    beyond the counts pinned in test_views); their allow_future check would be
    a second copy of the rule live() applies; and a year such as 0001 still
    needs our own guard before it reaches the database. What they would add is
    a date filter, which is ArticleQuerySet.published_in().
    """

    empty_is_404 = True
    month = None

    def get_queryset(self):
        self.year = self.kwargs["year"]
        self.month = self.kwargs.get("month")
        try:
            return super().get_queryset().published_in(self.year, self.month)
        except ValueError as error:
            raise Http404("없는 날짜입니다.") from error

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            year=self.year,
            month=self.month,
            period=listings.ArchivePeriod(self.year, self.month),
            **kwargs,
        )


class ArchiveYearView(ArchiveMixin, ListView):
    """A year's articles with its months' counts, which also give the list's
    length: the page costs the counts and the page itself."""

    template_name = "articles/archive_year.html"

    def get_queryset(self):
        queryset = super().get_queryset()
        self.months = listings.month_counts(self.year)
        self.known_count = sum(entry.count for entry in self.months)
        return queryset

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            months=self.months,
            archive_years=listings.archive_years(),
            **kwargs,
        )


class ArchiveMonthView(ArchiveMixin, ListView):
    template_name = "articles/archive_month.html"
