"""The search backend interface: index articles, remove them, match a query.

Everything else in ``search`` (analysis, ranking, the view, the command) is
shared; a backend only stores the entries ``search.indexing`` computes and
turns a parsed query into a filter on the reader's queryset. PostgreSQL and
SQLite are the two backends here; the README ("Search beyond one database")
says what an OpenSearch/Elasticsearch backend with the nori analyser maps to.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import connections
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan

from ..analysis import Query
from ..models import SearchEntry


def holds(field: str, text: str, prefix: str = "search_entry__") -> GreaterThan:
    """`text` occurs in the entry's `field` (a compact text): instr() on SQLite,
    strpos() on PostgreSQL, plain searches far cheaper than LIKE '%...%'.
    `prefix` reaches the entry from an article; "" on SearchEntry itself."""
    return GreaterThan(StrIndex(F(f"{prefix}{field}"), Value(text)), 0)


def holds_every_phrase(query: Query, phrases=None, prefix="search_entry__") -> Q:
    """The substring test of every phrase (of `phrases`, default all)."""
    condition = Q()
    for phrase in query.phrases if phrases is None else phrases:
        condition &= Q(holds("document", phrase.match, prefix))
    return condition


# A rebuild's entries table, swapped in when complete.
SHADOW = "search_searchentry_shadow"


@dataclass(frozen=True)
class IndexedArticle:
    """One article's entry as the backends store it."""

    article_id: int
    publish_at: datetime | None
    title: str
    summary: str
    document: str
    terms: frozenset[str]


class SearchBackend:
    """What a backend must do; `using` is the Django database alias."""

    name = "abstract"

    def __init__(self, using: str):
        self.using = using

    def write_terms(self, entries: list[IndexedArticle], *, shadow: bool) -> None:
        """Store the entries' terms, apart from the entries (live or shadow):
        PostgreSQL's SearchTerms rows, SQLite's FTS5 table."""
        raise NotImplementedError

    def write(self, entries: list[IndexedArticle]) -> None:
        """Create or replace the entries of these articles."""
        SearchEntry.objects.using(self.using).bulk_create(
            [
                SearchEntry(
                    article_id=entry.article_id,
                    title=entry.title,
                    summary=entry.summary,
                    document=entry.document,
                )
                for entry in entries
            ],
            update_conflicts=True,
            unique_fields=["article"],
            update_fields=["title", "summary", "document"],
        )
        self.write_terms(entries, shadow=False)

    def set_publish_at(self, article_id: int, publish_at: datetime | None) -> None:
        """The article's publish time changed, nothing else the entry holds."""

    @contextmanager
    def writing_many(self, count: int) -> Iterator[None]:
        """Around the writes of `count` entries in one transaction (a bulk
        load's): a backend may set its index aside and build it once at the
        end, when that is cheaper than updating it row by row."""
        yield

    def remove(self, article_ids: list[int]) -> None:
        """Forget these articles (deleting an article also cascades)."""
        raise NotImplementedError

    def filter(self, articles: QuerySet, query: Query) -> QuerySet:
        """`articles` narrowed to those matching every phrase of `query`.

        The index picks candidate entries by the phrases' terms, the substring
        test decides the phrases the index cannot (see
        Phrase.decided_by_index), and OVERFLOW entries, which the index cannot
        tell apart, are always tested. Both are subqueries of entry ids, so
        the articles can be walked newest first and stop early.
        """
        checked = [p for p in query.phrases if not p.decided_by_index]
        entries = SearchEntry.objects.using(articles.db)
        picked = self.candidates(entries, query).filter(
            holds_every_phrase(query, checked, prefix="")
        )
        overflow = self.candidates(entries, None).filter(
            holds_every_phrase(query, prefix="")
        )
        # One subquery, not an OR of two: its estimated size lets the planner
        # start from the few entries of a rare word, or walk the articles
        # newest first for a common one.
        return articles.filter(
            pk__in=picked.values("article_id").union(
                overflow.values("article_id"), all=True
            )
        )

    def candidates(self, entries: QuerySet, query: Query | None) -> QuerySet:
        """`entries` holding every term of `query`'s phrases (None: OVERFLOW)."""
        raise NotImplementedError

    def newest_matches(
        self, articles: QuerySet, query: Query, limit: int
    ) -> list[tuple] | None:
        """The newest `limit` matches of `query` among `articles`, newest
        first, as rows (pk, relevance tier, publish_at), or None when the
        backend has no faster way than search.query's own (filter, then sort)."""
        return None

    def share_bound(self, query: Query) -> float | None:
        """At most this share of entries can match `query`, by the index's
        statistics, or None when the backend keeps none (search then tests
        the newest articles to find out, see search.query)."""
        return None

    # A full rebuild goes to shadow tables first, so readers keep the old
    # index until swap_shadow() replaces it in one transaction.
    def start_shadow(self) -> None:
        raise NotImplementedError

    def write_shadow(self, entries: list[IndexedArticle]) -> None:
        with connections[self.using].cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {SHADOW} (article_id, title, summary, document) "
                "VALUES (%s, %s, %s, %s)",
                [(e.article_id, e.title, e.summary, e.document) for e in entries],
            )
        self.write_terms(entries, shadow=True)

    def finish_shadow(self) -> None:
        """Anything the shadow needs before the swap (indexes), outside it."""

    def swap_shadow(self) -> None:
        """Replace the index by the shadow in the caller's transaction."""
        raise NotImplementedError

    def index_kind(self) -> str:
        """A short name of the index answering queries (for the benchmark)."""
        return self.name


def backend_for(using: str = "default") -> SearchBackend:
    from .postgresql import PostgreSQLBackend
    from .sqlite import SQLiteBackend

    vendor = connections[using].vendor
    if vendor == "postgresql":
        return PostgreSQLBackend(using)
    if vendor == "sqlite":
        return SQLiteBackend(using)
    raise NotImplementedError(f"No search backend for the {vendor} database.")
