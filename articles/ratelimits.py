"""Per-person limits on costly requests: image uploads per hour.

Decoding and storing an upload costs far more than any other admin request,
so each account may send NEWSROOM_UPLOADS_PER_HOUR images (default 30) in any
sliding hour. The count lives in the cache (Redis in production, shared by
every worker; a per-process memory cache on a laptop), in five-minute slices,
so the hour slides instead of resetting on the clock, and every increment is
atomic. A refused upload is counted too: it was decoded for nothing.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache

WINDOW = 3600
SLICE = 300
_PREFIX = "newsroom:uploads"


def uploads_per_hour() -> int:
    return int(getattr(settings, "NEWSROOM_UPLOADS_PER_HOUR", 30))


def _keys(user, now: float) -> list[str]:
    # The account's creation time beside its id: an id used again (a restored
    # database, a test run) never inherits another account's count.
    joined = getattr(user, "date_joined", None)
    who = f"{user.pk}.{int(joined.timestamp() * 1e6) if joined else 0}"
    current = int(now // SLICE)
    return [
        f"{_PREFIX}:{who}:{s}"
        for s in range(current - WINDOW // SLICE + 1, current + 1)
    ]


def take_upload(user, *, now: float | None = None) -> int | None:
    """Count one upload by `user`; or, past the limit, count nothing and return
    the minutes until the oldest upload of the hour leaves the window."""
    now = time.time() if now is None else now
    keys = _keys(user, now)
    counts = cache.get_many(keys)
    if sum(counts.values()) >= uploads_per_hour():
        oldest = min(int(key.rsplit(":", 1)[1]) for key in counts if counts[key])
        seconds = (oldest + 1) * SLICE + WINDOW - now - SLICE
        return max(1, math.ceil(seconds / 60))
    cache.add(keys[-1], 0, timeout=WINDOW + SLICE)
    try:
        cache.incr(keys[-1])
    except ValueError:  # evicted between add and incr
        cache.set(keys[-1], 1, timeout=WINDOW + SLICE)
    return None


def reset_uploads(user, *, now: float | None = None) -> None:
    """Forget `user`'s uploads of the last hour (lifting the limit for them)."""
    cache.delete_many(_keys(user, time.time() if now is None else now))
