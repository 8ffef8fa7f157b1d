from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.generic import DetailView, ListView

from . import fragments, frames, listings, pagecache, paging, sitecache
from .fallbacks import ArticleFallbackMixin
from .models import Article, Author, Category
from .prepared import PreparedQuery, PreparedRows


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

    def card_heading(self, page_number: int) -> str:
        """The cards' title element: h3 where the list sits under a heading."""
        return "h2"

    def get_context_data(self, **kwargs):
        """The list's parts for includes/article_list.html: its cards as list
        items and its page links, and the title's page number."""
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        heading = self.card_heading(page.number)
        context.update(
            cards=frames.card_items(
                fragments.cards(context["object_list"], heading=heading)
            ),
            pagination=(
                paging.links_html(self.request, page) if context["is_paginated"] else ""
            ),
            page_suffix=f" ({page.number}쪽)" if page.number > 1 else "",
        )
        return context


class FramedListMixin:
    """A list page answered as its template's frame filled with its parts
    (articles/frames.py), not through the template engine.

    `frame_layout(context)` gives the frame's key and the context its layout
    depends on; the slots are the page's metadata and title suffix, and its
    cards and page links when the list has any.
    """

    # The context's name for the list's category or author.
    context_subject = None

    def frame_slots(self, context) -> tuple[str, ...]:
        return ("page_meta", "page_suffix")

    def frame_layout(self, context) -> tuple[tuple, dict]:
        """The frame's key and the context its layout is rendered from."""
        raise NotImplementedError

    def listing_subject(self):
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_meta"] = frames.listing_meta(
            self.listing_subject(), page_number=context["page_obj"].number
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        layout, layout_context = self.frame_layout(context)
        names = list(self.frame_slots(context))
        if context["cards"]:
            names += ["cards", "pagination"]
        else:
            layout_context = {**layout_context, "cards": ""}
        page = frames.fill(
            self.template_name,
            layout,
            lambda: layout_context,
            {name: context[name] for name in names},
            current=context.get("category"),
        )
        pagecache.shown(self.request, *self.shown_objects(context))
        return HttpResponse(page, **response_kwargs)

    def shown_objects(self, context) -> tuple:
        """What the page shows, for its surrogate keys (pagecache.shown)."""
        return (context.get(self.context_subject), context["object_list"])


class ArticleListView(FramedListMixin, ArticleListMixin, ListView):
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

    def card_heading(self, page_number: int) -> str:
        return "h3" if page_number == 1 else "h2"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        is_front = context["page_obj"].number == 1
        lead = self.lead if is_front else None
        front_sections = listings.front_sections() if is_front else None
        context.update(
            is_front=is_front,
            lead=lead,
            lead_html=fragments.fragment(lead, "lead_html") if lead else "",
            front_sections=front_sections,
            sections_html=mark_safe(front_sections.html) if is_front else "",
        )
        return context

    def frame_slots(self, context) -> tuple[str, ...]:
        if context["is_front"]:
            return ("page_meta", "lead_html", "sections_html")
        return super().frame_slots(context)

    def frame_layout(self, context):
        layout = {"is_front": context["is_front"], "lead": context["lead"] is not None}
        return tuple(layout.items()), layout

    def shown_objects(self, context) -> tuple:
        return (context["lead"], context["object_list"], context["front_sections"])


class ArticlePageMixin:
    """An article page's parts (frames.article_parts); previews share it."""

    model = Article
    context_object_name = "article"
    # A preview shows the article as it is now, not its stored fragments.
    live_fragments = False

    def get_context_data(self, **kwargs):
        related = listings.related_articles(self.object)
        self.parts = frames.article_parts(
            self.object, related, live=self.live_fragments
        )
        return super().get_context_data(
            related_articles=related, **self.parts, **kwargs
        )


# What an article page reads of its article: the header, metadata and
# corrections are stored fragments, so no other column is fetched and parsed
# (a row whose fragments are stale is read again in full: get_object).
ARTICLE_PAGE_FIELDS = (
    "title", "slug", "status", "publish_at", "expire_at", "body_html",
    "page_meta_html", "page_header_html", "corrections_html", "fragments_key",
)  # fmt: skip


def _live_by_slug(now, slug, **inputs):
    return (
        Article.objects.live(now)
        .filter(slug=slug)
        .only(*ARTICLE_PAGE_FIELDS)
        .with_category_ids()[:2]
    )


_article_by_slug = PreparedQuery(_live_by_slug)


class ArticleDetailView(ArticleFallbackMixin, ArticlePageMixin, DetailView):
    template_name = "articles/article_detail.html"

    def get_queryset(self):
        return _live_by_slug(timezone.now(), self.kwargs["slug"])

    def get_object(self, queryset=None):
        """The live article of the address's slug, by a query compiled once per
        process (articles/prepared.py)."""
        found = _article_by_slug(now=timezone.now(), slug=self.kwargs["slug"])
        if len(found) != 1:
            raise Http404("게재된 기사가 없습니다.")
        # A stale row's fragments render now, from every column: read once in
        # full, not one query per column ARTICLE_PAGE_FIELDS left out.
        return fragments.current_or_read_again(found[0])

    def render_to_response(self, context, **response_kwargs):
        """The page's frame filled with its parts (articles/frames.py): the
        template engine ran once per process for it."""
        pagecache.shown(self.request, self.object, context["related_articles"])
        page = frames.fill(self.template_name, (), dict, self.parts)
        return HttpResponse(page, **response_kwargs)


class CategoryDetailView(FramedListMixin, ArticleListMixin, ListView):
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

    context_subject = "category"

    def listing_subject(self):
        return self.category

    def frame_layout(self, context):
        category = self.category
        layout = (category.pk, category.name, category.slug, category.description)
        return layout, {"category": category}


class AuthorDetailView(FramedListMixin, ArticleListMixin, ListView):
    template_name = "articles/author_detail.html"

    def get_queryset(self):
        self.author = _one_or_404(_author_by_slug, self.kwargs["slug"])
        count = sitecache.site_lists().live_by_author.get(self.author.pk, 0)
        return self.prepared_rows(_author_page, self.author.pk, count)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)

    context_subject = "author"

    def listing_subject(self):
        return self.author

    def frame_layout(self, context):
        author = self.author
        return (author.pk, author.name, author.slug, author.bio), {"author": author}


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

    def card_heading(self, page_number: int) -> str:
        return "h3"  # under the year's list heading

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
