"""A bulk run's routine rows, written together instead of one insert each.

Inside `with workflow.gathered() as gathering:` a save's category rows, byline,
audit entries and revision are kept, in order, and written with one insert per
table when the caller says `gathering.flush()` (an import: every
`GATHER_EVERY` documents) and when the block ends. Each save is still one
action that checks, then runs; only the moment its rows reach the database
moves, and they reach it before the block ends, so in the same transaction.

What the block asks of its caller:

- nothing read inside it may need the gathered rows: the block defers the
  search index and the stored fragments to its end, after the last flush (or
  to an enclosing block: an import hands the fragments to the task worker),
  and each article is saved once inside it;
- the run is all or nothing: a save inside the block takes no savepoint of its
  own, so any error inside must roll the whole transaction back (Django refuses
  every further query until it does).

A flush that the database refuses is undone (its own savepoint) and tried again
one article at a time; the first article whose rows fail is named in
`GatheredWriteFailed`, so the caller can say which document it was.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import DatabaseError, models, transaction

from search import indexing

from .. import fragments
from ..models import Article

GATHER_EVERY = 500


class GatheredWriteFailed(Exception):
    """The database refused the gathered rows of `article`."""

    def __init__(self, article: Article, error: DatabaseError):
        super().__init__(f"{article.document_key or article.pk}: {error}")
        self.article = article
        self.error = error


class Gathering:
    def __init__(self):
        # Per article, in the order they were saved: its rows, in the order
        # the save made them.
        self._rows: dict[int, tuple[Article, list[models.Model]]] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, article: Article, rows: Iterable[models.Model]) -> None:
        self._rows.setdefault(article.pk, (article, []))[1].extend(rows)

    def flush(self) -> None:
        """Write every gathered row: one insert per table, or, if the database
        refuses that, one article at a time to find the one it refuses."""
        pending, self._rows = list(self._rows.values()), {}
        if not pending:
            return
        try:
            with transaction.atomic():
                _insert(row for _article, rows in pending for row in rows)
        except DatabaseError:
            for article, rows in pending:
                try:
                    with transaction.atomic():
                        _insert(rows)
                except DatabaseError as error:
                    raise GatheredWriteFailed(article, error) from error
            # Each article's rows went in alone: nothing is missing.


def _insert(rows: Iterable[models.Model]) -> None:
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    for model, group in by_model.items():
        model.objects.bulk_create(group)


_current: contextvars.ContextVar[Gathering | None] = contextvars.ContextVar(
    "workflow_gathering", default=None
)


def current_gathering() -> Gathering | None:
    return _current.get()


@contextmanager
def gathered() -> Iterator[Gathering]:
    """Gather the saves' rows inside; write what is left when the block ends
    (nothing if it raises: its transaction is rolling back). Re-entrant: an
    inner block is the outer one."""
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    current = Gathering()
    with indexing.deferred(), fragments.deferred():
        token = _current.set(current)
        try:
            yield current
        finally:
            _current.reset(token)
        current.flush()


def write(article: Article, rows: list[models.Model]) -> None:
    """Insert `rows` (of one article) now, one insert per table, or gather them
    for the enclosing `gathered()` block."""
    if not rows:
        return
    if (current := _current.get()) is not None:
        current.add(article, rows)
    else:
        _insert(rows)
