"""In-process cost of a page through the WSGI application, beside the floor's.

Calls the site's WSGI application (the whole middleware stack, as gunicorn
calls it, without a socket or Django's test Client, whose template signals add
cost of their own) in a loop and prints the CPU time per request, then does the
same in a child process for the floor (benchmarks/floor/, the bare Django view
returning 20 KB) so each page reads as a ratio of the floor measured in the
same run. --profile runs one page under cProfile. On PostgreSQL on this
machine it also prints the server's CPU per request: the connection's backend
process, read from /proc (the planner and executor, which the client's CPU
time does not see).

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 DJANGO_DEBUG=0 NEWSROOM_PAGE_CACHE=0 \\
    DJANGO_SECRET_KEY=... DJANGO_ALLOWED_HOSTS=testserver \\
    NEWSROOM_STATIC_ROOT=... python benchmarks/wsgi_loop.py [--requests 300] \\
        [--pages front,article] [--profile article]

Seed the database first (manage.py seed_demo) and collect static files into
NEWSROOM_STATIC_ROOT (production settings read the manifest).
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent


def environ(url: str) -> dict:
    parts = urlsplit(url)
    return {
        "REQUEST_METHOD": "GET",
        # WSGI carries the path as UTF-8 bytes read as latin-1.
        "PATH_INFO": unquote(parts.path).encode().decode("latin-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "443",
        "HTTP_HOST": "testserver",
        "HTTP_ACCEPT": "text/html",
        "HTTP_ACCEPT_ENCODING": "gzip",
        "HTTP_USER_AGENT": "wsgi_loop",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def call(application, url: str) -> tuple[str, int]:
    status = []
    body = application(environ(url), lambda s, h, *a: status.append(s))
    size = sum(len(chunk) for chunk in body)
    if hasattr(body, "close"):
        body.close()
    return status[0], size


def cpu_ms(application, url: str, requests: int) -> float:
    """Median process CPU time of one request, in milliseconds."""
    times = []
    for _ in range(requests):
        started = time.process_time()
        call(application, url)
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000


def server_cpu_seconds() -> float | None:
    """CPU time so far of this process's PostgreSQL backend, when the server
    runs on this machine; None on SQLite or a remote server."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_ms(application, url: str, requests: int) -> float | None:
    """The backend's mean CPU time per request, in milliseconds (the clock
    ticks 100 times a second, so only a mean over many requests says much)."""
    before = server_cpu_seconds()
    if before is None:
        return None
    for _ in range(requests):
        call(application, url)
    return (server_cpu_seconds() - before) * 1000 / requests


def floor_ms(requests: int) -> float:
    """The floor's median CPU time per request, from a child process."""
    floor_dir, root = str(ROOT / "benchmarks" / "floor"), str(ROOT)
    code = (
        f"import sys; sys.path.insert(0, {floor_dir!r}); import os;"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'floor.settings';"
        f"sys.path.insert(0, {root!r});"
        "from benchmarks.wsgi_loop import cpu_ms, call;"
        "from django.core.wsgi import get_wsgi_application;"
        "app = get_wsgi_application(); call(app, '/');"
        f"print(cpu_ms(app, '/', {requests}))"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "NEWSROOM_", "DATABASE_URL"))
    }
    env["DJANGO_ALLOWED_HOSTS"] = "testserver"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise RuntimeError(result.stderr)
    return float(result.stdout.strip().splitlines()[-1])


def page_urls() -> dict[str, str]:
    from articles.models import Article, Category

    live = Article.objects.live().newest_first()
    article = live[live.count() // 2]
    category = Category.objects.with_live_articles().order_by("pk").first()
    return {
        "front": "/",
        "article": article.get_absolute_url(),
        "category": category.get_absolute_url(),
        "category p2": category.get_absolute_url() + "?page=2",
        "rss": "/feeds/rss/",
        "search": "/search/?q=%EC%84%9C%EC%9A%B8%EC%8B%9C",
        "search 2 words": "/search/?q=%ED%83%9C%ED%92%8D+%ED%94%BC%ED%95%B4",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--pages", help="comma-separated page names (default all)")
    parser.add_argument("--profile", help="a page name to run under cProfile")
    parser.add_argument("--sort", default="tottime")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    urls = page_urls()
    if args.profile:
        url = urls[args.profile]
        call(application, url)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            call(application, url)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(40)
        return
    floor = floor_ms(args.requests * 5)
    sys.stdout.write(
        f"{'page':<14} {'cpu ms':>8} {'floor/page':>10} {'bytes':>7} {'server ms':>9}\n"
    )
    sys.stdout.write(f"{'floor':<14} {floor:>8.3f} {1:>10.4f}\n")
    wanted = args.pages.split(",") if args.pages else list(urls)
    for name in wanted:
        status, size = call(application, urls[name])
        if not status.startswith("200"):
            raise RuntimeError(f"{name}: {status}")
        cost = cpu_ms(application, urls[name], args.requests)
        server = server_ms(application, urls[name], args.requests)
        server_text = "" if server is None else f"{server:>9.3f}"
        sys.stdout.write(
            f"{name:<14} {cost:>8.3f} {floor / cost:>10.4f} {size:>7} {server_text}\n"
        )


if __name__ == "__main__":
    main()
