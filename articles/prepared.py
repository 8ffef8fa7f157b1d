"""ORM queries compiled once per process and database, run with new inputs.

Building and compiling the related-articles queryset cost about 3.5 ms of an
article request, its SQL 0.6 ms: the query's shape never changes, only its
inputs (the clock, the article's id). A PreparedQuery builds the queryset from
a function of those inputs, compiles it to SQL once, and afterwards runs that
SQL with the new inputs in the parameters' places. The rows become model
instances the way the ORM makes them (Model.from_db, the compiler's value
converters, annotations as attributes), without a RawQuerySet's per-call
column mapping, which was half the cost of a one-row query.

On PostgreSQL the SQL is also a server-side prepared statement on each
connection (NEWSROOM_DB_PREPARED, on by default): the article query spent
0.18 ms of the server's CPU planning and 0.06 ms executing, so every page
request paid the planner three times over for a plan that never changes.
Only these queries are prepared (Django's own queries stay unprepared, as
Django leaves them); a connection pooler in transaction mode that cannot carry
prepared statements (PgBouncer before 1.21) needs NEWSROOM_DB_PREPARED=0.

Safe by construction, or not used: the first call compiles the query twice,
with two different sets of sentinel inputs, and keeps the SQL only when both
give the same text and every parameter is either the same constant in both or
the sentinel of one input in each. Anything else (an input inlined into the
SQL, a sentinel that collides with a constant) and every call builds the
queryset as before. Nothing read from the database is kept: this caches SQL
text, not results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from types import SimpleNamespace

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet

# Two sets of inputs no real request has.
_SENTINELS = (
    {
        "now": datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC),
        "pk": -910_000_001,
        "slug": "\x00prepared-sentinel-a",
    },
    {
        "now": datetime(1902, 3, 4, 5, 6, 7, 890123, tzinfo=UTC),
        "pk": -920_000_002,
        "slug": "\x00prepared-sentinel-b",
    },
)
INPUTS = tuple(_SENTINELS[0])


class PlainRow(SimpleNamespace):
    """A row of a `plain_rows` query: its columns by attname (the primary key
    as `pk`), its annotations, and `_model`, the model it is a row of (the page
    cache's surrogate keys name it)."""


@dataclass(frozen=True)
class _Plan:
    model: type
    sql: str
    # Per parameter: (input name, None) or (None, constant).
    slots: list
    # The model's columns: their attnames and where they sit in a row.
    init_list: list
    # The same columns named for a plain row: the primary key as "pk".
    row_names: list
    start: int
    end: int
    annotations: dict
    # Row position -> (converters, expression), as the compiler gives them.
    converters: dict


class PreparedQuery:
    """`build(now=..., pk=..., slug=..., **fixed)` returns a queryset of model
    instances; it may ignore any of the inputs.

    `fixed` inputs (a page's offset and limit, which Django writes into the SQL
    as numbers; the ids of the front page's section articles) are part of the
    query's shape: each distinct set is compiled once, and the compiled shapes
    are forgotten when SHAPES of them have piled up.

    With `plain_rows`, each row is a PlainRow of the selected columns
    (the primary key as `pk`) and annotations instead of a model instance:
    for lists of stored cards, whose reader (fragments.cards) needs no model
    and refetches any stale row itself. Building a model instance of three
    columns still walks all of its thirty fields.
    """

    SHAPES = 64

    def __init__(self, build: Callable[..., QuerySet], *, plain_rows: bool = False):
        self.build = build
        self.plain_rows = plain_rows
        self._compiled: dict[tuple, _Plan | None] = {}

    def _adapted(self, connection, name: str, value):
        if name == "now":
            return connection.ops.adapt_datetimefield_value(value)
        return value

    def _compile(self, using: str, fixed: dict) -> _Plan | None:
        connection = connections[using]
        compiled = []
        for inputs in _SENTINELS:
            queryset = self.build(**inputs, **fixed).using(using)
            compiler = queryset.query.get_compiler(using)
            sql, params = compiler.as_sql()
            compiled.append((sql, list(params)))
        (sql_a, params_a), (sql_b, params_b) = compiled
        if sql_a != sql_b or len(params_a) != len(params_b):
            return None
        slots = []
        for a, b in zip(params_a, params_b, strict=True):
            names = [
                name
                for name in INPUTS
                if a == self._adapted(connection, name, _SENTINELS[0][name])
                and b == self._adapted(connection, name, _SENTINELS[1][name])
            ]
            if len(names) == 1:
                slots.append((names[0], None))
            elif not names and a == b:
                slots.append((None, a))
            else:
                return None
        info = compiler.klass_info
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        if (
            queryset._prefetch_related_lookups
            or info.get("related_klass_infos")
            or compiler.has_composite_fields(fields)
        ):
            return None  # not the plain shape this runner makes
        start, end = info["select_fields"][0], info["select_fields"][-1] + 1
        init_list = [column[0].target.attname for column in compiler.select[start:end]]
        pk_name = info["model"]._meta.pk.attname
        return _Plan(
            model=info["model"],
            sql=sql_a,
            slots=slots,
            init_list=init_list,
            row_names=["pk" if name == pk_name else name for name in init_list],
            start=start,
            end=end,
            annotations=dict(compiler.annotation_col_map or {}),
            converters=compiler.get_converters(fields),
        )

    def __call__(self, *, using: str = "default", fixed=None, **inputs) -> list:
        fixed = fixed or {}
        connection = connections[using]
        key = (using, connection.vendor, *sorted(fixed.items()))
        if key not in self._compiled:
            if len(self._compiled) >= self.SHAPES:
                self._compiled.clear()
            self._compiled[key] = self._compile(using, fixed)
        plan = self._compiled[key]
        if plan is None:
            # Model instances: they carry every attribute a plain row has.
            return list(self.build(**inputs, **fixed).using(using))
        params = [
            value if name is None else self._adapted(connection, name, inputs.get(name))
            for name, value in plan.slots
        ]
        with _cursor(connection) as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            if plan.converters:
                row = list(row)
                for position, (converters, expression) in plan.converters.items():
                    value = row[position]
                    for converter in converters:
                        value = converter(value, expression, connection)
                    row[position] = value
            values = row[plan.start : plan.end]
            if self.plain_rows:
                instance = PlainRow(
                    _model=plan.model, **dict(zip(plan.row_names, values, strict=True))
                )
            else:
                instance = plan.model.from_db(using, plan.init_list, values)
            for name, position in plan.annotations.items():
                setattr(instance, name, row[position])
            found.append(instance)
        return found


def _cursor(connection):
    """A cursor as connection.cursor() gives (health check, query logging),
    whose statements PostgreSQL prepares once per connection."""
    if connection.vendor != "postgresql" or not settings.NEWSROOM_DB_PREPARED:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = _preparing_cursor()(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


@cache
def _preparing_cursor() -> type:
    """Django's server-binding psycopg cursor, preparing every statement it
    runs (psycopg keeps them per connection, by their SQL text). Imported
    here: a SQLite site never loads the PostgreSQL backend."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, **kwargs):
            return super().execute(query, params, prepare=True, **kwargs)

    return PreparingCursor


class PreparedRows:
    """`count` rows that a Paginator slices: each slice runs `query` with the
    inputs and the slice's offset and limit, so a list page costs its one query
    (compiled once per page) and no COUNT, the count being known."""

    def __init__(self, query: PreparedQuery, count: int, **inputs):
        self.query = query
        self._count = count
        self.inputs = inputs

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, item: slice) -> list:
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError("PreparedRows is sliced by a paginator, by a plain slice")
        start = item.start or 0
        stop = self._count if item.stop is None else min(item.stop, self._count)
        if stop <= start:
            return []
        return self.query(fixed={"offset": start, "limit": stop - start}, **self.inputs)
