"""The bodies of a bulk load, rendered ahead of its saves by a small process pool.

A bulk load (`loaddata` of a fixture, `import_posts` of documents) knows every
body before it saves the first article. Inside `ahead(sources)` those bodies
are rendered by `rendering.render_body` in a few worker processes while the
load goes on with its saves; each save (`Article.refresh_derived_fields`) then
takes its body's HTML from `rendered()`, waiting for it if the pool has not
got to it yet. A body nobody announced, or one the pool could not render, is
rendered in the saving process as always. The HTML is render_body's either
way: the same function runs, in another process. A body over a limit of
articles/limits.py is never rendered by the pool (the save refuses it first);
one the pool rendered passed the same check there, so the save does not scan
it again (`within_limits`). The pool also works out the compact text the
search index holds of the HTML it rendered, and its terms (`body_analysis`),
which the load's indexing, at its end, takes instead of working them out.

The setting NEWSROOM_BULK_RENDER_PROCESSES (its environment variable) sets the
number of workers (default: the machine's cores, at most 4); 0 or 1 turns the
pool off, and loads of fewer than MIN_BODIES bodies never start one (starting
costs more than it saves). The workers are started fresh ("spawn"): they
import this module, the renderer and search's analysis, never Django's
settings, models or database connections.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

from search import analysis

from . import limits, rendering
from .text import nfc

MIN_BODIES = 50
# Bodies per task: large enough that a task's pickling is small beside its
# rendering, small enough that the first saves do not wait long.
CHUNK = 25

_local = threading.local()

# A body's HTML, the compact text search indexes of it, and that text's grams.
type Rendered = tuple[str, str, str]


def processes() -> int:
    """How many worker processes a bulk load renders with (0: none)."""
    from django.conf import settings

    count = getattr(settings, "NEWSROOM_BULK_RENDER_PROCESSES", 0)
    return count if count > 1 else 0


def _render_chunk(sources: list[tuple[str, str]]) -> list[Rendered | None]:
    """In a worker: each body's HTML and what search indexes of it; None for a
    body over a limit or unrenderable."""
    results: list[Rendered | None] = []
    for body, fmt in sources:
        try:
            if limits.body_refusal(body, fmt):
                results.append(None)
                continue
            html = rendering.render_body(body, fmt)
            compact = analysis.body_compact(html)
            results.append((html, compact, " ".join(analysis.grams(compact))))
        except Exception:  # the saving process renders it and reports the error
            results.append(None)
    return results


class _Ahead:
    def __init__(self):
        self.futures: dict[tuple[str, str], tuple[Future, int]] = {}
        self.analysed: dict[str, tuple[str, str]] = {}

    def result(self, body: str, fmt: str, *, as_typed=False) -> Rendered | None:
        """What the pool made of this body; `as_typed`: only when the pool had
        this very string (its keys are composed: no NFC needed)."""
        found = self.futures.get((body or "", fmt))
        if found is None and not as_typed:
            found = self.futures.get((nfc(body or ""), fmt))
        if found is None:
            return None
        future, index = found
        try:
            result = future.result()[index]
        except Exception:  # a broken pool: render in this process instead
            return None
        if result is not None:
            self.analysed[result[0]] = result[1:]
        return result


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
    result = None if state is None else state.result(body, fmt)
    return None if result is None else result[0]


def within_limits(body: str, fmt: str) -> bool:
    """True when the pool rendered this very body: it passed the limits there
    (limits.body_refusal, before rendering), so the save need not scan it again.
    A body that NFC would change was checked in its composed form: False."""
    state = getattr(_local, "ahead", None)
    return state is not None and state.result(body, fmt, as_typed=True) is not None


def body_analysis(html: str) -> tuple[str, str] | None:
    """When the pool rendered this HTML: search.analysis.body_compact of it and
    that text's search.analysis.grams, space separated (a string, not a set:
    a load keeps them all until it indexes)."""
    state = getattr(_local, "ahead", None)
    return None if state is None else state.analysed.get(html)
