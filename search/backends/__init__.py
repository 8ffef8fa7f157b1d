"""The search backend interface: index articles, remove them, match a query.

Everything else in ``search`` (analysis, ranking, the view, the command) is
shared; a backend only stores the entries ``search.indexing`` computes and
turns a parsed query into a filter on the reader's queryset. PostgreSQL and
SQLite are the two backends here; the README ("Search beyond one database")
says what an OpenSearch/Elasticsearch backend with the nori analyser maps to.
"""

from dataclasses import dataclass

from django.db import connections
from django.db.models import F, QuerySet, Value
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan

from ..analysis import Query


def holds(field: str, text: str) -> GreaterThan:
    """`text` occurs in the entry's `field` (a compact text): instr() on SQLite,
    strpos() on PostgreSQL, plain searches far cheaper than LIKE '%...%'."""
    return GreaterThan(StrIndex(F(f"search_entry__{field}"), Value(text)), 0)


@dataclass(frozen=True)
class IndexedArticle:
    """One article's entry as the backends store it."""

    article_id: int
    title: str
    summary: str
    document: str
    terms: frozenset[str]


class SearchBackend:
    """What a backend must do; `using` is the Django database alias."""

    name = "abstract"

    def __init__(self, using: str):
        self.using = using

    def write(self, entries: list[IndexedArticle]) -> None:
        """Create or replace the entries of these articles."""
        raise NotImplementedError

    def remove(self, article_ids: list[int]) -> None:
        """Forget these articles (deleting an article also cascades)."""
        raise NotImplementedError

    def filter(self, articles: QuerySet, query: Query) -> QuerySet:
        """`articles` narrowed to those matching every phrase of `query`."""
        raise NotImplementedError

    # A full rebuild goes to shadow tables first, so readers keep the old
    # index until swap_shadow() replaces it in one transaction.
    def start_shadow(self) -> None:
        raise NotImplementedError

    def write_shadow(self, entries: list[IndexedArticle]) -> None:
        raise NotImplementedError

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
