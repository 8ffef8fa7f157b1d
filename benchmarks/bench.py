"""`make bench`: the site's pages under load, as ratios of a bare Django view.

Not a test: a tool that measures. For each database (SQLite, then PostgreSQL
when a server answers) it makes scratch databases of its own (a SQLite file in
a temp dir; a PostgreSQL database with `bench` in its name, created and dropped
here), seeds N generated articles (`manage.py seed_demo`), starts the site as
`make serve` does (deploy/serve: production settings, gunicorn, 2 sync workers)
and, in the same rounds and with the same gunicorn settings, the floor (the
minimal project in benchmarks/floor/, one view returning a constant 20 KB page)
and the ceiling (Varnish, with the project's VCL, serving a 20 KB static file).
wrk then measures, per round and target: a 5 s warm-up, 15 s measured, 8
connections. Targets: the front page, every article round-robin, category pages
(pages 1-3 of five categories), search results, the RSS feed, the floor and the
ceiling. Rounds are interleaved (every target once per round) and every figure
is also given as a ratio of the floor's req/s in the same round; the summary
shows the median over rounds and the spread (min-max).

    make bench                  # 5,000 articles, 3 rounds (tens of minutes)
    make bench QUICK=1          # 1,000 articles, one short round
    BENCH_DATABASES=sqlite make bench

Environment: QUICK, BENCH_ARTICLES, BENCH_ROUNDS, BENCH_DURATION, BENCH_WARMUP,
BENCH_CONNECTIONS, BENCH_MODES (some of uncached,cached-redis,cached-locmem,
varnish), BENCH_REDIS_URL, BENCH_DATABASES (sqlite,postgresql), BENCH_PG_URL
(the server, default postgres://postgres@127.0.0.1:5432/postgres),
BENCH_DB_NAME (default newsroom_bench_<random>, so two runs at once never drop
each other's; must contain "bench"), BENCH_REPORT
(report file; default benchmarks/reports/bench-<UTC time>.md). The report is
written line by line as results arrive, so a long run can go to the background:
`nohup make bench > /dev/null 2>&1 &` and `tail -f` the report.

Modes (MODES below), each its own gunicorn with the same settings, measured in
every round: "uncached" (NEWSROOM_PAGE_CACHE=0: every request renders),
"cached-redis" (the page cache in Redis, as in production; BENCH_REDIS_URL,
default redis://127.0.0.1:6379/0, with a key prefix of its own per run),
"cached-locmem" (the page cache in each worker's memory, for comparison) and
"varnish" (Varnish in front of the Redis-cached site). Every figure is printed
as a ratio of the floor and of the ceiling (Varnish serving a 20 KB static
file). Cached modes are primed before the rounds (every path requested, twice
for local memory so each of the two workers holds it) and keep pages for an
hour (NEWSROOM_PAGE_CACHE_SECONDS=3600) so the whole run measures hits; in
production the 600 s default only sets how often a page is rendered again.
"""

from __future__ import annotations

import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
VARNISHCTL = ROOT / "deploy" / "varnish" / "varnishctl"
SERVE = ROOT / "deploy" / "serve"
WRK_SCRIPT = ROOT / "benchmarks" / "wrk" / "paths.lua"
FLOOR_DIR = ROOT / "benchmarks" / "floor"
WORKERS = "2"  # gunicorn sync workers, the same for every Django site measured
SEARCH_QUERIES = ["서울시", "예산안", "태풍 피해", "반도체 수출", "청년"]


@dataclass
class Mode:
    name: str
    env: dict = field(default_factory=dict)
    via_varnish: bool = False
    primes: int = 0  # at most this many passes over every path before the rounds


REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# Each run's cache keys apart from anyone else's in that Redis database.
RUN_ID = secrets.token_hex(4)
REDIS_PREFIX = f"newsroom-bench-{RUN_ID}"
REDIS = {"REDIS_URL": REDIS_URL, "NEWSROOM_CACHE_PREFIX": REDIS_PREFIX}

# The ways the site is measured (BENCH_MODES picks some by name).
CACHED = {"NEWSROOM_PAGE_CACHE": "1", "NEWSROOM_PAGE_CACHE_SECONDS": "3600"}
MODES = [
    Mode("uncached", {"NEWSROOM_PAGE_CACHE": "0"}),
    Mode("cached-redis", {**CACHED, **REDIS}, primes=3),
    # Each worker's own memory (no shared cache dir): stale across workers after
    # an edit, so never what make serve runs; a comparison only.
    Mode("cached-locmem", {**CACHED, "NEWSROOM_CACHE_DIR": ""}, primes=12),
    Mode("varnish", {**CACHED, **REDIS}, via_varnish=True, primes=3),
]
if chosen := os.environ.get("BENCH_MODES"):
    MODES = [mode for mode in MODES if mode.name in chosen.split(",")]


def flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


QUICK = flag("QUICK")
ARTICLES = int(os.environ.get("BENCH_ARTICLES") or (1000 if QUICK else 5000))
ROUNDS = int(os.environ.get("BENCH_ROUNDS") or (1 if QUICK else 3))
DURATION = int(os.environ.get("BENCH_DURATION") or (5 if QUICK else 15))
WARMUP = int(os.environ.get("BENCH_WARMUP") or (2 if QUICK else 5))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS") or 8)
DATABASES = [
    name.strip()
    for name in (os.environ.get("BENCH_DATABASES") or "sqlite,postgresql").split(",")
    if name.strip()
]
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_DB_NAME") or f"newsroom_bench_{RUN_ID}"


class Report:
    """Everything printed goes to the terminal and, at once, to the report file."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.file = path.open("w", encoding="utf-8")

    def line(self, text: str = "") -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        self.file.write(text + "\n")
        self.file.flush()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen | None, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited ({process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer 200 in {seconds:.0f} s")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def ensure_tools() -> None:
    """Install Debian's wrk, varnish and varnish-modules when missing."""
    subprocess.run([PYTHON, str(VARNISHCTL), "install"], check=True)
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0:
        raise SystemExit("wrk is missing: sudo apt-get install -y wrk")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{platform.node()}: {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}, load average {load}"
    )


# -- databases ---------------------------------------------------------------


def postgres_available() -> bool:
    url = urlparse(PG_URL)
    try:
        with socket.create_connection((url.hostname, url.port or 5432), 2):
            return True
    except OSError:
        return False


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as connection:
        connection.execute(sql)


class ScratchDatabase:
    """A database of the benchmark's own: created here, dropped here."""

    def __init__(self, vendor: str, workdir: Path):
        self.vendor = vendor
        if "bench" not in DB_NAME or not re.fullmatch(r"[a-z0-9_]+", DB_NAME):
            raise SystemExit("BENCH_DB_NAME must contain 'bench' (a-z, 0-9, _ only)")
        if vendor == "sqlite":
            self.url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        else:
            self.url = urlunparse(urlparse(PG_URL)._replace(path=f"/{DB_NAME}"))

    def __enter__(self):
        if self.vendor == "postgresql":
            pg_admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            pg_admin(f'CREATE DATABASE "{DB_NAME}"')
        return self

    def __exit__(self, *exc):
        if self.vendor == "postgresql":
            pg_admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


# -- the sites ---------------------------------------------------------------


SITE_URL = "http://127.0.0.1:8000"


def site_env(workdir: Path, database_url: str, mode: Mode) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "NEWSROOM_"))
        and key not in {"DATABASE_URL", "REDIS_URL", "PORT", "QUICK"}
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        MEDIA_ROOT=str(workdir / "media"),
        NEWSROOM_STATIC_ROOT=str(workdir / "static"),
        NEWSROOM_RUN_DIR=str(workdir / f"run-{mode.name}"),
        NEWSROOM_ACCESS_LOG="0",
        # One public address for every mode's site, as one real site has: the
        # stored fragments carry it (articles/fragments.py), and a site on its
        # own port's address would find every row stale and render per request.
        NEWSROOM_SITE_URL=SITE_URL,
        WEB_CONCURRENCY=WORKERS,
    )
    env.update(mode.env)
    if "NEWSROOM_CACHE_PREFIX" in env:
        # Each database's sites apart: its pages and tokens are its own.
        vendor = database_url.split(":", 1)[0]
        env["NEWSROOM_CACHE_PREFIX"] = f"{REDIS_PREFIX}-{vendor}"
    return env


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env={**env, "DJANGO_DEBUG": "0", "DJANGO_SECURE_SSL_REDIRECT": "0"},
        check=True,
        text=True,
        capture_output=capture,
    )
    return result.stdout if capture else ""


PATHS_SCRIPT = """
import json, math
from django.conf import settings
from django.utils.encoding import iri_to_uri
from django.db.models import Count
from articles.models import Article, Category
live = Article.objects.live()
articles = [iri_to_uri(a.get_absolute_url()) for a in live.only("slug").order_by("pk")]
per_page = settings.NEWSROOM_ARTICLES_PER_PAGE
top = (Category.objects.filter(categorized_articles__content_object__in=live)
       .annotate(n=Count("categorized_articles")).order_by("-n", "name")[:5])
categories = [f"{iri_to_uri(c.get_absolute_url())}?page={page}" for c in top
              for page in range(1, min(3, math.ceil(c.n / per_page)) + 1)]
print(json.dumps({"articles": articles, "categories": categories}))
"""


def target_paths(env: dict, workdir: Path) -> dict[str, Path]:
    output = manage(env, "shell", "-c", PATHS_SCRIPT, capture=True)
    found = json.loads(
        [line for line in output.splitlines() if line.startswith("{")][-1]
    )
    lists = {
        "front": ["/"],
        "article": found["articles"],
        "category": found["categories"],
        "search": [f"/search/?q={quote(q)}" for q in SEARCH_QUERIES],
        "feed": ["/feeds/rss/"],
    }
    files = {}
    for name, paths in lists.items():
        path = workdir / f"paths-{name}.txt"
        path.write_text("\n".join(paths) + "\n")
        files[name] = path
    return files


def check_paths(port: int, files: dict[str, Path]) -> None:
    """Every measured path answers 200 before anything is timed."""
    for name, path in files.items():
        lines = path.read_text().split()
        for line in lines[:3] + lines[-2:]:
            url = f"http://127.0.0.1:{port}{line}"
            try:
                with urllib.request.urlopen(url, timeout=60) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            if status != 200:
                raise RuntimeError(f"{name}: {url} answered {status}")


def prime(port: int, files: dict[str, Path], most: int) -> tuple[int, int]:
    """Request every path, 8 at a time, pass after pass until a whole pass is
    answered from the cache, so the rounds measure hits; at most `most` passes.

    One pass is not enough for local memory: each of the two workers holds its
    own copy and the kernel picks which worker answers, so a path requested
    twice has a one-in-two chance of having reached one worker only. A hit is
    the page cache's `X-Page-Cache: HIT`, or through Varnish its `X-Cache: HIT`.
    Returns (passes made, paths that missed in the last pass).
    """
    from concurrent.futures import ThreadPoolExecutor

    paths = [p for f in files.values() for p in f.read_text().split()]

    def hit(path) -> bool:
        url = f"http://127.0.0.1:{port}{path}"
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
            said = (response.headers.get(name) for name in ("X-Page-Cache", "X-Cache"))
            return "HIT" in said

    misses = len(paths)
    for number in range(1, most + 1):
        with ThreadPoolExecutor(CONNECTIONS) as pool:
            misses = sum(not answer for answer in pool.map(hit, paths))
        if misses == 0:
            return number, 0
    return most, misses


def start_site(env: dict, port: int) -> subprocess.Popen:
    log = open(Path(env["NEWSROOM_RUN_DIR"]).parent / "site.log", "a")
    process = subprocess.Popen(
        [PYTHON, str(SERVE)],
        cwd=ROOT,
        env={**env, "PORT": str(port)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_for(f"http://127.0.0.1:{port}/healthz", process)
    return process


def start_floor(workdir: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "NEWSROOM_BIND": f"127.0.0.1:{port}",
        "NEWSROOM_ACCESS_LOG": "0",
        "WEB_CONCURRENCY": WORKERS,
        "FLOOR_DATABASE": str(workdir / "floor.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "floor.settings",
    }
    log = open(workdir / "floor.log", "a")
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", str(GUNICORN_CONF),
         "--chdir", str(FLOOR_DIR), "floor.wsgi:application"],
        cwd=FLOOR_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_for(f"http://127.0.0.1:{port}/", process)
    return process


def start_varnish(run_dir: Path, backend_port: int) -> int:
    result = subprocess.run(
        [PYTHON, str(VARNISHCTL), "start", "--backend", f"127.0.0.1:{backend_port}",
         "--run-dir", str(run_dir), "--storage", "256m"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return int(result.stdout.strip())


def stop_varnish(run_dir: Path) -> None:
    subprocess.run(
        [PYTHON, str(VARNISHCTL), "stop", "--run-dir", str(run_dir)],
        stderr=subprocess.DEVNULL,
    )


# -- measuring ---------------------------------------------------------------


def wrk(port: int, paths: Path, seconds: int) -> dict:
    command = [
        "wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
        "--timeout", "10s", "-s", str(WRK_SCRIPT),
        f"http://127.0.0.1:{port}", "--", str(paths),
    ]  # fmt: skip
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60
    )
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError(f"wrk printed no result:\n{result.stdout}\n{result.stderr}")


def measure(port: int, paths: Path) -> dict:
    wrk(port, paths, WARMUP)
    return wrk(port, paths, DURATION)


def errors(result: dict) -> int:
    return result["socket_errors"] + result["status_errors"] + result["not_2xx"]


def row(name: str, result: dict, floor: dict, ceiling: dict | None = None) -> str:
    versus_ceiling = f"{result['rps'] / ceiling['rps']:>9.4f}" if ceiling else " " * 9
    return (
        f"| {name:<26} | {result['rps']:>9.1f} | {result['p50_ms']:>8.2f} | "
        f"{result['p99_ms']:>8.2f} | {errors(result):>6} | "
        f"{result['rps'] / floor['rps']:>7.4f} | {versus_ceiling} |"
    )


HEADER = (
    "| target                     |     req/s |  p50 ms |  p99 ms | errors "
    "| / floor | / ceiling |\n"
    "|----------------------------|-----------|---------|---------|--------"
    "|---------|-----------|"
)


def summarise(report: Report, title: str, rounds: list[dict[str, dict]]) -> None:
    report.line(f"\n### {title}: medians of {len(rounds)} round(s) (spread min-max)\n")
    report.line(
        "| target | req/s | p50 ms | p99 ms | errors | / floor | / ceiling "
        "| p99 / floor p99 |"
    )
    report.line("|---|---|---|---|---|---|---|---|")
    names = list(rounds[0])
    for name in names:
        results = [r[name] for r in rounds]
        ratios = [r[name]["rps"] / r["floor"]["rps"] for r in rounds]
        ceiling_ratios = [r[name]["rps"] / r["ceiling"]["rps"] for r in rounds]
        p99_ratios = [r[name]["p99_ms"] / r["floor"]["p99_ms"] for r in rounds]

        def fmt(values, digits):
            middle = statistics.median(values)
            if len(values) == 1:
                return f"{middle:.{digits}f}"
            low, high = min(values), max(values)
            return f"{middle:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"

        report.line(
            f"| {name} | {fmt([r['rps'] for r in results], 1)} "
            f"| {fmt([r['p50_ms'] for r in results], 2)} "
            f"| {fmt([r['p99_ms'] for r in results], 2)} "
            f"| {sum(errors(r) for r in results)} | {fmt(ratios, 4)} "
            f"| {fmt(ceiling_ratios, 4)} | {fmt(p99_ratios, 2)} |"
        )


def bench_database(report: Report, vendor: str, workdir: Path) -> None:
    report.line(f"\n## {vendor}, {ARTICLES:,} articles\n")
    with ScratchDatabase(vendor, workdir) as database:
        env = site_env(workdir, database.url, MODES[0])
        started = time.monotonic()
        manage(env, "migrate", "--no-input", "--verbosity", "0")
        # Before seeding: the stored fragments name hashed static files.
        manage(env, "collectstatic", "--no-input", "--verbosity", "0")
        manage(env, "seed_demo", "--articles", str(ARTICLES), "--verbosity", "1")
        report.line(f"Seeded in {time.monotonic() - started:.0f} s.")
        files = target_paths(env, workdir)
        report.line(
            f"Targets: {len(files['article'].read_text().split())} article paths, "
            f"{len(files['category'].read_text().split())} category pages, "
            f"{len(SEARCH_QUERIES)} searches."
        )
        floor_port = free_port()
        floor = start_floor(workdir, floor_port)
        ceiling_dir = workdir / "varnish-ceiling"
        processes = []
        try:
            ceiling_port = start_varnish(ceiling_dir, floor_port)
            ceiling_paths = workdir / "paths-ceiling.txt"
            ceiling_paths.write_text("/static/ceiling-20k.html\n")
            floor_paths = workdir / "paths-floor.txt"
            floor_paths.write_text("/\n")
            sites = {}
            for mode in MODES:
                port = free_port()
                process = start_site(site_env(workdir, database.url, mode), port)
                processes.append(process)
                check_paths(port, files)
                if mode.via_varnish:
                    port = start_varnish(workdir / f"varnish-{mode.name}", port)
                if mode.primes:
                    started = time.monotonic()
                    passes, misses = prime(port, files, mode.primes)
                    report.line(
                        f"Primed {mode.name} in {time.monotonic() - started:.0f} s: "
                        f"{passes} pass(es) over every path, the last with "
                        f"{misses} miss(es)."
                    )
                sites[mode.name] = port
                if len(sites) == 1:
                    # The first start collected the static files the fragments
                    # name: store them all now, before anything is timed.
                    manage(site_env(workdir, database.url, mode), "refresh_fragments")
            rounds = []
            for number in range(1, ROUNDS + 1):
                report.line(f"\nRound {number} of {ROUNDS} ({vendor}):\n")
                report.line(HEADER)
                results = {"floor": measure(floor_port, floor_paths)}
                report.line(
                    row("floor (bare Django)", results["floor"], results["floor"])
                )
                results["ceiling"] = measure(ceiling_port, ceiling_paths)
                ceiling = results["ceiling"]
                report.line(
                    row("ceiling (Varnish)", ceiling, results["floor"], ceiling)
                )
                for mode_name, port in sites.items():
                    for name, paths in files.items():
                        key = f"{mode_name} {name}"
                        results[key] = measure(port, paths)
                        report.line(row(key, results[key], results["floor"], ceiling))
                rounds.append(results)
            summarise(report, vendor, rounds)
        finally:
            for mode in MODES:
                if mode.via_varnish:
                    stop_varnish(workdir / f"varnish-{mode.name}")
            for process in processes:
                stop(process)
            stop_varnish(ceiling_dir)
            stop(floor)


def forget_redis_keys() -> int:
    """Delete this run's keys (its own prefix) from the Redis it used."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        keys = list(client.scan_iter(match=f"{REDIS_PREFIX}-*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
    except redis.RedisError:
        return 0
    return len(keys)


def main() -> int:
    ensure_tools()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    default = ROOT / "benchmarks" / "reports" / f"bench-{stamp}.md"
    report = Report(Path(os.environ.get("BENCH_REPORT") or default))
    sys.stdout.write(f"Report: {report.path}\n")
    report.line(f"# make bench{' QUICK=1' if QUICK else ''}, {stamp}\n")
    report.line(f"Machine: {machine()}")
    report.line(
        f"wrk: {CONNECTIONS} connections, 2 threads, {WARMUP} s warm-up then "
        f"{DURATION} s measured, {ROUNDS} round(s); gunicorn {WORKERS} sync workers "
        "for the site and the floor; site as deploy/serve runs it (DEBUG off)."
    )
    vendors = []
    for vendor in DATABASES:
        if vendor == "postgresql" and not postgres_available():
            report.line(f"\nPostgreSQL at {PG_URL} is not reachable: skipped.")
            continue
        vendors.append(vendor)
    try:
        for vendor in vendors:
            workdir = Path(tempfile.mkdtemp(prefix=f"newsroom-bench-{vendor}-"))
            try:
                bench_database(report, vendor, workdir)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
    finally:
        if any(mode.env.get("REDIS_URL") for mode in MODES):
            deleted = forget_redis_keys()
            report.line(f"\nDeleted this run's {deleted:,} keys from Redis.")
    report.line(f"\nFinished {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
