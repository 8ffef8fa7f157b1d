"""Derived work on articles, gathered inside a block and done once at its end.

The search index and the stored fragments each rebuild what an article's save,
category rows and bylines touch. Inside a workflow action or a bulk load one
article is touched several times; a Deferral notes the ids per database and
hands them over once, sorted, when the outermost block ends. The outermost
block may hand them to another function than the usual one (a bulk load hands
the stored fragments to the task worker, articles/fragments.py).
"""

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager


class Deferral:
    def __init__(self, flush: Callable[[list[int], str], None]):
        self._flush = flush
        self._local = threading.local()

    @contextmanager
    def __call__(
        self, flush: Callable[[list[int], str], None] | None = None
    ) -> Iterator[None]:
        """Re-entrant: an inner block adds to the outermost one, whose `flush`
        (default: the Deferral's own) gets the ids. If the block raises, nothing
        is done: its transaction is rolling back."""
        if getattr(self._local, "pending", None) is not None:
            yield
            return
        self._local.pending = pending = {}
        try:
            yield
        finally:
            self._local.pending = None
        for using, pks in pending.items():
            (flush or self._flush)(sorted(pks), using)

    def add(self, pks: Iterable[int], using: str) -> bool:
        """Note these ids for the enclosing block; False when there is none."""
        pending = getattr(self._local, "pending", None)
        if pending is None:
            return False
        pending.setdefault(using, set()).update(pks)
        return True
