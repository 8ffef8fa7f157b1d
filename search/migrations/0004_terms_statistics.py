"""Keep frequencies of many more index terms in PostgreSQL's statistics.

Search asks ``pg_stats.most_common_elems`` whether a query's terms are common
before it tests the newest articles (search.backends.postgresql.share_bound).
At the default target ANALYZE keeps 1,000 terms, all of them single syllables
found in a fifth of the articles or more, which tells a rare bigram from a
common one not at all; at 1,000 it keeps 10,000, down to about 3 % of the
articles. Rebuilds set the same target on their new table (finish_shadow).
"""

from django.db import migrations

from search.backends.postgresql import TERMS_STATISTICS


def set_target(target):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                "ALTER TABLE search_searchentry "
                f"ALTER COLUMN terms SET STATISTICS {target}"
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_document_inline")]

    operations = [
        migrations.RunPython(set_target(TERMS_STATISTICS), set_target(-1)),
    ]
