"""Move the index terms out of the entries into a narrow table of their own.

PostgreSQL: every search read candidate rows of search_searchentry, whose
documents fill some 4 kB a row, to learn their publish times and test them;
search_searchterms holds only the article id, its publish time and the
tsvector (out of line), so the candidates of a common word are a few hundred
pages, sorted newest first before any document is read. The terms and the
RUM or GIN index move across (no rebuild needed); reversing moves them back.
SQLite keeps its terms in FTS5 and leaves the new table empty.
"""

import django.db.models.deletion
from django.db import migrations, models

import search.models

ENTRIES = "search_searchentry"


def move_terms(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from search.backends.postgresql import (
        INDEX,
        TERMS_INDEX,
        TERMS_STATISTICS,
        TERMS_TABLE,
        create_index,
    )

    schema_editor.execute(
        f"INSERT INTO {TERMS_TABLE} (article_id, publish_at, terms) "
        f"SELECT e.article_id, a.publish_at, e.terms FROM {ENTRIES} e "
        "JOIN articles_article a ON a.id = e.article_id WHERE e.terms IS NOT NULL"
    )
    schema_editor.execute(
        f"ALTER TABLE {TERMS_TABLE} ALTER COLUMN terms "
        f"SET STATISTICS {TERMS_STATISTICS}"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    create_index(connection, table=TERMS_TABLE, name=TERMS_INDEX, by_publish_time=True)
    schema_editor.execute(f"ANALYZE {TERMS_TABLE}")


def move_terms_back(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from search.backends.postgresql import (
        INDEX,
        TERMS_INDEX,
        TERMS_TABLE,
        create_index,
    )

    schema_editor.execute(
        f"UPDATE {ENTRIES} e SET terms = t.terms FROM {TERMS_TABLE} t "
        "WHERE t.article_id = e.article_id"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {TERMS_INDEX}")
    create_index(connection, table=ENTRIES, name=INDEX)
    # Migration 0004's statistics target; the column was added back bare.
    schema_editor.execute(
        f"ALTER TABLE {ENTRIES} ALTER COLUMN terms SET STATISTICS 1000"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0020_index_categories_by_arrival"),
        ("search", "0004_terms_statistics"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchTerms",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_terms",
                        serialize=False,
                        to="articles.article",
                        verbose_name="기사",
                    ),
                ),
                (
                    "publish_at",
                    models.DateTimeField(
                        editable=False, null=True, verbose_name="게재 시각"
                    ),
                ),
                (
                    "terms",
                    search.models.SearchTermsField(
                        editable=False, verbose_name="색인 낱말"
                    ),
                ),
            ],
            options={
                "verbose_name": "검색 색인 낱말",
                "verbose_name_plural": "검색 색인 낱말",
            },
        ),
        migrations.RunPython(move_terms, move_terms_back),
        migrations.RemoveField(model_name="searchentry", name="terms"),
    ]
