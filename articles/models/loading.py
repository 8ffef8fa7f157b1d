"""Natural keys looked up once per bulk load (articles' `loaddata` command).

A fixture names rows by natural key, not by id (STYLE.md §3): each category row
of an article names the article by its document key and the category by its
name. Django's deserializer looks both up for every row, and fetches them again
to compute the row's own natural key: five queries per row, for rows whose
article was inserted a moment before by the same load. Inside `remembered()`,
the rows saved or looked up in this load are remembered by natural key and by
id, and a category row of an article this load inserted is known to be new.
Outside it (the admin, the workflow, tests) nothing is remembered.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_local = threading.local()


class Memo:
    def __init__(self):
        self.by_key: dict[tuple, object] = {}
        self.by_pk: dict[tuple, object] = {}
        self.inserted: set[tuple] = set()

    def remember(self, instance, using: str, key, *, inserted: bool = False) -> None:
        model = type(instance)._meta.label_lower
        self.by_key[(model, using, key)] = instance
        self.by_pk[(model, using, instance.pk)] = instance
        if inserted:
            self.inserted.add((model, using, instance.pk))

    def get(self, model, using: str, key):
        return self.by_key.get((model._meta.label_lower, using, key))

    def get_pk(self, model, using: str, pk):
        return self.by_pk.get((model._meta.label_lower, using, pk))

    def was_inserted(self, model, using: str, pk) -> bool:
        return (model._meta.label_lower, using, pk) in self.inserted


def memo() -> Memo | None:
    """The memo of the bulk load running in this thread, or None."""
    return getattr(_local, "memo", None)


@contextmanager
def remembered() -> Iterator[Memo]:
    """Remember natural keys until the block ends (re-entrant)."""
    if memo() is not None:
        yield memo()
        return
    _local.memo = current = Memo()
    try:
        yield current
    finally:
        _local.memo = None
