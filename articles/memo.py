"""Markup kept per process under a key made of everything it shows.

The shell, the frames, the listings' metadata and page links are pure
functions of a few values (a category's name, a page number, the settings):
each is rendered once per key and then read from memory. A key that changes
with what it shows makes a kept copy never stale. Settings changes (tests)
forget everything; a clear beyond LIMIT keys bounds the memory.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.signals import setting_changed

LIMIT = 4096
_kept: dict[tuple, object] = {}


def kept(key: tuple, render: Callable[[], object]):
    value = _kept.get(key)
    if value is None:
        if len(_kept) >= LIMIT:
            _kept.clear()
        value = _kept[key] = render()
    return value


def forget(**kwargs) -> None:
    _kept.clear()


setting_changed.connect(forget, dispatch_uid="memo")
