"""In-process time and query count of each public page, without a server.

Runs every public page through Django's test Client (the whole middleware
stack, DEBUG off) many times and prints the median time per request and the
number of SQL queries of one warm request. It measures what a page does per
request in Python and in the database, without gunicorn or the network; make
bench measures the served site.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 DJANGO_DEBUG=0 \\
    DJANGO_SECRET_KEY=... DJANGO_ALLOWED_HOSTS=testserver \\
    python benchmarks/page_timings.py [--requests 200] [--profile article]

Seed the database first (manage.py seed_demo --articles 5000). --profile runs
one page under cProfile and prints the functions that cost most.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from articles.models import Article, Author, Category  # noqa: E402


def page_urls() -> dict[str, str]:
    live = Article.objects.live()
    article = live.newest_first()[len(live) // 2]
    category = Category.objects.with_live_articles().order_by("pk").first()
    author = Author.objects.with_live_articles().order_by("pk").first()
    year = article.publish_at.year
    return {
        "front": "/",
        "article": article.get_absolute_url(),
        "category": category.get_absolute_url(),
        "category p2": category.get_absolute_url() + "?page=2",
        "author": author.get_absolute_url(),
        "archive year": f"/archive/{year}/",
        "archive month": f"/archive/{year}/{article.publish_at.month:02d}/",
        "search": "/search/?q=서울",
        "rss": "/feeds/rss/",
        "category rss": category.get_absolute_url() + "feed/rss/",
        "sitemap index": "/sitemap.xml",
        "sitemap articles": "/sitemap-articles.xml",
        "robots": "/robots.txt",
    }


def measure(client: Client, url: str, requests: int) -> tuple[float, int, int]:
    response = client.get(url, secure=True)  # warm caches and connections
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url, secure=True)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url, secure=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, len(queries), response.status_code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--profile", help="a page name to run under cProfile")
    parser.add_argument("--pages", help="comma-separated page names (default all)")
    args = parser.parse_args()
    client = Client()
    urls = page_urls()
    if args.profile:
        url = urls[args.profile]
        client.get(url, secure=True)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            client.get(url, secure=True)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        return
    sys.stdout.write(
        f"{Article.objects.live().count()} live articles, {connection.vendor}" + "\n"
    )
    sys.stdout.write(
        f"{'page':<18} {'median ms':>10} {'queries':>8} {'status':>7}" + "\n"
    )
    wanted = args.pages.split(",") if args.pages else list(urls)
    for name, url in urls.items():
        if name not in wanted:
            continue
        median, queries, status = measure(client, url, args.requests)
        sys.stdout.write(f"{name:<18} {median:>10.2f} {queries:>8} {status:>7}" + "\n")


if __name__ == "__main__":
    main()
