"""`/healthz`: may a load balancer send readers to this app server?

A small view rather than django-health-check: that package's 4.9+ needs Python
3.14 (we run 3.13, so it would be pinned below 4.9 from the start), its
database check writes rows to a table of its own, and the two checks we need
are a few lines each. The task queue's check joins them when the queue exists.

Each check runs even when another fails, so one answer names everything that is
wrong. 200 when all pass, 503 otherwise, as JSON; never cached (a cached "ok"
would hide an outage) and open to anyone, so it says which part failed and the
error's class, never the message (which can carry host names or credentials);
the full error goes to the log.
"""

import logging
import time
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 did not answer 1")


def check_cache() -> None:
    """A write and a read: a cache that accepts writes but loses them is down."""
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        if cache.get(key) != "ok":
            raise RuntimeError("the cache lost a value it had just stored")
    finally:
        cache.delete(key)


CHECKS = {"database": check_database, "cache": check_cache}


@never_cache
@require_safe
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:
            logger.exception("Health check %s failed", name)
            results[name] = {"ok": False, "error": type(error).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    healthy = all(result["ok"] for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": results},
        status=200 if healthy else 503,
        json_dumps_params={"ensure_ascii": False},
    )
