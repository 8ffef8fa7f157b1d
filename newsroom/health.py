"""`/healthz`: may a load balancer send readers to this app server?

A small view rather than django-health-check: that package's 4.9+ needs Python
3.14 (we run 3.13, so it would be pinned below 4.9 from the start), its
database check writes rows to a table of its own, and the two checks we need
are a few lines each. The task queue's check reads the queue's table (so the
queue is reachable) and fails when the oldest task ready to run has waited
longer than NEWSROOM_TASK_QUEUE_MAX_AGE seconds (default 600): no worker is
taking tasks, or they fall far behind, and pages are left with placeholders.

Each check runs even when another fails, so one answer names everything that is
wrong. 200 when all pass, 503 otherwise, as JSON; never cached (a cached "ok"
would hide an outage) and open to anyone, so it says which part failed and the
error's class, never the message (which can carry host names or credentials);
the full error goes to the log.
"""

import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.tasks import task_backends
from django.utils import timezone
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


class TaskQueueStalled(RuntimeError):
    pass


def check_task_queue() -> None:
    """The queue answers, and its oldest ready task is not older than allowed."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task_backends["default"]
    if not isinstance(backend, DatabaseBackend):
        return  # tasks run where they are queued: there is no queue to watch
    oldest = (
        DBTaskResult.objects.ready()
        .filter(backend_name=backend.alias)
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    allowed = timedelta(seconds=settings.NEWSROOM_TASK_QUEUE_MAX_AGE)
    if oldest is not None and timezone.now() - oldest > allowed:
        raise TaskQueueStalled("the oldest ready task has waited too long")


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "task_queue": check_task_queue,
}


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
