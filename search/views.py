from datetime import date, datetime, time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils import timezone
from django.views.generic import ListView

from articles.models import Article, Category

from . import results
from .analysis import compact, initials, parse_query
from .query import (
    COUNT_LIMIT,
    SORTS,
    SearchTimedOut,
    newest_ids,
    ranked_ids,
    time_limit,
)

SUGGESTIONS = 8
SUGGEST_CACHE_SECONDS = 60
# Suggestions that ran out of time (settings.NEWSROOM_SEARCH_SUGGEST_TIMEOUT_MS)
# are cached briefly, so a busy server is not asked again at every keystroke.
SUGGEST_TIMED_OUT_CACHE_SECONDS = 5


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _about(estimate: int | None) -> int | None:
    """An estimate shown to two significant digits (52,345 -> 52,000)."""
    if estimate is None:
        return None
    return round(estimate, -max(len(str(estimate)) - 2, 0))


class SearchView(ListView):
    """Live articles matching ``?q=``, paginated, with matched words marked.

    Parameters: ``sort`` (relevance, the default, or date), ``category`` (a
    category slug), ``from`` and ``to`` (YYYY-MM-DD, inclusive). A date that is
    not one is ignored and the page says so. Three queries for any page: on
    SQLite the test of the newest articles, the match ids (bounded, see
    ``search.query``; on PostgreSQL a common word's may take two),
    the page's articles with their stored cards (``search.results``; one more
    for cards not current, rendered as list pages render them), plus
    PostgreSQL's time limit (a safety net, see
    ``search.query.time_limit``); past COUNT_LIMIT matches, one or two more
    for the estimated total (``search.query.estimated_total``; on PostgreSQL
    the planner's estimates, no rows read). An empty query shows the
    search form alone; ListView answers 404 for a page that is not a number or
    out of range.
    """

    template_name = "search/search_results.html"
    context_object_name = "articles"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except SearchTimedOut:
            context = {"search_query": self.search_query, "search_timed_out": True}
            return self.render_to_response(context)

    def get_paginate_by(self, queryset):
        return settings.NEWSROOM_ARTICLES_PER_PAGE

    def get_queryset(self):
        get = self.request.GET
        self.search_query = parse_query(get.get("q", ""))
        self.more = False
        self.estimate = None
        self.sort = get.get("sort") if get.get("sort") in SORTS else SORTS[0]
        self.category = get.get("category", "").strip()[:200]
        self.date_from, self.date_to = (
            _day(get.get("from", "")),
            _day(get.get("to", "")),
        )
        self.bad_dates = [
            name
            for name, parsed in [("from", self.date_from), ("to", self.date_to)]
            if get.get(name) and parsed is None
        ]
        if not self.search_query:
            return Article.objects.none()
        # live() is the one visibility rule; search only narrows and orders it.
        articles = Article.objects.live()
        if self.category:
            articles = articles.filter(categories__slug=self.category)
        zone = timezone.get_current_timezone()
        if self.date_from:
            start = datetime.combine(self.date_from, time.min, zone)
            articles = articles.filter(publish_at__gte=start)
        if self.date_to:
            end = datetime.combine(self.date_to, time.max, zone)
            articles = articles.filter(publish_at__lte=end)
        return articles

    def paginate_queryset(self, queryset, page_size):
        if not self.search_query:
            return super().paginate_queryset(queryset, page_size)
        with time_limit(queryset.db):
            ids, self.more, self.estimate = ranked_ids(
                queryset, self.search_query, self.sort
            )
            paginator, page, _, is_paginated = super().paginate_queryset(ids, page_size)
            found = Article.objects.filter(pk__in=page.object_list).with_fragments(
                *results.FIELDS
            )
            by_id = {article.pk: article for article in found}
            page.object_list = [by_id[pk] for pk in page.object_list if pk in by_id]
            self.cards = results.result_cards(
                page.object_list, tuple(self.search_query.forms)
            )
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return context | {
            "search_query": self.search_query,
            "search_sort": self.sort,
            "search_category": self.category,
            "search_from": self.request.GET.get("from", "")[:10],
            "search_to": self.request.GET.get("to", "")[:10],
            "search_bad_dates": self.bad_dates,
            "search_more": self.more,
            "search_estimate": _about(self.estimate),
            "search_count_limit": COUNT_LIMIT,
            "search_cards": getattr(self, "cards", []),
        }


def suggestions(q: str) -> dict:
    """Titles of the newest matching live articles and matching category names.

    The titles come within settings.NEWSROOM_SEARCH_SUGGEST_TIMEOUT_MS
    (PostgreSQL) or not at all: a box that offers nothing is better than one
    that makes the reader wait; ``timed_out`` says which it was.
    """
    query = parse_query(q)
    if not query:
        return {"q": q, "titles": [], "categories": []}
    articles = Article.objects.live()
    timed_out = False
    try:
        with time_limit(articles.db, settings.NEWSROOM_SEARCH_SUGGEST_TIMEOUT_MS):
            ids = newest_ids(articles, query, SUGGESTIONS)
            found = {
                pk: (title, slug)
                for pk, title, slug in Article.objects.filter(pk__in=ids).values_list(
                    "pk", "title", "slug"
                )
            }
        titles = [found[pk] for pk in ids if pk in found]
    except SearchTimedOut:
        titles, timed_out = [], True
    wanted = [phrase.match for phrase in query.phrases]
    # Names first (a short list), then only those that match are checked for
    # a live article: that test over every category reads most articles.
    named = [
        pk
        for pk, name in Category.objects.values_list("pk", "name")
        if all(w in compact(name) or w in initials(name) for w in wanted)
    ]
    categories = []
    if named:
        categories = [
            {"name": name, "slug": slug}
            for name, slug in Category.objects.filter(pk__in=named)
            .with_live_articles()
            .order_by("name")
            .values_list("name", "slug")[:SUGGESTIONS]
        ]
    data = {
        "q": query.text,
        "titles": [
            {"title": title, "url": Article(slug=slug).get_absolute_url()}
            for title, slug in titles
        ],
        "categories": categories,
    }
    return data | ({"timed_out": True} if timed_out else {})


def _suggest_seconds(data: dict) -> int:
    if data.get("timed_out"):
        return SUGGEST_TIMED_OUT_CACHE_SECONDS
    return SUGGEST_CACHE_SECONDS


def suggest(request):
    """``/search/suggest/?q=``: JSON for the header box, cached per query."""
    text = parse_query(request.GET.get("q", "")).text
    key = f"search:suggest:{compact(text)}"
    data = cache.get(key)
    if data is None:
        data = suggestions(text)
        cache.set(key, data, _suggest_seconds(data))
    seconds = _suggest_seconds(data)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = f"public, max-age={seconds}"
    return response
