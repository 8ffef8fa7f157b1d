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


def _new_values() -> str:
    return ", ".join(f"NEW.{column}" for column in COPIED)


def _sqlite_triggers() -> list[tuple[str, str, str]]:
    """(name, table, DDL) of each SQLite trigger."""
    copied, sources = _copy_columns(), ", ".join(COPIED)
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in COPIED)
    triggers = []
    for table, article_column in MEMBERSHIPS:
        from_article = (
            f"UPDATE {table} SET ({copied}) = (SELECT {sources} FROM {ARTICLE_TABLE}"
            f" WHERE id = NEW.{article_column}) WHERE id = NEW.id"
        )
        to_members = (
            f"UPDATE {table} SET ({copied}) = ({_new_values()})"
            f" WHERE {article_column} = NEW.id"
        )
        # A membership row written (by an insert, or a save with stale values)
        # takes its article's values; SQLite does not let a trigger fire
        # itself, so that update does not loop. An article inserted after its
        # rows (a fixture in any order) or changed: its rows follow.
        for suffix, on, event, body in (
            ("copy_on_insert", table, "INSERT", from_article),
            (
                "copy_on_update",
                table,
                f"UPDATE OF {article_column}, {copied}",
                from_article,
            ),
            ("follow_article_insert", ARTICLE_TABLE, "INSERT", to_members),
            (
                "follow_article_update",
                ARTICLE_TABLE,
                f"UPDATE OF {sources}",
                to_members,
            ),
        ):
            name = f"{table}_{suffix}"
            # Only when a copied value changed: a save writes every column.
            when = f" WHEN {changed}" if suffix == "follow_article_update" else ""
            ddl = (
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {on}{when}"
                f" BEGIN {body}; END"
            )
            triggers.append((name, on, ddl))
    return triggers


def _postgresql_functions() -> list[tuple[str, str]]:
    """(name, DDL) of each PostgreSQL trigger function."""
    sources = ", ".join(COPIED)
    functions = []
    for table, article_column in MEMBERSHIPS:
        into = ", ".join(f"NEW.article_{column}" for column in COPIED)
        functions.append(
            (
                f"{table}_copy_article",
                f"""CREATE OR REPLACE FUNCTION {table}_copy_article()
                RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                    SELECT {sources} INTO {into} FROM {ARTICLE_TABLE}
                    WHERE id = NEW.{article_column};
                    RETURN NEW;
                END $$""",
            )
        )
    follow = "\n".join(
        f"UPDATE {table} SET ({_copy_columns()}) = ({_new_values()})"
        f" WHERE {article_column} = NEW.id;"
        for table, article_column in MEMBERSHIPS
    )
    functions.append(
        (
            f"{ARTICLE_TABLE}_copy_to_members",
            f"""CREATE OR REPLACE FUNCTION {ARTICLE_TABLE}_copy_to_members()
            RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                {follow}
                RETURN NULL;
            END $$""",
        )
    )
    return functions


def _postgresql_triggers() -> list[tuple[str, str, str]]:
    """(name, table, DDL) of each PostgreSQL trigger."""
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COPIED)
    members = ARTICLE_TABLE + "_copy_to_members()"
    triggers = [
        (
            f"{table}_copy_article",
            table,
            f"BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW"
            f" EXECUTE FUNCTION {table}_copy_article()",
        )
        for table, _ in MEMBERSHIPS
    ]
    triggers += [
        (
            f"{ARTICLE_TABLE}_inserted_copy_to_members",
            ARTICLE_TABLE,
            f"AFTER INSERT ON {ARTICLE_TABLE} FOR EACH ROW EXECUTE FUNCTION {members}",
        ),
        (
            f"{ARTICLE_TABLE}_updated_copy_to_members",
            ARTICLE_TABLE,
            f"AFTER UPDATE OF {', '.join(COPIED)} ON {ARTICLE_TABLE} FOR EACH ROW"
            f" WHEN ({changed}) EXECUTE FUNCTION {members}",
        ),
    ]
    return [
        (name, table, f"CREATE OR REPLACE TRIGGER {name} {ddl}")
        for name, table, ddl in triggers
    ]


def _triggers(vendor: str) -> list[tuple[str, str, str]]:
    if vendor == "sqlite":
        return _sqlite_triggers()
    if vendor == "postgresql":
        return _postgresql_triggers()
    raise NotImplementedError(f"No copy triggers for {vendor}")


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


def install(using: str = "default") -> None:
    """Create the triggers if missing, then copy every row's values again."""
    connection = connections[using]
    functions = _postgresql_functions() if connection.vendor == "postgresql" else []
    with connection.cursor() as cursor:
        for _, ddl in functions:
            cursor.execute(ddl)
        for _, _, ddl in _triggers(connection.vendor):
            cursor.execute(ddl)
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
    return {name for name, _, _ in _triggers(vendor)}


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
    """Lift the SQLite triggers for a schema change; whether there were any.
    (PostgreSQL never rebuilds a table, and keeps its triggers.)"""
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
    if connection.vendor == "sqlite":
        uninstall(using)
        return
    with connection.cursor() as cursor:
        for name, table, _ in _triggers(connection.vendor):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name, _ in _postgresql_functions():
            cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


def install_if_migrated(using: str = "default") -> None:
    """install(), unless the database is migrated back before the copies."""
    if _columns_exist(using):
        install(using)


def install_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver."""
    install_if_migrated(using)
