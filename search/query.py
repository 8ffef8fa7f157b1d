"""Match and order articles for a parsed query, on any backend.

The backend (``search.backends``) narrows the reader's queryset to matching
articles. Ordering, the same on every backend:

* ``relevance`` (the default): articles whose title holds a form of every
  query word first, then those whose excerpt, feature text or categories do,
  then all other matches; newest first inside each tier.
* ``date``: newest first.

Counting stops at COUNT_LIMIT: a word found in half of 100,000 articles would
otherwise cost a substring test on every one of them. Past the limit the page
says "more than" the limit, the reader can page through the first
COUNT_LIMIT results, and relevance ordering, which would have to read every
match to find the title hits, gives way to date order (the page says so).
So every search reads at most COUNT_LIMIT + 1 matching rows, and a common word
is never an error. The time limit stays as a safety net for a locked table or
an overloaded server.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.models import Case, Q, QuerySet, Value, When

from .analysis import Query
from .backends import backend_for, holds

# PostgreSQL's code for a statement cancelled by statement_timeout.
QUERY_CANCELED = "57014"
COUNT_LIMIT = 1000
SORTS = ("relevance", "date")
TITLE, SUMMARY, OTHER = 3, 2, 1


def matching(articles: QuerySet, query: Query) -> QuerySet:
    """`articles` (already limited to what readers may see) that match `query`."""
    return backend_for(articles.db).filter(articles, query)


def _holds_every_word(field: str, query: Query) -> Q:
    condition = Q()
    for phrase in query.phrases:
        either = Q()
        for form in phrase.forms:
            either |= Q(holds(field, form))
        condition &= either
    return condition


def tier(query: Query) -> Case:
    return Case(
        When(_holds_every_word("title", query), then=Value(TITLE)),
        When(_holds_every_word("summary", query), then=Value(SUMMARY)),
        default=Value(OTHER),
    )


def order(articles: QuerySet, query: Query, sort: str) -> QuerySet:
    if sort == "date":
        return articles.order_by("-publish_at", "-pk")
    return articles.alias(search_tier=tier(query)).order_by(
        "-search_tier", "-publish_at", "-pk"
    )


def search_articles(articles: QuerySet, query: Query, sort: str = "relevance"):
    """Filter `articles` and order them; the whole result, uncounted."""
    return order(matching(articles, query), query, sort)


def ranked_ids(articles: QuerySet, query: Query, sort: str) -> tuple[list[int], bool]:
    """The ids of the first COUNT_LIMIT matches in `sort` order, and whether more match.

    One query: the matches newest first, with their tier, at most COUNT_LIMIT + 1
    rows. Within COUNT_LIMIT that is every match, so relevance order is exact
    (tiers sorted here; a stable sort keeps newest first inside a tier). Past
    it, the page is in date order and says so.
    """
    rows = list(
        matching(articles, query)
        .annotate(search_tier=tier(query))
        .order_by("-publish_at", "-pk")
        .values_list("pk", "search_tier")[: COUNT_LIMIT + 1]
    )
    more = len(rows) > COUNT_LIMIT
    rows = rows[:COUNT_LIMIT]
    if sort == "relevance" and not more:
        rows.sort(key=lambda row: -row[1])
    return [pk for pk, _tier in rows], more


class SearchTimedOut(Exception):
    """The database took longer than allowed (a locked table, an overloaded server)."""


@contextmanager
def time_limit(using: str):
    """Run the search's statements in a transaction cancelled after a time limit.

    With bounded counting no search comes near it; it is a safety net so a
    stuck search (a locked table, an overloaded server) never holds a
    connection: settings.NEWSROOM_SEARCH_TIMEOUT_MS, PostgreSQL only (one
    ``set_config`` statement; SQLite has no statement timeout).
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    try:
        with transaction.atomic(using=using):
            timeout = settings.NEWSROOM_SEARCH_TIMEOUT_MS
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    [str(int(timeout))],
                )
            yield
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == QUERY_CANCELED:
            raise SearchTimedOut from error
        raise
