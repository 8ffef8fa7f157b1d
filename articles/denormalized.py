"""Category and byline rows carry a copy of their article's visibility.

A category or author page lists the live articles of one category or author,
newest first. Read through the article table, the database fetches every
member to learn which are live and sorts them (about 300 rows a category at
5,000 articles, 1-3 ms on SQLite, growing with the site). With the article's
status, publish and expiry times copied onto the membership rows, one index
(category or author, status, publish time) hands over a page's rows in order
and stops after them.

The copies are kept by database triggers, not by Python: imports, bulk
actions, `QuerySet.update()` and `loaddata` write rows without model
methods, and every one of them must keep the copies true. `migrate` creates
them (post_migrate) and copies every row again. On SQLite a schema change
rebuilds the table it alters, which a trigger naming another table would make
fail, so the project's SQLite backend (newsroom/sqlite) lifts the triggers for
the length of each schema change. Changing a trigger's SQL needs a migration
that drops the old one: SQLite keeps a trigger of the same name.

Pages still apply live() to the article rows they show: a wrong copy could
shorten a page, never show an unpublished article.
"""

from django.db import connections

ARTICLE_TABLE = "articles_article"
# (membership table, its column naming the article)
MEMBERSHIPS = (
    ("articles_categorizedarticle", "content_object_id"),
    ("articles_byline", "article_id"),
)
COPIED = ("status", "publish_at", "expire_at")


def _copy_columns() -> str:
    return ", ".join(f"article_{column}" for column in COPIED)


def _sqlite_statements() -> list[str]:
    copied, sources = _copy_columns(), ", ".join(COPIED)
    statements = []
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in COPIED)
    for table, article_column in MEMBERSHIPS:
        from_article = (
            f"UPDATE {table} SET ({copied}) = (SELECT {sources} FROM {ARTICLE_TABLE}"
            f" WHERE id = NEW.{article_column})"
        )
        # A membership row written (by an insert, or a save with stale values)
        # takes its article's values. SQLite does not let a trigger fire
        # itself, so the update below does not loop.
        statements += [
            f"CREATE TRIGGER IF NOT EXISTS {table}_copy_on_insert AFTER INSERT"
            f" ON {table} BEGIN {from_article} WHERE id = NEW.id; END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_copy_on_update AFTER UPDATE"
            f" OF {article_column}, {copied} ON {table}"
            f" BEGIN {from_article} WHERE id = NEW.id; END",
        ]
        to_members = (
            f"UPDATE {table} SET ({copied}) = ({', '.join(f'NEW.{c}' for c in COPIED)})"
            f" WHERE {article_column} = NEW.id"
        )
        # An article inserted after its rows (a fixture in any order) or
        # changed: its rows follow.
        statements += [
            f"CREATE TRIGGER IF NOT EXISTS {table}_follow_article_insert AFTER INSERT"
            f" ON {ARTICLE_TABLE} BEGIN {to_members}; END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_follow_article_update AFTER UPDATE"
            f" OF {sources} ON {ARTICLE_TABLE} WHEN {changed}"
            f" BEGIN {to_members}; END",
        ]
    return statements


def _postgresql_statements() -> list[str]:
    sources = ", ".join(COPIED)
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COPIED)
    statements = []
    for table, article_column in MEMBERSHIPS:
        into = ", ".join(f"NEW.article_{column}" for column in COPIED)
        statements += [
            f"""CREATE OR REPLACE FUNCTION {table}_copy_article() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN
                SELECT {sources} INTO {into} FROM {ARTICLE_TABLE}
                WHERE id = NEW.{article_column};
                RETURN NEW;
            END $$""",
            f"CREATE OR REPLACE TRIGGER {table}_copy_article BEFORE INSERT OR UPDATE"
            f" ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_copy_article()",
        ]
    follow = "\n".join(
        f"UPDATE {table} SET ({_copy_columns()}) ="
        f" ({', '.join(f'NEW.{c}' for c in COPIED)})"
        f" WHERE {article_column} = NEW.id;"
        for table, article_column in MEMBERSHIPS
    )
    statements += [
        f"""CREATE OR REPLACE FUNCTION {ARTICLE_TABLE}_copy_to_members()
        RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            {follow}
            RETURN NULL;
        END $$""",
        f"CREATE OR REPLACE TRIGGER {ARTICLE_TABLE}_inserted_copy_to_members"
        f" AFTER INSERT ON {ARTICLE_TABLE} FOR EACH ROW"
        f" EXECUTE FUNCTION {ARTICLE_TABLE}_copy_to_members()",
        f"CREATE OR REPLACE TRIGGER {ARTICLE_TABLE}_updated_copy_to_members"
        f" AFTER UPDATE OF {sources} ON {ARTICLE_TABLE} FOR EACH ROW"
        f" WHEN ({changed}) EXECUTE FUNCTION {ARTICLE_TABLE}_copy_to_members()",
    ]
    return statements


def _copy_all_statements(vendor: str) -> list[str]:
    """Put right every row whose copies differ (writing only those: migrate
    runs it each time)."""
    differs = "IS NOT" if vendor == "sqlite" else "IS DISTINCT FROM"
    assignments = ", ".join(f"article_{c} = source.{c}" for c in COPIED)
    stale = " OR ".join(f"article_{c} {differs} source.{c}" for c in COPIED)
    return [
        f"UPDATE {table} SET {assignments} FROM {ARTICLE_TABLE} AS source"
        f" WHERE source.id = {table}.{article_column} AND ({stale})"
        for table, article_column in MEMBERSHIPS
    ]


def statements(vendor: str) -> list[str]:
    """The triggers' DDL for a database vendor (sqlite or postgresql)."""
    if vendor == "sqlite":
        return _sqlite_statements()
    if vendor == "postgresql":
        return _postgresql_statements()
    raise NotImplementedError(f"No copy triggers for {vendor}")


def install(using: str = "default") -> None:
    """Create the triggers if missing, then copy every row's values again."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in statements(connection.vendor):
            cursor.execute(statement)
        for statement in _copy_all_statements(connection.vendor):
            cursor.execute(statement)


def installed_triggers(using: str = "default") -> set[str]:
    """The names of the copy triggers present in the database."""
    connection = connections[using]
    tables = [ARTICLE_TABLE, *(table for table, _ in MEMBERSHIPS)]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                f" AND tbl_name IN ({', '.join(['%s'] * len(tables))})",
                tables,
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
                " AND tgrelid::regclass::text = ANY(%s)",
                [tables],
            )
        return {name for (name,) in cursor.fetchall()}


def expected_triggers(vendor: str) -> set[str]:
    """The trigger names install() creates on `vendor`."""
    if vendor == "sqlite":
        return {
            f"{table}_{suffix}"
            for table, _ in MEMBERSHIPS
            for suffix in (
                "copy_on_insert",
                "copy_on_update",
                "follow_article_insert",
                "follow_article_update",
            )
        }
    return {f"{table}_copy_article" for table, _ in MEMBERSHIPS} | {
        f"{ARTICLE_TABLE}_inserted_copy_to_members",
        f"{ARTICLE_TABLE}_updated_copy_to_members",
    }


def _columns_exist(using: str) -> bool:
    connection = connections[using]
    with connection.cursor() as cursor:
        for table, _ in MEMBERSHIPS:
            columns = {
                column.name
                for column in connection.introspection.get_table_description(
                    cursor, table
                )
            }
            if not {f"article_{column}" for column in COPIED} <= columns:
                return False
    return True


def uninstall(using: str = "default") -> bool:
    """Drop the SQLite triggers; whether there were any. (PostgreSQL never
    rebuilds a table, and keeps its triggers.)"""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    present = installed_triggers(using) & expected_triggers("sqlite")
    with connection.cursor() as cursor:
        for name in present:
            cursor.execute(f"DROP TRIGGER {name}")
    return bool(present)


def drop_all(using: str = "default") -> None:
    """Drop the triggers (and PostgreSQL's functions): migrating back before
    the copies, whose columns the triggers write."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            uninstall(using)
            return
        for table, _ in MEMBERSHIPS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_copy_article ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {table}_copy_article()")
        for name in ("inserted", "updated"):
            cursor.execute(
                f"DROP TRIGGER IF EXISTS {ARTICLE_TABLE}_{name}_copy_to_members"
                f" ON {ARTICLE_TABLE}"
            )
        cursor.execute(f"DROP FUNCTION IF EXISTS {ARTICLE_TABLE}_copy_to_members()")


def install_if_migrated(using: str = "default") -> None:
    """install(), unless the database is migrated back before the copies."""
    if _columns_exist(using):
        install(using)


def install_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver."""
    install_if_migrated(using)
