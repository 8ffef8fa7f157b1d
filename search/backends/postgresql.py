"""PostgreSQL: a tsvector of bigrams behind a RUM or GIN index, then a substring test.

The tsquery ANDs a few bigrams of every phrase (no positions, so no phrase
recheck and no 16,383-position limit); the planner reads the candidates from
the index and ``strpos`` on the compact document decides. RUM (extension
``rum``, Debian ``postgresql-15-rum``) is used where it is installed unless
NEWSROOM_SEARCH_FORCE_GIN is set; GIN otherwise. Both answer ``@@``.

The terms sit in their own narrow table (SearchTerms: article id, publish
time, tsvector), not beside the documents: a row of it is some fifty bytes in
the heap (the tsvector is out of line and never read back, the index decides
``@@`` alone), so the candidates of a word found in a tenth of 100,000
articles, with their publish times, are a few hundred pages. They are sorted
newest first, and only the newest few go on to the article (is it live?) and
the entry (the substring test, the ranking tier) until enough match
(newest_matches), instead of every candidate's document being read.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from ..analysis import OVERFLOW, Query
from ..models import SearchEntry
from . import SHADOW, IndexedArticle, SearchBackend

TABLE = "search_searchentry"
TERMS_TABLE = "search_searchterms"
TERMS_SHADOW = "search_searchterms_shadow"
TERMS_INDEX = "search_terms_index"
# Migrations 0002 to 0004 kept the terms in the entries, indexed by INDEX
# (0002 calls create_index with its defaults); 0005 moved them.
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


def create_index(
    connection, table: str = TABLE, name: str = INDEX, *, by_publish_time=False
) -> str:
    """Create the terms index, RUM when possible; return which kind it is.

    `by_publish_time` (the terms table's index): a RUM index keeps each
    article's publish time beside its terms (``rum_tsvector_addon_ops``), so
    it hands out the candidates of a query newest first and the search stops
    reading at the newest matches; it answers ``@@`` without reading the
    tsvector back, where ``rum_tsvector_ops`` rechecks every candidate's.
    GIN keeps no order and needs no recheck either.
    """
    kind = "gin"
    if not settings.NEWSROOM_SEARCH_FORCE_GIN and rum_available(connection):
        try:
            with transaction.atomic(using=connection.alias):
                with connection.cursor() as cursor:
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")
            kind = "rum"
        except Exception:  # no privilege or a broken package: use GIN
            kind = "gin"
    opclass = "gin (terms)"
    if kind == "rum" and by_publish_time:
        opclass = (
            "rum (terms rum_tsvector_addon_ops, publish_at) "
            "WITH (attach = 'publish_at', to = 'terms')"
        )
    elif kind == "rum":
        opclass = "rum (terms rum_tsvector_ops)"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute(f"CREATE INDEX {name} ON {table} USING {opclass}")
    return kind


class PostgreSQLBackend(SearchBackend):
    name = "postgresql"

    def write_terms(self, entries: list[IndexedArticle], *, shadow: bool) -> None:
        rows = [
            (e.article_id, e.publish_at, tsvector_literal(e.terms)) for e in entries
        ]
        insert = (
            f"INSERT INTO {TERMS_SHADOW if shadow else TERMS_TABLE} "
            "(article_id, publish_at, terms) VALUES (%s, %s, %s::tsvector)"
        )
        if not shadow:  # the shadow has no primary key until finish_shadow
            insert += (
                " ON CONFLICT (article_id) DO UPDATE SET "
                "publish_at = EXCLUDED.publish_at, terms = EXCLUDED.terms"
            )
        with connections[self.using].cursor() as cursor:
            cursor.executemany(insert, rows)

    def set_publish_at(self, article_id: int, publish_at) -> None:
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                f"UPDATE {TERMS_TABLE} SET publish_at = %s WHERE article_id = %s",
                [publish_at, article_id],
            )

    # A bulk load that at least doubles the table builds the terms' indexes
    # again after writing them, rather than inserting into them row by row:
    # an entry holds about a thousand terms, and inserting one into a live RUM
    # index took 25 ms (GIN with fast update 0.9 ms), against about 2.4 ms a
    # row to insert into a bare table and build the RUM index after.
    MANY_AT_LEAST = 200

    @contextmanager
    def writing_many(self, count: int) -> Iterator[None]:
        """Drop the terms table's indexes (all but those of its constraints),
        let the caller write, and create them again as they were, all in the
        caller's transaction: searches wait for its commit meanwhile, instead
        of the load waiting for every row's index insert."""
        connection = connections[self.using]
        if count < self.MANY_AT_LEAST or not connection.in_atomic_block:
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TERMS_TABLE}")
            (rows,) = cursor.fetchone()
            if rows > count:
                indexes = []
            else:
                cursor.execute(
                    "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) "
                    "FROM pg_index i WHERE indrelid = %s::regclass AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                    [TERMS_TABLE],
                )
                indexes = cursor.fetchall()
            if indexes:
                # Rows written earlier in the transaction leave their deferred
                # foreign key checks pending, and PostgreSQL alters no index of
                # a table with pending checks: run them as they come meanwhile.
                cursor.execute(
                    "SELECT string_agg(quote_ident(conname), ', ') FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f' AND condeferrable",
                    [TERMS_TABLE],
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
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {TERMS_TABLE} WHERE article_id = ANY(%s)",
                [list(article_ids)],
            )

    def candidates(self, entries: QuerySet, query: Query | None) -> QuerySet:
        return entries.filter(
            pk__in=RawSQL(
                f"SELECT article_id FROM {TERMS_TABLE} WHERE terms @@ %s::tsquery",
                [tsquery_literal(query)],
            )
        )

    # A common word (every term of it in at least COMMON_SHARE of the entries,
    # by ANALYZE's statistics) first sorts only its newest CANDIDATES * limit
    # candidates (a top-N sort, not a sort of tens of thousands); should they
    # hold fewer than `limit` matches (a date range far back, a category of
    # few), all of them are sorted after all.
    COMMON_SHARE = 0.05
    CANDIDATES = 4

    def newest_matches(self, articles: QuerySet, query: Query, limit: int) -> list:
        if self._is_common(query):
            rows = self._newest_matches(articles, query, limit, self.CANDIDATES * limit)
            if len(rows) >= limit:
                return rows
        return self._newest_matches(articles, query, limit, None)

    def _is_common(self, query: Query) -> bool:
        stats = self._stats()
        if stats is None:
            return False
        frequencies, _floor = stats
        terms = [term for phrase in query.phrases for term in phrase.terms]
        return bool(terms) and all(
            frequencies.get(term, 0.0) >= self.COMMON_SHARE for term in terms
        )

    def _newest_matches(
        self, articles: QuerySet, query: Query, limit: int, candidates: int | None
    ) -> list:
        """The candidates' ids and publish times from the terms table alone,
        sorted newest first (all of them: a few hundred pages even for a word
        in half of all articles), then, in that order, each candidate's article
        (is it among `articles`?) and entry (the substring test where the index
        cannot decide, the tier), until `limit` rows match. OVERFLOW entries
        are candidates for every query and tested for every phrase.

        The RUM index could hand the candidates out newest first itself
        (publish_at is attached), but the planner, which underestimates how
        many entries hold two bigrams of one word, never picks that path
        inside a join; sorting a word's candidates costs a few milliseconds."""
        articles_sql, articles_params = (
            articles.order_by()
            .values_list("pk", "publish_at")
            .query.get_compiler(articles.db)
            .as_sql()
        )
        checked = [p.match for p in query.phrases if not p.decided_by_index]
        every = [p.match for p in query.phrases]

        def holding(field: str, texts: list[str]) -> tuple[str, list[str]]:
            sql = " AND ".join(f"strpos(e.{field}, %s) > 0" for _ in texts)
            return sql or "true", texts

        def tier(field: str) -> tuple[str, list[str]]:
            either = [
                "(" + " OR ".join(f"strpos(e.{field}, %s) > 0" for _ in p.forms) + ")"
                for p in query.phrases
            ]
            return " AND ".join(either), [f for p in query.phrases for f in p.forms]

        title_sql, title_params = tier("title")
        summary_sql, summary_params = tier("summary")
        checked_sql, checked_params = holding("document", checked)
        every_sql, every_params = holding("document", every)
        sql = (
            f"SELECT t.article_id, CASE WHEN {title_sql} THEN 3 "
            f"WHEN {summary_sql} THEN 2 ELSE 1 END, a.publish_at FROM ("
            f"SELECT article_id, publish_at, false AS overflow FROM {TERMS_TABLE} "
            "WHERE terms @@ %s::tsquery UNION ALL "
            f"SELECT article_id, publish_at, true FROM {TERMS_TABLE} "
            "WHERE terms @@ %s::tsquery "
            # OFFSET 0 keeps the sorted candidates a subquery of their own,
            # which the joins then read in order and the LIMIT stops early.
            "ORDER BY publish_at DESC, article_id DESC "
            f"{'LIMIT %s' if candidates else 'OFFSET 0'}) t "
            f"JOIN ({articles_sql}) a (id, publish_at) ON a.id = t.article_id "
            f"JOIN {TABLE} e ON e.article_id = t.article_id "
            f"WHERE {checked_sql} AND (NOT t.overflow OR {every_sql}) "
            "ORDER BY t.publish_at DESC, t.article_id DESC LIMIT %s"
        )
        params = [
            *title_params,
            *summary_params,
            tsquery_literal(query),
            tsquery_literal(None),
            *([candidates] if candidates else []),
            *articles_params,
            *checked_params,
            *every_params,
            limit,
        ]
        with connections[articles.db].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _stats(self) -> tuple[dict[str, float], float] | None:
        cached = _term_stats.get(self.using)
        if cached is not None and time.monotonic() - cached[0] < STATS_SECONDS:
            return None if cached[1] is None else (cached[1], cached[2])
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs "
                "FROM pg_stats WHERE schemaname = current_schema() "
                "AND tablename = %s AND attname = 'terms'",
                [TERMS_TABLE],
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

    # A rebuild fills whole new tables (entries and terms), indexes them, and
    # renames them into place: inserting 100,000 rows into a live RUM index
    # row by row would take tens of minutes, building the index once minutes.
    SHADOWS = {TABLE: SHADOW, TERMS_TABLE: TERMS_SHADOW}

    def start_shadow(self) -> None:
        with connections[self.using].cursor() as cursor:
            for table, shadow in self.SHADOWS.items():
                cursor.execute(f"DROP TABLE IF EXISTS {shadow}")
                cursor.execute(
                    f"CREATE TABLE {shadow} (LIKE {table} INCLUDING DEFAULTS "
                    "INCLUDING STORAGE INCLUDING COMPRESSION)"
                )

    def finish_shadow(self) -> None:
        """Index the shadow tables, outside any transaction readers wait on."""
        connection = connections[self.using]
        with connection.cursor() as cursor:
            for shadow in self.SHADOWS.values():
                cursor.execute(f"ALTER TABLE {shadow} ADD PRIMARY KEY (article_id)")
            cursor.execute(
                f"ALTER TABLE {TERMS_SHADOW} ALTER COLUMN terms "
                f"SET STATISTICS {TERMS_STATISTICS}"
            )
        create_index(
            connection,
            table=TERMS_SHADOW,
            name=f"{TERMS_INDEX}_new",
            by_publish_time=True,
        )
        with connection.cursor() as cursor:
            # Statistics from the first query on: the planner's estimates
            # and share_bound read them.
            for shadow in self.SHADOWS.values():
                cursor.execute(f"ANALYZE {shadow}")

    def swap_shadow(self) -> None:
        with connections[self.using].cursor() as cursor:
            keys = {}
            for table in self.SHADOWS:
                cursor.execute(
                    "SELECT conname, contype, pg_get_constraintdef(oid) "
                    "FROM pg_constraint WHERE conrelid = %s::regclass "
                    "AND contype IN ('f', 'p') ORDER BY contype",
                    [table],
                )
                keys[table] = cursor.fetchall()
            # Readers wait for the renames only (milliseconds), never see a
            # half-built index. Dropping the old tables drops their foreign
            # keys, which locks articles_article exclusively too: take that
            # lock first, in the order readers take theirs (articles, then
            # the search tables), or a search running meanwhile deadlocks
            # with the swap.
            cursor.execute(
                f"LOCK TABLE articles_article, {TABLE}, {TERMS_TABLE} "
                "IN ACCESS EXCLUSIVE MODE"
            )
            # Deferred foreign key checks still pending on the old tables (rows
            # written earlier in this transaction) must run before they go.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, shadow in self.SHADOWS.items():
                cursor.execute(
                    f"DELETE FROM {shadow} "
                    "WHERE article_id NOT IN (SELECT id FROM articles_article)"
                )
                cursor.execute(f"DROP TABLE {table}")
                cursor.execute(f"ALTER TABLE {shadow} RENAME TO {table}")
                for name, kind, definition in keys[table]:
                    if kind == "p":
                        cursor.execute(
                            f"ALTER TABLE {table} RENAME CONSTRAINT "
                            f"{shadow}_pkey TO {name}"
                        )
                    else:  # as it was: deferrable, and ON DELETE CASCADE for terms
                        cursor.execute(
                            f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
                        )
            cursor.execute(f"ALTER INDEX {TERMS_INDEX}_new RENAME TO {TERMS_INDEX}")
        # The new table's statistics (finish_shadow analysed it) from now on.
        _term_stats.pop(self.using, None)

    def index_kind(self) -> str:
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = %s", [TERMS_INDEX]
            )
            row = cursor.fetchone()
        if row is None:
            return "postgresql, no index"
        return "postgresql, rum" if " USING rum " in row[0] else "postgresql, gin"
