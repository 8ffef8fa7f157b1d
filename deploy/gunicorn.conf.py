"""gunicorn settings for every way the site runs as in production.

`deploy/serve` (make serve) and `benchmarks/bench.py` (the site and the
bare-Django floor alike) start gunicorn with this file, so what is measured is
what is served. Values come from the environment:

- WEB_CONCURRENCY: sync workers; default 2 x cores + 1, gunicorn's own advice
  for sync workers (a worker waits on the database, another uses the core);
- NEWSROOM_BIND: address and port (default 127.0.0.1:8000);
- NEWSROOM_ACCESS_LOG: 1 (default) logs each request to stdout; the benchmark
  turns it off for every site it measures.
"""

import os

bind = os.environ.get("NEWSROOM_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
worker_class = "sync"
timeout = 30
graceful_timeout = 10
accesslog = "-" if os.environ.get("NEWSROOM_ACCESS_LOG", "1") == "1" else None
errorlog = "-"
# Behind Varnish or a proxy the client address is the proxy's; the app reads
# X-Forwarded-Proto only when NEWSROOM_BEHIND_PROXY says so.
forwarded_allow_ips = os.environ.get("NEWSROOM_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def post_worker_init(worker):
    """Load the URLconf (and with it the views), then move every object loaded
    so far into the garbage collector's permanent generation (gc.freeze).

    A full collection otherwise walks the whole loaded framework, some hundred
    thousand objects, from inside whichever request happens to trigger it:
    the slowest requests (p99) were those pauses, not the pages' own work.
    Only what the worker made before serving is frozen; what requests make is
    collected as before.
    """
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view module)
    gc.freeze()
