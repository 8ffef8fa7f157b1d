"""Keep the compact document inline in the entries' heap on PostgreSQL.

Every search tests candidate documents with strpos(); a TOASTed document costs
a TOAST index lookup and chunk reads per row tested, an inline one a single
heap page. STORAGE MAIN still compresses it (lz4 where 0002 set it) and moves
it out of line only when a row cannot fit a page otherwise. Rows already
written keep their place until rewritten: run ``manage.py rebuild_search_index``
(whose shadow table copies the column's storage) after migrating.
"""

from django.db import migrations


def set_storage(storage):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                "ALTER TABLE search_searchentry "
                f"ALTER COLUMN document SET STORAGE {storage}"
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_bigram_backends")]

    operations = [
        migrations.RunPython(set_storage("MAIN"), set_storage("EXTENDED")),
    ]
