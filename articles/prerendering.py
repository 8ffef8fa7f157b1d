"""The bodies of a bulk load, rendered ahead of its saves by a small process pool.

A bulk load (`loaddata` of a fixture, `import_posts` of documents) knows every
body before it saves the first article. Inside `ahead(sources)` those bodies
are rendered by `rendering.render_body` in a few worker processes while the
load goes on with its saves; each save (`Article.refresh_derived_fields`) then
takes its body's HTML from `rendered()`, waiting for it if the pool has not
got to it yet. A body nobody announced, or one the pool could not render, is
rendered in the saving process as always. The HTML is render_body's either
way: the same function runs, in another process. A body over a limit of
articles/limits.py is never rendered by the pool (the save refuses it first).

The setting NEWSROOM_BULK_RENDER_PROCESSES (its environment variable) sets the
number of workers (default: the machine's cores, at most 4); 0 or 1 turns the
pool off, and loads of fewer than MIN_BODIES bodies never start one (starting
costs more than it saves). The workers are started fresh ("spawn"): they
import this module and the renderer, never Django's settings, models or
database connections.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

from . import limits, rendering
from .text import nfc

MIN_BODIES = 50
# Bodies per task: large enough that a task's pickling is small beside its
# rendering, small enough that the first saves do not wait long.
CHUNK = 25

_local = threading.local()


def processes() -> int:
    """How many worker processes a bulk load renders with (0: none)."""
    from django.conf import settings

    count = getattr(settings, "NEWSROOM_BULK_RENDER_PROCESSES", 0)
    return count if count > 1 else 0


def _render_chunk(sources: list[tuple[str, str]]) -> list[str | None]:
    """In a worker: each body's HTML, None for one over a limit or unrenderable."""
    results: list[str | None] = []
    for body, fmt in sources:
        try:
            refused = limits.body_refusal(body, fmt)
            results.append(None if refused else rendering.render_body(body, fmt))
        except Exception:  # the saving process renders it and reports the error
            results.append(None)
    return results


class _Ahead:
    def __init__(self):
        self.futures: dict[tuple[str, str], tuple[Future, int]] = {}

    def rendered(self, body: str, fmt: str) -> str | None:
        found = self.futures.get((nfc(body or ""), fmt))
        if found is None:
            return None
        future, index = found
        try:
            return future.result()[index]
        except Exception:  # a broken pool: render in this process instead
            return None


@contextmanager
def ahead(sources: Iterable[tuple[str, str]]) -> Iterator[None]:
    """Render these (body, format) pairs in worker processes during the block."""
    if getattr(_local, "ahead", None) is not None:  # an outer load renders them
        yield
        return
    count = processes()
    unique = list(dict.fromkeys((nfc(body or ""), fmt) for body, fmt in sources))
    if count < 2 or len(unique) < MIN_BODIES:
        yield
        return
    state = _Ahead()
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"))
    try:
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            future = pool.submit(_render_chunk, chunk)
            for index, key in enumerate(chunk):
                state.futures[key] = (future, index)
        _local.ahead = state
        yield
    finally:
        _local.ahead = None
        pool.shutdown(wait=True, cancel_futures=True)


def rendered(body: str, fmt: str) -> str | None:
    """The HTML the pool rendered for this body, or None (render it here)."""
    state = getattr(_local, "ahead", None)
    return None if state is None else state.rendered(body, fmt)
