"""ORM queries compiled once per process and database, run with new inputs.

Building and compiling the related-articles queryset cost about 3.5 ms of an
article request, its SQL 0.6 ms: the query's shape never changes, only its
inputs (the clock, the article's id). A PreparedQuery builds the queryset from
a function of those inputs, compiles it to SQL once, and afterwards runs that
SQL with the new inputs in the parameters' places.

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
from datetime import UTC, datetime

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


class PreparedQuery:
    """`build(now=..., pk=..., slug=...)` returns a queryset of model
    instances; it may ignore any of the inputs."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: dict[tuple, tuple | None] = {}

    def _adapted(self, connection, name: str, value):
        if name == "now":
            return connection.ops.adapt_datetimefield_value(value)
        return value

    def _compile(self, using: str) -> tuple | None:
        connection = connections[using]
        compiled = []
        for inputs in _SENTINELS:
            queryset = self.build(**inputs).using(using)
            sql, params = queryset.query.get_compiler(using).as_sql()
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
        model = self.build(**_SENTINELS[0]).model
        return model, sql_a, slots

    def __call__(self, *, using: str = "default", **inputs) -> list:
        connection = connections[using]
        key = (using, connection.vendor)
        if key not in self._compiled:
            self._compiled[key] = self._compile(using)
        compiled = self._compiled[key]
        if compiled is None:
            return list(self.build(**inputs).using(using))
        model, sql, slots = compiled
        params = [
            value if name is None else self._adapted(connection, name, inputs.get(name))
            for name, value in slots
        ]
        return list(model._default_manager.db_manager(using).raw(sql, params))
