"""Time bulk loads of N articles against the bare-Django floor, side by side.

Not a test. It generates N Korean articles with three categories each
(`benchmarks.corpus`, deterministic), writes them three ways, and times on a
fresh scratch database each:

- `ours`:   `manage.py loaddata` of a fixture for our models;
- `import`: `manage.py import_posts` of the same articles as documents;
- `plain`:  `loaddata` of the same rows for a plain model with taggit tags
            (`benchmarks/plain/`, its own settings), the floor.

Each timing is of the command alone (`call_command` in a fresh process after
`migrate`), not of Python start-up or migrations; the command process's CPU
time is reported beside the wall time (on SQLite it is all of the work, and
it moves less than wall time when other work shares the machine), and so is
the CPU time of the processes it started and waited for: our loads render
their bodies in a small pool of worker processes alongside their saves
(articles/prerendering.py), so wall time is less than the CPU time they
take in all. --render-processes sets NEWSROOM_BULK_RENDER_PROCESSES for our
loads (0: render in the command's own process). It prints
each time, its ratio to the floor of the same round, and with --rounds > 1 the
medians of the times and of the per-round ratios, with their spread.

A load leaves the stored fragments of its articles to the task worker
(articles/fragments.py). After each of our loads, `db_worker --batch` runs
that work and is timed apart ("worker"), outside the load's time and ratio:
the load is done, and its pages correct, before the worker starts. The
newsroom's static files are collected once into the temporary folder, as a
deployment does (production settings read their manifest; without it every
fragment fails to render).

Databases: SQLite files in a temporary folder, always. With --postgres (or
DATABASE_URL set to a PostgreSQL URL) also PostgreSQL: scratch databases named
`<--db-prefix>_<task>` are created on that server and dropped afterwards; the
checkout's own database is never touched.

    .venv/bin/python benchmarks/bulk_load_benchmark.py [--articles 5000]
        [--rounds 1] [--postgres] [--project PATH]

--project runs the newsroom commands of another checkout (to measure a
"before" tree with this script); the corpus and the floor come from here.
REDIS_URL is unset for the newsroom's commands: the per-process memory cache.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import corpus  # noqa: E402

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"
WORKER = ("db_worker", "--batch", "--no-startup-delay", "--no-reload", "-v", "0")
TASKS = ("ours", "import", "plain")
TIMER = """
import resource, sys, time
sys.path.insert(0, {path!r})
import django
django.setup()
from django.core.management import call_command
def children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
start, cpu, child = time.perf_counter(), time.process_time(), children()
call_command(*sys.argv[1:])
print("CPU", time.process_time() - cpu)
print("CHILD_CPU", children() - child)
print("SECONDS", time.perf_counter() - start)
"""


def say(*parts) -> None:
    sys.stdout.write(" ".join(str(part) for part in parts) + "\n")
    sys.stdout.flush()


def run(python: str, cwd: Path, env: dict, settings: str, *args: str) -> str:
    """Run one management command in a fresh process; return its output."""
    code = TIMER.format(path=str(cwd))
    full_env = env | {"DJANGO_SETTINGS_MODULE": settings}
    result = subprocess.run(
        [python, "-c", code, *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-6000:])
        raise SystemExit(f"{' '.join(args)} failed ({settings})")
    return result.stdout


def seconds(output: str, label: str = "SECONDS") -> float:
    for line in reversed(output.splitlines()):
        if line.startswith(f"{label} "):
            return float(line.split()[1])
    raise ValueError(f"no timing in output: {output[-500:]}")


class Scratch:
    """Fresh databases, one per timed load: SQLite files or PostgreSQL ones."""

    def __init__(self, vendor: str, folder: Path, server: str, prefix: str):
        self.vendor, self.folder, self.server, self.prefix = (
            vendor,
            folder,
            server,
            prefix,
        )
        self.created: list[str] = []

    def url(self, task: str, n: int) -> str:
        if self.vendor == "sqlite":
            path = self.folder / f"{task}-{n}.sqlite3"
            path.unlink(missing_ok=True)
            return f"sqlite:///{path}"
        name = f"{self.prefix}_{task}"
        self._admin(f'DROP DATABASE IF EXISTS "{name}"')
        self._admin(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
        self.created.append(name)
        return urlunparse(urlparse(self.server)._replace(path=f"/{name}"))

    def drop_all(self) -> None:
        for name in dict.fromkeys(self.created):
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()

    def _admin(self, sql: str) -> None:
        import psycopg

        admin = urlunparse(urlparse(self.server)._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(sql)


def time_task(task: str, *, args, scratch: Scratch, files: dict, round_: int):
    python = sys.executable
    url = scratch.url(task, round_)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": "bulk-load-benchmark-only",
        "DJANGO_DEBUG": "0",
        "MEDIA_ROOT": str(files["media"]),
        "NEWSROOM_STATIC_ROOT": str(files["static"]),
        "PYTHONHASHSEED": "0",
    }
    if args.render_processes is not None:
        env["NEWSROOM_BULK_RENDER_PROCESSES"] = str(args.render_processes)
    worker = None
    if task == "plain":
        settings, cwd = "benchmarks.plain.settings", ROOT
        run(python, cwd, env, settings, "migrate", "--run-syncdb", "-v", "0")
        output = run(python, cwd, env, settings, "loaddata", str(files["plain"]))
    else:
        settings, cwd = "newsroom.settings", args.project
        run(python, cwd, env, settings, "migrate", "-v", "0")
        if task == "ours":
            output = run(python, cwd, env, settings, "loaddata", str(files["ours"]))
        else:
            output = run(
                python, cwd, env, settings, "import_posts", str(files["documents"])
            )
        if args.worker:
            done = run(python, cwd, env, settings, *WORKER)
            worker = (seconds(done), seconds(done, "CPU"))
    last = [
        line
        for line in output.splitlines()
        if not line.startswith(("SECONDS ", "CPU "))
    ]
    last = [line for line in last if not line.startswith("CHILD_CPU ")]
    cpu = seconds(output, "CPU")
    child = seconds(output, "CHILD_CPU")
    return seconds(output), cpu, child, (last[-1] if last else ""), worker


def collect_static(project: Path, folder: Path) -> Path:
    """The newsroom's static files and their manifest, as a deployment has."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{folder.parent / 'collectstatic.sqlite3'}",
        "DJANGO_SECRET_KEY": "bulk-load-benchmark-only",
        "DJANGO_DEBUG": "0",
        "NEWSROOM_STATIC_ROOT": str(folder),
    }
    args = ["collectstatic", "--no-input", "-v", "0"]
    run(sys.executable, project, env, "newsroom.settings", *args)
    return folder


def time_rendering(posts, project: Path) -> float:
    """Seconds `render_body` (Markdown + bleach) takes for every body, alone."""
    code = (
        "import json, sys, time\n"
        f"sys.path.insert(0, {str(project)!r})\n"
        "from articles.rendering import render_body\n"
        "bodies = json.load(sys.stdin)\n"
        "start = time.perf_counter()\n"
        "for body in bodies:\n"
        "    render_body(body, 'html')\n"
        "print('SECONDS', time.perf_counter() - start)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps([post.body for post in posts]),
        capture_output=True,
        text=True,
        check=True,
    )
    return seconds(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--db-prefix", default="bench_bulk_load")
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument(
        "--worker",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="after each of our loads, time the task worker's work it queued",
    )
    parser.add_argument(
        "--render-processes",
        type=int,
        default=None,
        help="NEWSROOM_BULK_RENDER_PROCESSES for our loads (default: settings')",
    )
    parser.add_argument(
        "--render",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time render_body alone over the corpus (the sanitiser's share)",
    )
    args = parser.parse_args()
    args.project = args.project.resolve()
    tasks = [task for task in args.tasks.split(",") if task]
    server = os.environ.get("DATABASE_URL", "")
    use_pg = args.postgres or server.startswith(("postgres", "postgresql"))
    server = server if server.startswith("postgres") else DEFAULT_PG

    with tempfile.TemporaryDirectory(prefix="bulk-load-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        posts = corpus.generate(args.articles)
        files = {
            "ours": corpus.write_json(
                corpus.article_fixture(posts), folder / "articles.json"
            ),
            "plain": corpus.write_json(
                corpus.plain_fixture(posts), folder / "plain.json"
            ),
            "documents": corpus.write_documents(posts, folder / "documents"),
            "media": folder / "media",
            "static": collect_static(args.project, folder / "static"),
        }
        chars = sum(len(post.body) for post in posts) / len(posts)
        say(
            f"{len(posts):,} articles, 3 categories each, bodies of "
            f"{chars:,.0f} characters on average; written in "
            f"{time.perf_counter() - started:.1f} s"
        )
        say(
            f"{platform.node()} · {platform.processor() or platform.machine()} · "
            f"{os.cpu_count()} cores · Python {platform.python_version()} · "
            f"project {args.project}"
        )
        render = time_rendering(posts, args.project) if args.render else None
        if render is not None:
            say(f"render_body alone (no database), all bodies: {render:.1f} s")
        vendors = (["sqlite"] if args.sqlite else []) + (["postgresql"] * use_pg)
        for vendor in vendors:
            scratch = Scratch(vendor, folder, server, args.db_prefix)
            times: dict[str, list[float]] = {task: [] for task in tasks}
            cpus: dict[str, list[float]] = {task: [] for task in tasks}
            children: dict[str, list[float]] = {task: [] for task in tasks}
            totals: dict[str, list[float]] = {task: [] for task in tasks}
            workers: dict[str, list[float]] = {}
            try:
                for round_ in range(args.rounds):
                    for task in tasks:
                        spent, cpu, child, last, worker = time_task(
                            task, args=args, scratch=scratch, files=files, round_=round_
                        )
                        times[task].append(spent)
                        cpus[task].append(cpu)
                        children[task].append(child)
                        totals[task].append(cpu + child)
                        say(
                            f"  {vendor} #{round_ + 1} {task:7} {spent:8.1f} s "
                            f"(CPU {cpu:.1f} s, its worker processes {child:.1f} s)"
                            f"  {last}"
                        )
                        if worker is not None:
                            workers.setdefault(task, []).append(worker[0])
                            say(
                                f"  {vendor} #{round_ + 1} {task:7} then the worker "
                                f"{worker[0]:.1f} s (CPU {worker[1]:.1f} s)"
                            )
                    if times.get("plain"):
                        floor = times["plain"][-1]
                        say(
                            f"  {vendor} #{round_ + 1} ratios: "
                            + ", ".join(
                                f"{task} {values[-1] / floor:.1f}×"
                                for task, values in times.items()
                                if task != "plain" and values
                            )
                        )
            finally:
                if vendor == "postgresql":
                    scratch.drop_all()
            report(vendor, times, args.rounds, render)
            # The command's own process: on SQLite all of the work, on PostgreSQL
            # without the server's. Steadier than wall time on a busy machine.
            report(f"{vendor}, CPU time of the command process,", cpus, args.rounds)
            if any(value for values in children.values() for value in values):
                report(
                    f"{vendor}, CPU time of its worker processes,",
                    children,
                    args.rounds,
                    ratios=False,
                )
                report(
                    f"{vendor}, CPU time of the command and its workers together,",
                    totals,
                    args.rounds,
                )
            for task, values in workers.items():
                median = statistics.median(values)
                say(
                    f"  {task:7} then the worker: median {median:.1f} s "
                    f"(min {min(values):.1f}, max {max(values):.1f}), not in the ratios"
                )


def report(
    vendor: str, times: dict[str, list[float]], rounds: int, render=None, ratios=True
):
    """Medians of the times, and of each round's ratio to that round's floor:
    the machine's load moves both loads of a round together, so the ratio of
    one round is steadier than the ratio of two medians."""
    floors = (times.get("plain") or []) if ratios else []
    say(f"{vendor}: median of {rounds} round(s)")
    for task, values in times.items():
        if not values:
            continue
        median = statistics.median(values)
        spread = (
            f" (min {min(values):.1f}, max {max(values):.1f})" if rounds > 1 else ""
        )
        ratio = ""
        if floors and task != "plain":
            ratios = [v / floor for v, floor in zip(values, floors, strict=True)]
            ratio = f"  {statistics.median(ratios):5.1f}× plain"
            if rounds > 1:
                ratio += f" ({min(ratios):.1f}–{max(ratios):.1f})"
        share = ""
        if render and task != "plain":
            share = f"  (render_body alone: {100 * render / median:.0f} %)"
        say(f"  {task:7} {median:8.1f} s{spread}{ratio}{share}")


if __name__ == "__main__":
    main()
