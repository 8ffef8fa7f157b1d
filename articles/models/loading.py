"""Natural keys looked up once per bulk load (articles' `loaddata` command).

A fixture names rows by natural key, not by id (STYLE.md §3): each category row
of an article names the article by its document key and the category by its
name. Django's deserializer looks both up for every row, and fetches them again
to compute the row's own natural key: five queries per row, for rows whose
article was inserted a moment before by the same load. Inside `remembered()`,
the rows saved or looked up in this load are remembered by natural key and by
id, and a category row of an article this load inserted is known to be new.
Each new article's own row was looked up too, to find none: after
STORED_KEYS_AFTER such misses the load reads every stored document key once
(one query, about 30 bytes a row) and answers the rest from that. A row
another session inserts with the same key meanwhile then fails this load's
insert on the unique key, instead of being overwritten by it.
Outside it (the admin, the workflow, tests) nothing is remembered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

_local = threading.local()
STORED_KEYS_AFTER = 20


class Memo:
    def __init__(self):
        self.by_key: dict[tuple, object] = {}
        self.by_pk: dict[tuple, object] = {}
        self.inserted: set[tuple] = set()
        self.misses: dict[tuple, int] = {}
        self.stored: dict[tuple, set] = {}

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

    def absent(
        self, model, using: str, key, stored_keys: Callable[[], Iterable]
    ) -> bool:
        """True when no stored row of `model` has natural key `key` (one the
        load has not remembered); False when one may. `stored_keys()` gives
        every stored key; it is asked once, after STORED_KEYS_AFTER misses."""
        label = (model._meta.label_lower, using)
        keys = self.stored.get(label)
        if keys is None:
            self.misses[label] = self.misses.get(label, 0) + 1
            if self.misses[label] <= STORED_KEYS_AFTER:
                return False
            keys = self.stored[label] = set(stored_keys())
        return key not in keys


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
