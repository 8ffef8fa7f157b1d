"""Match and order articles for a parsed query, on any backend.

The backend (``search.backends``) narrows the reader's queryset to matching
articles. Ordering, the same on every backend:

* ``relevance`` (the default): articles whose title holds a form of every
  query word first, then those whose excerpt, feature text or categories do,
  then all other matches; newest first inside each tier.
* ``date``: newest first.

Counting stops at COUNT_LIMIT: a word found in half of 100,000 articles would
otherwise cost a substring test on every one of them. Past the limit the page
gives an estimated total and says it is one ("약 52,000건", see
estimated_total), the reader can page through the first COUNT_LIMIT results,
and relevance ordering, which would have to read every match to find the
title hits, gives way to date order (the page says so).
So every search reads at most COUNT_LIMIT + 1 matching rows, and a common word
is never an error. The time limit stays as a safety net for a locked table or
an overloaded server.
"""

import json
import math
from contextlib import contextmanager
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone

from . import backends
from .analysis import Query
from .backends import backend_for, holds

# PostgreSQL's code for a statement cancelled by statement_timeout.
QUERY_CANCELED = "57014"
COUNT_LIMIT = 1000
SORTS = ("relevance", "date")
TITLE, SUMMARY, OTHER = 3, 2, 1
# A very common word (see newest_first_matches): the newest PROBE articles are
# tested, and at a share of WINDOW_SHARE or more a newest-first window is read
# first, sized to hold WINDOW_MARGIN times the matches needed, and grown
# from what it found up to WINDOW_MAX times that many articles.
PROBE = 40
WINDOW_SHARE = 0.2
WINDOW_MARGIN = 1.5
WINDOW_MAX = 20  # times COUNT_LIMIT + 1 articles


def matching(articles: QuerySet, query: Query) -> QuerySet:
    """`articles` (already limited to what readers may see) that match `query`."""
    return backend_for(articles.db).filter(articles, query)


def _holds_every_word(field: str, query: Query, prefix: str) -> Q:
    condition = Q()
    for phrase in query.phrases:
        either = Q()
        for form in phrase.forms:
            either |= Q(holds(field, form, prefix))
        condition &= either
    return condition


def tier(query: Query, prefix: str = "search_entry__") -> Case:
    """The relevance tier; `prefix` as in search.backends.holds."""
    return Case(
        When(_holds_every_word("title", query, prefix), then=Value(TITLE)),
        When(_holds_every_word("summary", query, prefix), then=Value(SUMMARY)),
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


def _rows(queryset: QuerySet, outer: str = "") -> list[tuple]:
    """The rows of `queryset` (a values_list) as the database gives them, in
    `outer` ("{rows}" standing for the queryset's SQL) when given: the ranking
    reads up to COUNT_LIMIT + 1 rows, and Django's converters and iterators
    cost more than the rows themselves."""
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    if outer:
        sql = outer.replace("{rows}", sql)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _datetime(value, using: str) -> datetime:
    """A datetime as _rows gives it (SQLite: text in the connection's zone)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, connections[using].timezone)
    return value


def _first_matches(matches: QuerySet, query: Query) -> list[tuple]:
    """The newest COUNT_LIMIT + 1 matches: (pk, tier, publish_at as read)."""
    return _rows(
        matches.annotate(search_tier=tier(query))
        .order_by("-publish_at", "-pk")
        .values_list("pk", "search_tier", "publish_at")[: COUNT_LIMIT + 1]
    )


# The window's matching rows, and its first row whatever it is: how many
# articles the window holds comes with every row (the window is newest first).
_WINDOW_HITS = (
    "SELECT search_pk, search_hit, search_tier, search_seen FROM ("
    "SELECT w.*, COUNT(*) OVER () AS search_seen, "
    "ROW_NUMBER() OVER (ORDER BY search_at DESC, search_pk DESC) AS search_row "
    "FROM ({rows}) w) s "
    "WHERE search_hit = 1 OR search_row = 1 ORDER BY search_row"
)


def _window(articles: QuerySet, query: Query, size: int) -> tuple[int, list]:
    """How many of the `size` newest articles there are, and those of them
    that match (newest first, with their tiers), by the substring test alone,
    in one query: the window's articles reach their entries by primary key, so
    only their rows are tested whatever the planner thinks of the word. Only
    the matches (and the first row, for the count) are read."""
    newest = articles.order_by("-publish_at", "-pk")
    rows = _rows(
        articles.filter(pk__in=newest.values("pk")[:size])
        .annotate(
            search_hit=Case(
                When(backends.holds_every_phrase(query), then=Value(1)),
                default=Value(0),
            ),
            search_tier=tier(query),
            search_pk=F("pk"),
            search_at=F("publish_at"),
        )
        .order_by()
        .values_list("search_pk", "search_at", "search_hit", "search_tier"),
        _WINDOW_HITS,
    )
    seen = rows[0][3] if rows else 0
    return seen, [(pk, rank) for pk, hit, rank, _seen in rows if hit]


def newest_first_matches(articles: QuerySet, query: Query) -> tuple[list, float] | None:
    """The newest COUNT_LIMIT + 1 matches of a very common query (or all of
    them, when fewer) and the share of articles that match, or None when the
    query is not that common.

    Where the index keeps statistics (PostgreSQL's ANALYZE) and they show
    that well under WINDOW_SHARE of the entries hold one of the query's
    terms, the query is not that common and nothing is tested here.
    Otherwise the substring test on the PROBE newest articles estimates the
    share of articles that match; at WINDOW_SHARE or more, the newest
    WINDOW_MARGIN * COUNT_LIMIT / share articles are tested one by one, which
    is far cheaper than reading every candidate the index holds for a word
    found in half of all articles. A window that holds more than COUNT_LIMIT
    matches holds the newest COUNT_LIMIT + 1 of all; one that holds every
    article holds every match. A window that holds neither (the newest
    articles were unusual) gives a better estimate for a larger one, up to
    WINDOW_MAX articles; past that the caller asks the index.
    """
    bound = backend_for(articles.db).share_bound(query)
    if bound is not None and bound < WINDOW_SHARE / 2:
        return None  # the index's statistics say it is not that common
    _, hits = _window(articles, query, PROBE)
    if len(hits) < WINDOW_SHARE * PROBE:
        return None
    share = len(hits) / PROBE
    while True:
        size = math.ceil(WINDOW_MARGIN * (COUNT_LIMIT + 1) / share)
        if size > WINDOW_MAX * (COUNT_LIMIT + 1):
            return None
        seen, rows = _window(articles, query, size)
        if len(rows) > COUNT_LIMIT or seen < size:
            return rows, len(rows) / max(seen, 1)
        share = max(len(rows), 1) / size


def planned_rows(articles: QuerySet) -> int:
    """How many rows `articles` holds: PostgreSQL's planner estimate (from
    the statistics ANALYZE and autovacuum keep), an exact count elsewhere
    (SQLite answers it from the covering live() index)."""
    if connections[articles.db].vendor != "postgresql":
        return articles.count()
    plan = json.loads(articles.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def estimated_total(articles: QuerySet, newest: list[tuple]) -> int:
    """An estimate of how many articles match, from the newest COUNT_LIMIT + 1
    matches (pk, tier, publish_at): that many matches among the articles
    published since the last of them, scaled to all of `articles`. Never
    below COUNT_LIMIT + 1, the matches already found."""
    found = COUNT_LIMIT + 1
    oldest = _datetime(newest[COUNT_LIMIT][2], articles.db)
    since = planned_rows(articles.filter(publish_at__gte=oldest))
    total = planned_rows(articles)
    return max(found, round(found * total / max(since, 1)))


class Ranked(NamedTuple):
    """The ids of the first COUNT_LIMIT matches in the order asked for;
    whether more match; if so, an estimate of how many (else None)."""

    ids: list[int]
    more: bool
    estimate: int | None


def ranked_ids(articles: QuerySet, query: Query, sort: str) -> Ranked:
    """The ids of the first COUNT_LIMIT matches in `sort` order, whether more
    match and, if they do, about how many.

    The matches newest first, with their tier, at most COUNT_LIMIT + 1 rows:
    from the backend's own newest-first path where it has one (PostgreSQL:
    candidates sorted by the publish time the terms table holds, see
    search.backends.postgresql); otherwise first from the newest window of a
    very common query (see newest_first_matches), which, when it holds more
    than COUNT_LIMIT matches, holds the newest COUNT_LIMIT + 1 of them all,
    and else from the index. Within COUNT_LIMIT that is every match, so
    relevance order is exact (tiers sorted here; a stable sort keeps newest
    first inside a tier). Past it, the page is in date order and says so,
    with the total estimated: from the window's share of matching articles,
    or else from how far back the newest COUNT_LIMIT + 1 matches reach
    (estimated_total).
    """
    estimate = None
    rows = backend_for(articles.db).newest_matches(articles, query, COUNT_LIMIT + 1)
    common = None if rows is not None else newest_first_matches(articles, query)
    if common is not None:
        rows, share = common
        if len(rows) > COUNT_LIMIT:
            estimate = max(COUNT_LIMIT + 1, round(share * planned_rows(articles)))
    else:
        if rows is None:
            rows = _first_matches(matching(articles, query), query)
        if len(rows) > COUNT_LIMIT:
            estimate = estimated_total(articles, rows)
    more = len(rows) > COUNT_LIMIT
    rows = [row[:2] for row in rows[:COUNT_LIMIT]]
    if sort == "relevance" and not more:
        rows.sort(key=lambda row: -row[1])
    return Ranked([pk for pk, _tier in rows], more, estimate)


class SearchTimedOut(Exception):
    """The database took longer than allowed (a locked table, an overloaded server)."""


class _UndoSettings(Exception):
    """Raised to roll a search's savepoint back (see time_limit)."""


def newest_ids(articles: QuerySet, query: Query, count: int) -> list[int]:
    """The ids of the `count` newest matches (as-you-type suggestions).

    The PROBE newest articles are tested first (one query); when `count` of
    them match, or they are all the articles there are, they hold the
    newest `count` matches, so a common prefix never reaches the index.
    """
    seen, hits = _window(articles, query, PROBE)
    if len(hits) >= count or seen < PROBE:
        return [pk for pk, _tier in hits[:count]]
    return list(
        matching(articles, query)
        .order_by("-publish_at", "-pk")
        .values_list("pk", flat=True)[:count]
    )


@contextmanager
def time_limit(using: str, milliseconds: int | None = None):
    """Run the search's statements in a transaction cancelled after a time limit.

    With bounded counting no search comes near it; it is a safety net so a
    stuck search (a locked table, an overloaded server) never holds a
    connection: `milliseconds`, by default
    settings.NEWSROOM_SEARCH_TIMEOUT_MS, PostgreSQL only (one
    ``set_config`` statement, which also turns sequential scans off; SQLite
    has no statement timeout).
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    # Inside a caller's transaction (a test, ATOMIC_REQUESTS) set_config's
    # local settings would outlast the search, to the end of that transaction;
    # the search writes nothing, so its savepoint is rolled back instead.
    nested = connection.in_atomic_block
    try:
        with transaction.atomic(using=using):
            timeout = milliseconds or settings.NEWSROOM_SEARCH_TIMEOUT_MS
            with connection.cursor() as cursor:
                # No sequential scans either: the planner counts a row of the
                # entries table as cheap, but testing one means reading its
                # TOASTed document or terms, so for a common word a scan of
                # every entry is the slowest plan, never the fastest. Memory
                # to sort the candidates of a common word (see
                # search.backends.postgresql.newest_matches) without a temporary
                # file, and no parallel workers, whose start costs more than
                # these short queries.
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true), "
                    "set_config('enable_seqscan', 'off', true), "
                    "set_config('work_mem', '32MB', true), "
                    "set_config('max_parallel_workers_per_gather', '0', true)",
                    [str(int(timeout))],
                )
            yield
            if nested:
                raise _UndoSettings
    except _UndoSettings:
        pass
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == QUERY_CANCELED:
            raise SearchTimedOut from error
        raise
