"""SQLite: an FTS5 table of our own bigram terms, then a substring test.

FTS5's trigram tokenizer matches nothing shorter than three characters and
most Korean nouns are two syllables, so the table stores the terms of
``search.analysis.terms`` (unigrams and bigrams, space separated) under the
plain ``unicode61`` tokenizer, one row per article (rowid = article id). A
MATCH of a query's bigrams picks candidates; ``instr`` on the compact document
decides, exactly as on PostgreSQL.
"""

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from ..analysis import OVERFLOW, Query
from ..models import SearchEntry
from . import SHADOW, IndexedArticle, SearchBackend

FTS_TABLE = "search_fts"
TABLE = "search_searchentry"
FTS_SHADOW = "search_fts_shadow"
CREATE_FTS = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "terms, tokenize = 'unicode61 remove_diacritics 0')"
)


def match_expression(query: Query | None) -> str:
    """Every term of every phrase; None: the OVERFLOW entries."""
    if query is None:
        return f'"{OVERFLOW}"'
    terms = dict.fromkeys(term for phrase in query.phrases for term in phrase.terms)
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


class SQLiteBackend(SearchBackend):
    name = "sqlite, fts5"

    def write_terms(self, entries: list[IndexedArticle], *, shadow: bool) -> None:
        table = FTS_SHADOW if shadow else FTS_TABLE
        with connections[self.using].cursor() as cursor:
            cursor.executemany(
                f"INSERT OR REPLACE INTO {table} (rowid, terms) VALUES (%s, %s)",
                [(e.article_id, " ".join(sorted(e.terms))) for e in entries],
            )

    def _delete(self, cursor, article_ids: list[int]) -> None:
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", chunk)

    def remove(self, article_ids: list[int]) -> None:
        SearchEntry.objects.using(self.using).filter(pk__in=article_ids).delete()
        with connections[self.using].cursor() as cursor:
            self._delete(cursor, list(article_ids))

    def start_shadow(self) -> None:
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SHADOW}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_SHADOW}")
            cursor.execute(
                f"CREATE TABLE {SHADOW} (article_id integer PRIMARY KEY, "
                "title text, summary text, document text)"
            )
            cursor.execute(CREATE_FTS.replace(FTS_TABLE, FTS_SHADOW, 1))

    def swap_shadow(self) -> None:
        live = "article_id IN (SELECT id FROM articles_article)"
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")
            cursor.execute(
                f"INSERT INTO {TABLE} (article_id, title, summary, document) "
                f"SELECT article_id, title, summary, document FROM {SHADOW} "
                f"WHERE {live}"
            )
            cursor.execute(f"DROP TABLE {SHADOW}")
            # The shadow FTS table becomes the index as it is (SQLite's DDL is
            # transactional); rows of articles deleted meanwhile match nothing
            # live and go at the next rebuild.
            cursor.execute(f"DROP TABLE {FTS_TABLE}")
            cursor.execute(f"ALTER TABLE {FTS_SHADOW} RENAME TO {FTS_TABLE}")

    def candidates(self, entries: QuerySet, query: Query | None) -> QuerySet:
        return entries.filter(
            pk__in=RawSQL(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
                [match_expression(query)],
            )
        )
