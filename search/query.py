"""Match and rank articles for a parsed query, on PostgreSQL or the fallback.

Matching reads every field: title, excerpt, feature text, categories, body and
the initial consonants. Ranking, on both backends: articles whose title holds
the whole query come first, then those whose excerpt, feature text or
categories hold it, then all other matches (body only, words spread over
fields, initial consonants). On PostgreSQL ``ts_rank`` over the title and
summary orders articles inside a tier; ties, and the fallback, go newest first.

Ranking reads only the small ``headline`` vector, never the whole document: at
100,000 articles a common word matches thousands of them, and reading each
one's full body vector to score it would cost seconds (see
benchmarks/search_benchmark.py). Matching itself is answered by the GIN index.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.models import Case, F, FloatField, Func, Q, QuerySet, Value, When

from .analysis import Phrase, Query
from .indexing import TERM_COLUMNS, lexeme

# PostgreSQL's code for a statement cancelled by statement_timeout.
QUERY_CANCELED = "57014"

# (weight on PostgreSQL, term column of the fallback, tier)
TIERS = (("A", "title_terms", 3), ("B", "summary_terms", 2))
OTHER_MATCHES = 1


def search_articles(articles: QuerySet, query: Query) -> QuerySet:
    """Filter `articles` (already limited to what readers may see) and rank them."""
    if connections[articles.db].vendor == "postgresql":
        return _postgresql(articles, query).order_by(
            "-search_tier", "-search_rank", "-publish_at", "-pk"
        )
    return _fallback(articles, query).order_by("-search_tier", "-publish_at", "-pk")


class SearchTimedOut(Exception):
    """The query matched so much that ranking it took longer than allowed."""


@contextmanager
def time_limit(using: str):
    """Run the search's statements in a transaction cancelled after a time limit.

    The cost of a search grows with the number of articles it matches (about
    30 microseconds each on PostgreSQL), so a query made of the commonest words
    could keep a connection busy for seconds. On PostgreSQL the statements get
    settings.NEWSROOM_SEARCH_TIMEOUT_MS (from the environment variable of that
    name, default 3000) and SearchTimedOut is raised when they run out; the
    fallback has no such limit.
    """
    connection = connections[using]
    try:
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql":
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


def tsquery(query: Query, weight: str = "") -> str:
    """The query as a PostgreSQL tsquery literal, optionally limited to one weight."""
    phrases = []
    for phrase in query.phrases:
        last = len(phrase.terms) - 1
        parts = []
        for index, term in enumerate(phrase.terms):
            flags = ("*" if phrase.prefix and index == last else "") + weight
            parts.append(lexeme(term) + (f":{flags}" if flags else ""))
        phrases.append("(" + " <-> ".join(parts) + ")")
    return " & ".join(phrases)


class Rank(Func):
    """``ts_rank`` of a vector against a tsquery literal, scaled into [0, 1)."""

    function = "ts_rank"
    template = "%(function)s(%(expressions)s::tsquery, 32)"
    output_field = FloatField()


def _postgresql(articles: QuerySet, query: Query) -> QuerySet:
    tier = Case(
        *(
            When(
                search_entry__headline__matches=tsquery(query, weight),
                then=Value(points),
            )
            for weight, _column, points in TIERS
        ),
        default=Value(OTHER_MATCHES),
    )
    return articles.alias(
        search_tier=tier,
        search_rank=Rank(F("search_entry__headline"), Value(tsquery(query))),
    ).filter(search_entry__document__matches=tsquery(query))


def phrase_pattern(phrase: Phrase) -> str:
    """A phrase as a substring of a term column: spaces mark whole terms."""
    return " " + " ".join(phrase.terms) + ("" if phrase.prefix else " ")


def _in_column(query: Query, column: str) -> Q:
    condition = Q()
    for phrase in query.phrases:
        condition &= Q(**{f"search_entry__{column}__contains": phrase_pattern(phrase)})
    return condition


def _fallback(articles: QuerySet, query: Query) -> QuerySet:
    match = Q()
    for phrase in query.phrases:
        anywhere = Q()
        for column in TERM_COLUMNS:
            anywhere |= Q(
                **{f"search_entry__{column}__contains": phrase_pattern(phrase)}
            )
        match &= anywhere
    tier = Case(
        *(
            When(_in_column(query, column), then=Value(points))
            for _weight, column, points in TIERS
        ),
        default=Value(OTHER_MATCHES),
    )
    return articles.alias(search_tier=tier).filter(match)
