"""PostgreSQL: a tsvector of bigrams behind a RUM or GIN index, then a substring test.

The tsquery ANDs a few bigrams of every phrase (no positions, so no phrase
recheck and no 16,383-position limit); the planner reads the candidates from
the index and ``strpos`` on the compact document decides. RUM (extension
``rum``, Debian ``postgresql-15-rum``) is used where it is installed unless
NEWSROOM_SEARCH_FORCE_GIN is set; GIN otherwise. Both answer ``@@``.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections, transaction
from django.db.models import QuerySet

from ..analysis import OVERFLOW, Query
from ..models import SearchEntry
from . import SHADOW, IndexedArticle, SearchBackend

TABLE = "search_searchentry"
INDEX = "search_entry_terms"
# The terms' frequencies ANALYZE keeps (pg_stats.most_common_elems), read
# again after this many seconds; by database alias: (read at, frequencies or
# None when there are none, the highest frequency a term missing from them
# can have).
STATS_SECONDS = 600
# The statistics target of the terms column (migration 0004): ANALYZE keeps
# ten times as many of its most common terms.
TERMS_STATISTICS = 1000
_term_stats: dict[str, tuple[float, dict[str, float] | None, float]] = {}


def lexeme(term: str) -> str:
    """Quote a term for a tsvector or tsquery literal."""
    if "'" in term or "\\" in term:
        term = term.replace("\\", "\\\\").replace("'", "''")
    return f"'{term}'"


def tsvector_literal(terms) -> str:
    return " ".join(lexeme(term) for term in sorted(terms))


def tsquery_literal(query: Query | None) -> str:
    """Every term of every phrase; None: the OVERFLOW entries."""
    if query is None:
        return lexeme(OVERFLOW)
    terms = dict.fromkeys(term for phrase in query.phrases for term in phrase.terms)
    return " & ".join(lexeme(term) for term in terms)


def rum_available(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        return cursor.fetchone() is not None


def create_index(connection, table: str = TABLE, name: str = INDEX) -> str:
    """Create the terms index, RUM when possible; return which kind it is."""
    kind = "gin"
    if not settings.NEWSROOM_SEARCH_FORCE_GIN and rum_available(connection):
        try:
            with transaction.atomic(using=connection.alias):
                with connection.cursor() as cursor:
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")
            kind = "rum"
        except Exception:  # no privilege or a broken package: use GIN
            kind = "gin"
    opclass = "rum (terms rum_tsvector_ops)" if kind == "rum" else "gin (terms)"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute(f"CREATE INDEX {name} ON {table} USING {opclass}")
    return kind


class PostgreSQLBackend(SearchBackend):
    name = "postgresql"

    TERMS_PLACEHOLDER = "%s::tsvector"

    def stored_terms(self, entry: IndexedArticle) -> str:
        return tsvector_literal(entry.terms)

    # A bulk load that at least doubles the table builds the entries' indexes
    # again after writing them, rather than inserting into them row by row:
    # an entry holds about a thousand terms, and inserting one into a live RUM
    # index took 25 ms (GIN with fast update 0.9 ms), against about 2.4 ms a
    # row to insert into a bare table and build the RUM index after.
    MANY_AT_LEAST = 200

    @contextmanager
    def writing_many(self, count: int) -> Iterator[None]:
        """Drop the entries table's indexes (all but those of its constraints),
        let the caller write, and create them again as they were, all in the
        caller's transaction: searches wait for its commit meanwhile, instead
        of the load waiting for every row's index insert."""
        connection = connections[self.using]
        if count < self.MANY_AT_LEAST or not connection.in_atomic_block:
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            (rows,) = cursor.fetchone()
            if rows > count:
                indexes = []
            else:
                cursor.execute(
                    "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) "
                    "FROM pg_index i WHERE indrelid = %s::regclass AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                    [TABLE],
                )
                indexes = cursor.fetchall()
            if indexes:
                # Rows written earlier in the transaction leave their deferred
                # foreign key checks pending, and PostgreSQL alters no index of
                # a table with pending checks: run them as they come meanwhile.
                cursor.execute(
                    "SELECT string_agg(quote_ident(conname), ', ') FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f' AND condeferrable",
                    [TABLE],
                )
                (foreign_keys,) = cursor.fetchone()
                if foreign_keys:
                    cursor.execute(f"SET CONSTRAINTS {foreign_keys} IMMEDIATE")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
        if not indexes:
            return
        with connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)
            if foreign_keys:
                cursor.execute(f"SET CONSTRAINTS {foreign_keys} DEFERRED")

    def remove(self, article_ids: list[int]) -> None:
        SearchEntry.objects.using(self.using).filter(pk__in=article_ids).delete()

    def candidates(self, entries: QuerySet, query: Query | None) -> QuerySet:
        return entries.filter(terms__matches=tsquery_literal(query))

    def _stats(self) -> tuple[dict[str, float], float] | None:
        cached = _term_stats.get(self.using)
        if cached is not None and time.monotonic() - cached[0] < STATS_SECONDS:
            return None if cached[1] is None else (cached[1], cached[2])
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs "
                "FROM pg_stats WHERE schemaname = current_schema() "
                "AND tablename = %s AND attname = 'terms'",
                [TABLE],
            )
            row = cursor.fetchone()
        if row is None or not row[0]:  # never analysed: no statistics yet
            _term_stats[self.using] = (time.monotonic(), None, 0.0)
            return None
        terms, freqs = row
        # The last three numbers are the lowest and highest frequency and
        # the share of NULLs; a term left out is rarer than the lowest.
        frequencies = dict(zip(terms, freqs, strict=False))
        floor = freqs[len(terms)]
        _term_stats[self.using] = (time.monotonic(), frequencies, floor)
        return frequencies, floor

    def share_bound(self, query: Query) -> float | None:
        """An article holding every phrase holds every term of it, so no
        larger share of entries matches than that of its rarest term."""
        stats = self._stats()
        if stats is None:
            return None
        frequencies, floor = stats
        terms = [term for phrase in query.phrases for term in phrase.terms]
        return min((frequencies.get(term, floor) for term in terms), default=None)

    # A rebuild fills a whole new table, indexes it, and renames it into
    # place: inserting 100,000 rows into a live RUM index row by row would take
    # tens of minutes, and building the index once takes seconds.
    def start_shadow(self) -> None:
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SHADOW}")
            cursor.execute(
                f"CREATE TABLE {SHADOW} (LIKE {TABLE} INCLUDING DEFAULTS "
                "INCLUDING STORAGE INCLUDING COMPRESSION)"
            )

    def finish_shadow(self) -> None:
        """Index the shadow table, outside any transaction readers wait on."""
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {SHADOW} ADD PRIMARY KEY (article_id)")
            cursor.execute(
                f"ALTER TABLE {SHADOW} ALTER COLUMN terms "
                f"SET STATISTICS {TERMS_STATISTICS}"
            )
        create_index(connection, table=SHADOW, name=f"{INDEX}_new")
        with connection.cursor() as cursor:
            # Statistics from the first query on: the planner's estimates
            # and share_bound read them.
            cursor.execute(f"ANALYZE {SHADOW}")

    def swap_shadow(self) -> None:
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [TABLE],
            )
            foreign_keys = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "SELECT conname FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'p'",
                [TABLE],
            )
            (primary_key,) = cursor.fetchone()
            # Readers wait for the renames only (milliseconds), never see a
            # half-built index. Dropping the old table drops its foreign key,
            # which locks articles_article exclusively too: take that lock
            # first, in the order readers take theirs (articles, then
            # entries), or a search running meanwhile deadlocks with the swap.
            cursor.execute(
                f"LOCK TABLE articles_article, {TABLE} IN ACCESS EXCLUSIVE MODE"
            )
            # Deferred foreign key checks still pending on the old table (rows
            # written earlier in this transaction) must run before it goes.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                f"DELETE FROM {SHADOW} "
                "WHERE article_id NOT IN (SELECT id FROM articles_article)"
            )
            cursor.execute(f"DROP TABLE {TABLE}")
            cursor.execute(f"ALTER TABLE {SHADOW} RENAME TO {TABLE}")
            cursor.execute(f"ALTER INDEX {INDEX}_new RENAME TO {INDEX}")
            cursor.execute(
                f"ALTER TABLE {TABLE} RENAME CONSTRAINT {SHADOW}_pkey TO {primary_key}"
            )
            for name in foreign_keys or [f"{TABLE}_article_id_fk"]:
                cursor.execute(
                    f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} FOREIGN KEY "
                    "(article_id) REFERENCES articles_article (id) "
                    "DEFERRABLE INITIALLY DEFERRED"
                )
        # The new table's statistics (finish_shadow analysed it) from now on.
        _term_stats.pop(self.using, None)

    def index_kind(self) -> str:
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = %s", [INDEX]
            )
            row = cursor.fetchone()
        if row is None:
            return "postgresql, no index"
        return "postgresql, rum" if " USING rum " in row[0] else "postgresql, gin"
