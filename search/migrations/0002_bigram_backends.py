"""Replace the weighted tsvectors with compact texts and a bigram index.

PostgreSQL: a tsvector of terms behind a RUM index where the ``rum`` extension
can be created (a missing package or privilege falls back to GIN), or GIN when
NEWSROOM_SEARCH_FORCE_GIN is set. SQLite: an FTS5 table. Entries are derived
data: run ``manage.py rebuild_search_index`` after migrating.
"""

from django.db import migrations, models

import search.models

OLD_GIN_INDEX = "search_entry_document_gin"


def create_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        from search.backends.postgresql import create_index

        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_GIN_INDEX}")
        create_index(connection)
        # The substring test reads candidate documents; lz4 decompresses them
        # several times faster than the default pglz (PostgreSQL 14+ with lz4).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
                "AND 'lz4' = ANY(enumvals)"
            )
            if cursor.fetchone():
                schema_editor.execute(
                    "ALTER TABLE search_searchentry "
                    "ALTER COLUMN document SET COMPRESSION lz4"
                )
    elif connection.vendor == "sqlite":
        from search.backends.sqlite import CREATE_FTS

        schema_editor.execute(CREATE_FTS)


def drop_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        from search.backends.postgresql import INDEX

        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    elif connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, drop_indexes),
        *(
            migrations.RemoveField("searchentry", name)
            for name in [
                "document",
                "headline",
                "title_terms",
                "summary_terms",
                "body_terms",
                "initials_terms",
            ]
        ),
        migrations.AddField(
            "searchentry",
            "title",
            models.TextField(blank=True, editable=False, verbose_name="제목"),
        ),
        migrations.AddField(
            "searchentry",
            "summary",
            models.TextField(blank=True, editable=False, verbose_name="요약·분류"),
        ),
        migrations.AddField(
            "searchentry",
            "document",
            models.TextField(blank=True, editable=False, verbose_name="검색 문서"),
        ),
        migrations.AddField(
            "searchentry",
            "terms",
            search.models.SearchTermsField(
                editable=False, null=True, verbose_name="색인 낱말"
            ),
        ),
        migrations.RunPython(create_indexes, migrations.RunPython.noop),
    ]
