"""Load: 50 clients at once for 60 s, readers and editors mixed, against `make serve`.

Not a test and not part of CI's default run: a tool, run on demand, that must end
with zero errors.

    .venv/bin/python benchmarks/load.py                  # SQLite, 50 clients, 60 s
    LOAD_DATABASE=postgresql .venv/bin/python benchmarks/load.py

It makes a scratch database of its own (a SQLite file in a temp dir, or a
PostgreSQL database whose name contains "load", created and dropped here),
migrates it, seeds LOAD_ARTICLES generated articles (`manage.py seed_demo`),
creates one Editor account per client (`load-editor-N`, a random password; the
scratch database goes away afterwards) and starts the site exactly as
`make serve` does (deploy/serve: production settings, gunicorn with
deploy/gunicorn.conf.py) on a free loopback port.

Then LOAD_CLIENTS clients run for LOAD_DURATION seconds, each in its own thread
with its own cookies. Each first logs in to the admin as its editor (GET the
login page for the CSRF token, POST it), then loops: with probability
LOAD_ADMIN_SHARE an admin save (GET an article's change form, read every field
and the CSRF token from the HTML, change the body, POST it back with the version
it was opened at; each client edits its own articles, so a save is expected to
succeed: 302), otherwise a public page (the front page, an article, a category
page, the RSS feed, a search), as anonymous readers do (no cookies).

Beside them, on PostgreSQL, LOAD_RACERS more editors (`race-editor-N`) all
edit one shared live article for the whole run, and two of them also publish
and unpublish it, through the same admin pages: their requests land on
different gunicorn worker processes at once. An editor appends a numbered
paragraph (`경합 편집 N-K번`) and saves with the version it opened; a save refused
as stale ("먼저 저장했습니다") opens the form again and retries, as a person
would. Afterwards the stored article must hold every paragraph whose save was
answered with a redirect exactly once (no lost update), and its audit trail must
match: one ArticleTransition per change since the start, each starting where the
one before ended and the last ending at the article's status, as many "save"
entries as answered saves, one revision per entry with the versions rising by
one to the article's own, the last revision's body the stored body. Readers
never ask for that article (it goes offline and back).

An error is any answer other than the expected one (a public page not 200, a
save not redirected, a 5xx anywhere), a failed connection, a lost update or an
audit trail that does not match. It prints requests, errors by kind, requests
per second and p50/p99 latency per kind of request, and exits 1 when there was
any error.

Environment: LOAD_CLIENTS (50), LOAD_DURATION (60), LOAD_ADMIN_SHARE (0.15),
LOAD_RACERS (editors of the shared article: 4 on PostgreSQL, 0 on SQLite),
LOAD_ARTICLES (300), LOAD_DATABASE (sqlite or postgresql), LOAD_PG_URL (the
server, default postgres://postgres@127.0.0.1:5432/postgres), LOAD_DB_NAME
(default newsroom_load; must contain "load"), LOAD_REPORT (also write the
summary to this file), WEB_CONCURRENCY (gunicorn workers, as make serve),
REDIS_URL (passed on to the site).
"""

from __future__ import annotations

import html
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVE = ROOT / "deploy" / "serve"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


CLIENTS = env_int("LOAD_CLIENTS", 50)
DURATION = float(os.environ.get("LOAD_DURATION") or 60)
ADMIN_SHARE = float(os.environ.get("LOAD_ADMIN_SHARE") or 0.15)
ARTICLES = env_int("LOAD_ARTICLES", 300)
DATABASE = os.environ.get("LOAD_DATABASE", "sqlite")
PG_URL = os.environ.get("LOAD_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("LOAD_DB_NAME", "newsroom_load")
RACERS = env_int("LOAD_RACERS", 4 if DATABASE == "postgresql" else 0)
TOGGLERS = min(2, RACERS)  # of the racers, those who also publish and unpublish


def say(text: str = "") -> None:
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The scratch site --------------------------------------------------------------


def database_url(workdir: Path) -> str:
    if DATABASE == "sqlite":
        return f"sqlite:///{workdir / 'load.sqlite3'}"
    if "load" not in DB_NAME:
        raise SystemExit("LOAD_DB_NAME must contain 'load': it is dropped afterwards")
    return urllib.parse.urlunparse(urllib.parse.urlparse(PG_URL)._replace(path=DB_NAME))


def postgres(sql: str) -> None:
    """Run one statement on the maintenance database with psycopg."""
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as connection:
        connection.execute(sql)


def site_environment(workdir: Path, port: int) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(workdir),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "NEWSROOM_INSECURE_LOOPBACK": "1",
        "NEWSROOM_RUN_DIR": str(workdir / "run"),
        "NEWSROOM_STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "NEWSROOM_ACCESS_LOG": "0",
        "NEWSROOM_SITE_URL": f"http://127.0.0.1:{port}",
        "PORT": str(port),
    }
    env.pop("NEWSROOM_VARNISH", None)
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


COUNT_SAVES = """
from articles.models import ArticleTransition
print(ArticleTransition.objects.filter(
    action="save", created_by__username__startswith="load-editor-"
).count())
"""

CREATE_EDITORS = """
from django.contrib.auth.models import Group, User
from articles.models import Article
editors = Group.objects.get(name="Editor")
names = [f"load-editor-{{n}}" for n in range({clients})]
names += [f"race-editor-{{n}}" for n in range({racers})]
for name in names:
    user = User.objects.create_user(name, password={password!r}, is_staff=True)
    user.groups.add(editors)
race = Article.objects.live().order_by("pk").first()
ids = Article.objects.exclude(pk=race.pk).order_by("pk").values_list("pk", flat=True)
print(race.pk, race.get_absolute_url())
print(",".join(map(str, ids)))
"""

# Where the shared article's trail stands before the run.
RACE_START = """
import json
from articles.models import Article
article = Article.objects.get(pk={pk})
print(json.dumps({{
    "version": article.version,
    "status": article.status,
    "entry": max(article.transitions.values_list("pk", flat=True), default=0),
    "revision": max(article.revisions.values_list("pk", flat=True), default=0),
}}))
"""

# What became of it: lost updates and the audit trail, checked in the site's code.
RACE_CHECK = """
import json
from articles.models import Article
start = {start!r}
saved = {saved!r}
article = Article.objects.get(pk={pk})
entries = list(article.transitions.filter(pk__gt=start["entry"]).order_by("pk"))
revisions = list(article.revisions.filter(pk__gt=start["revision"]).order_by("pk"))
status, chained = start["status"], True
for entry in entries:
    chained = chained and entry.from_status == status
    status = entry.to_status
versions = [revision.version for revision in revisions]
print(json.dumps({{
    "lost": [marker for marker in saved if article.body.count(marker) == 0],
    "doubled": [marker for marker in saved if article.body.count(marker) > 1],
    "entries": len(entries),
    "save_entries": sum(entry.action == "save" for entry in entries),
    "steps": sum(entry.action != "save" for entry in entries),
    "chained": chained and status == article.status,
    "version_ok": article.version == start["version"] + len(entries),
    "revisions_ok": versions
    == list(range(start["version"] + 1, article.version + 1))
    and (not revisions or revisions[-1].data["body"] == article.body),
}}))
"""


def prepare(env: dict, password: str) -> tuple[list[int], int, str]:
    """Migrate, seed, add the editors; the article ids, and the shared article's
    id and address."""
    manage(env, "migrate", "--no-input")
    manage(env, "seed_demo", "--articles", str(ARTICLES), "--images", "0")
    script = CREATE_EDITORS.format(clients=CLIENTS, racers=RACERS, password=password)
    *_, race, ids = shell(env, script).strip().splitlines()
    race_pk, race_path = race.split(" ", 1)
    return [int(pk) for pk in ids.split(",")], int(race_pk), race_path


def shell(env: dict, script: str) -> str:
    return subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def wait_healthy(port: int, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"make serve exited with status {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("the site did not answer /healthz")


# Clients -----------------------------------------------------------------------


class FormReader(HTMLParser):
    """The fields of the admin change form as a browser would post them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._textarea = None
        self._select = None
        self._select_multiple = False
        self._select_chosen: list[str] = []
        self._select_first = None
        self._option = None
        self._option_text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"file", "submit", "button", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self.fields.append(
                (name, a.get("value", "on" if kind == "checkbox" else ""))
            )
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = name
            self._select_multiple = "multiple" in a
            self._select_chosen, self._select_first = [], None
        elif tag == "option" and self._select:
            self._option = a.get("value")
            self._option_text = ""
            if self._select_first is None:
                self._select_first = self._option
            if "selected" in a:
                self._select_chosen.append(self._option)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        if self._option is not None:
            self._option_text += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "option":
            if self._option is None and self._option_text:
                self._option = self._option_text
            self._option = None
        elif tag == "select" and self._select:
            chosen = self._select_chosen
            if not chosen and not self._select_multiple and self._select_first:
                chosen = [self._select_first]
            self.fields.extend((self._select, value or "") for value in chosen)
            self._select = None


class Client:
    """One person: a connection, cookies, and a tally of what happened."""

    def __init__(self, port: int, results: Results):
        self.port = port
        self.results = results
        self.cookies: dict[str, str] = {}
        self.connection = None

    def request(self, kind, method, path, body=None, *, cookies=True, expect=(200,)):
        headers = {"Host": "127.0.0.1", "User-Agent": "newsroom-load"}
        if cookies and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            body = urllib.parse.urlencode(body, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=120
                )
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
        except (OSError, http.client.HTTPException) as error:
            self.connection = None
            self.results.add(kind, time.perf_counter() - started, type(error).__name__)
            return None, b"", {}
        elapsed = time.perf_counter() - started
        if cookies:
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    for morsel in SimpleCookie(value).values():
                        self.cookies[morsel.key] = morsel.value
        error = None
        if response.status not in expect:
            error = f"{kind}: HTTP {response.status}"
        self.results.add(kind, elapsed, error)
        return response.status, content, dict(response.getheaders())

    def login(self, username, password) -> bool:
        status, page, _ = self.request("login", "GET", "/admin/login/")
        token = csrf_token(page)
        if not token:
            return False
        status, _, headers = self.request(
            "login",
            "POST",
            "/admin/login/?next=/admin/",
            {
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": password,
                "next": "/admin/",
            },
            expect=(302,),
        )
        return status == 302

    def save(self, article_id: int, n: int) -> None:
        path = f"/admin/articles/article/{article_id}/change/"
        status, page, _ = self.request("admin form", "GET", path)
        if status != 200:
            return
        reader = FormReader()
        reader.feed(page.decode("utf-8", "replace"))
        data = [(k, v) for k, v in reader.fields if k != "body"]
        body = dict(reader.fields).get("body", "")
        data.append(("body", f"{body}\n<p>부하 시험 {n}번째 저장입니다.</p>"))
        data.append(("_save", "저장"))
        status, _, _ = self.request("admin save", "POST", path, data, expect=(302,))
        if status == 302:
            self.results.saved()

    def append(self, article_id: int, marker: str) -> str:
        """Open the form, add a paragraph, save: "saved", "stale" or "failed"."""
        path = f"/admin/articles/article/{article_id}/change/"
        status, page, _ = self.request("race form", "GET", path)
        if status != 200:
            return "failed"
        reader = FormReader()
        reader.feed(page.decode("utf-8", "replace"))
        data = [(k, v) for k, v in reader.fields if k != "body"]
        body = dict(reader.fields).get("body", "")
        data += [("body", f"{body}\n<p>{marker}</p>"), ("_save", "저장")]
        status, page, _ = self.request(
            "race save", "POST", path, data, expect=(200, 302)
        )
        if status == 302:
            return "saved"
        if status == 200 and "먼저 저장했습니다".encode() in page:
            return "stale"
        if status == 200:  # the form again for another reason: an error
            self.results.add("race save", 0.0, "race save: form refused")
        return "failed"

    def step(self, article_id: int, step: str) -> bool:
        """Take a workflow step from its admin page. A step the article's state
        rules out sends the page back to the change form: False, nothing changed."""
        path = f"/admin/articles/article/{article_id}/step/{step}/"
        status, page, _ = self.request("race step", "GET", path, expect=(200, 302))
        if status != 200:
            return False
        reader = FormReader()
        reader.feed(page.decode("utf-8", "replace"))
        self.request("race step", "POST", path, reader.fields, expect=(302,))
        return True


def csrf_token(page: bytes) -> str:
    marker = b'name="csrfmiddlewaretoken" value="'
    start = page.find(marker)
    if start < 0:
        return ""
    start += len(marker)
    return page[start : page.find(b'"', start)].decode()


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.saves = 0

    def saved(self):
        with self.lock:
            self.saves += 1

    def add(self, kind, elapsed, error=None):
        with self.lock:
            self.times[kind].append(elapsed)
            if error:
                self.errors[error] += 1


def public_paths(env: dict, port: int) -> list[str]:
    """Addresses readers ask for: the front page, articles, categories, feed."""
    client = Client(port, Results())
    _, page, _ = client.request("probe", "GET", "/", cookies=False)
    paths = set()
    text = page.decode("utf-8", "replace")
    for prefix in ("/articles/", "/categories/"):
        start = 0
        while (start := text.find(f'href="{prefix}', start)) >= 0:
            end = text.find('"', start + 6)
            found = html.unescape(text[start + 6 : end])
            paths.add(urllib.parse.quote(found, safe="/%?=&"))
            start = end
    return ["/", "/feeds/rss/", "/search/?q=%EC%84%9C%EC%9A%B8", *sorted(paths)]


def run_clients(port, paths, article_ids, race_pk, password):
    """Run every client; the results, the seconds they ran, and the markers of
    the shared article's saves that were answered with a redirect."""
    results = Results()
    barrier = threading.Barrier(CLIENTS + RACERS + 1)
    mine = {n: article_ids[n::CLIENTS] or article_ids for n in range(CLIENTS)}
    race_saved: list[str] = []
    race_outcomes: Counter = Counter()

    logins = Results()

    def racer(n):
        editor = Client(port, logins)
        logged_in = any(editor.login(f"race-editor-{n}", password) for _ in range(5))
        editor.results = results
        if not logged_in:
            results.add("login", 0.0, "race login failed five times")
        barrier.wait()
        deadline = time.monotonic() + DURATION
        k = 0
        try:
            while logged_in and time.monotonic() < deadline:
                if n < TOGGLERS:  # whichever the state allows now
                    editor.step(race_pk, "unpublish") or editor.step(race_pk, "publish")
                marker = f"경합 편집 {n}-{k}번"
                k += 1
                for _ in range(50):  # stale: someone saved first; open it again
                    outcome = editor.append(race_pk, marker)
                    with results.lock:
                        race_outcomes[outcome] += 1
                        if outcome == "saved":
                            race_saved.append(marker)
                    if outcome != "stale":
                        break
                else:
                    results.add("race save", 0.0, "race save: stale 50 times")
        except Exception as error:
            results.add("client", 0.0, f"racer crashed: {error!r}")

    def person(n):
        # Logging in (a deliberately slow password hash, 50 at once) is the
        # warm-up, not the measurement: tallied apart, retried on a timeout.
        editor = Client(port, logins)
        logged_in = any(editor.login(f"load-editor-{n}", password) for _ in range(5))
        editor.results = results
        reader = Client(port, results)
        if not logged_in:
            results.add("login", 0.0, "login failed five times")
        rng = random.Random(n)
        saves = 0
        barrier.wait()
        deadline = time.monotonic() + DURATION
        try:
            while time.monotonic() < deadline:
                if logged_in and rng.random() < ADMIN_SHARE:
                    saves += 1
                    editor.save(rng.choice(mine[n]), saves)
                else:
                    reader.request("public", "GET", rng.choice(paths), cookies=False)
        except Exception as error:  # a client that dies is an error, counted
            results.add("client", 0.0, f"client crashed: {error!r}")

    threads = [threading.Thread(target=person, args=(n,)) for n in range(CLIENTS)]
    threads += [threading.Thread(target=racer, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.monotonic()
    for thread in threads:
        thread.join()
    results.logins = logins
    results.race_stale = race_outcomes["stale"]
    return results, time.monotonic() - started, race_saved


def check_race(race: dict, results: Results) -> None:
    """Count what the shared article's end state says went wrong as errors."""
    problems = {
        "lost update": len(race["lost"]),
        "paragraph saved twice": len(race["doubled"]),
        "save entries differ from answered saves": race["save_entries"]
        != race["answered"],
        "audit entries do not chain to the status": not race["chained"],
        "version moved other than once per entry": not race["version_ok"],
        "revisions do not match the entries": not race["revisions_ok"],
    }
    for problem, count in problems.items():
        if count:
            results.errors[f"shared article: {problem}"] += int(count)


def percentile(values, q):
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def summary(results: Results, elapsed: float, race: dict | None) -> list[str]:
    measured = {k: v for k, v in results.times.items() if k != "probe"}
    total = sum(len(v) for v in measured.values())
    errors = sum(results.errors.values())
    lines = [
        f"clients {CLIENTS}, {elapsed:.0f} s, database {DATABASE}, "
        f"{ARTICLES} articles, admin share {ADMIN_SHARE:.0%}",
        f"requests {total}, errors {errors}, {total / elapsed:.1f} req/s; "
        f"admin saves {results.saves}, each found in the audit trail",
    ]
    if race is not None:
        lines.append(
            f"shared article: {RACERS} editors ({TOGGLERS} also publishing and "
            f"unpublishing), {race['answered']} saves answered "
            f"({results.race_stale} refused as stale first, then retried), "
            f"{len(race['lost'])} lost updates, {race['steps']} publish/unpublish "
            f"steps, {race['entries']} audit entries "
            + ("matching" if race["chained"] and race["version_ok"] else "NOT matching")
            + " the status and versions, revisions "
            + ("matching" if race["revisions_ok"] else "NOT matching")
        )
    lines += [
        "",
        "| kind | requests | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for kind, values in sorted(measured.items()):
        lines.append(
            f"| {kind} | {len(values)} | {percentile(values, 50) * 1000:.0f} "
            f"| {percentile(values, 99) * 1000:.0f} |"
        )
    everything = [t for v in measured.values() for t in v]
    lines.append(
        f"| all | {total} | {percentile(everything, 50) * 1000:.0f} "
        f"| {percentile(everything, 99) * 1000:.0f} |"
    )
    login_times = results.logins.times.get("login", [])
    if login_times:
        lines.append(
            f"(before the run: {len(login_times)} login requests, p50 "
            f"{percentile(login_times, 50) * 1000:.0f} ms, retried timeouts "
            f"{sum(results.logins.errors.values())})"
        )
    for error, count in results.errors.most_common():
        lines.append(f"error: {error} × {count}")
    return lines


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-load-"))
    port = free_port()
    env = site_environment(workdir, port)
    password = secrets.token_urlsafe(16)
    server = None
    if DATABASE == "postgresql":
        postgres(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        postgres(f'CREATE DATABASE "{DB_NAME}"')
    try:
        say(f"load: preparing {ARTICLES} articles and {CLIENTS} editors ({DATABASE})")
        article_ids, race_pk, race_path = prepare(env, password)
        server = subprocess.Popen(
            [PYTHON, str(SERVE)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_healthy(port, server)
        shared = urllib.parse.unquote(race_path)
        paths = [
            path
            for path in public_paths(env, port)
            if urllib.parse.unquote(path) != shared
        ]
        start = json.loads(shell(env, RACE_START.format(pk=race_pk)).splitlines()[-1])
        say(f"load: {CLIENTS} clients for {DURATION:.0f} s on 127.0.0.1:{port}")
        if RACERS:
            say(f"load: and {RACERS} editors of article {race_pk} at once")
        results, elapsed, race_saved = run_clients(
            port, paths, article_ids, race_pk, password
        )
        # Every save the site answered with its redirect is in the audit trail.
        recorded = int(shell(env, COUNT_SAVES).strip().splitlines()[-1])
        if recorded != results.saves:
            results.errors[f"saves answered {results.saves}, recorded {recorded}"] += 1
        race = None
        if RACERS:
            script = RACE_CHECK.format(pk=race_pk, start=start, saved=race_saved)
            race = json.loads(shell(env, script).strip().splitlines()[-1])
            race["answered"] = len(race_saved)
            check_race(race, results)
        lines = summary(results, elapsed, race)
        for line in lines:
            say(line)
        if report := os.environ.get("LOAD_REPORT"):
            Path(report).write_text("\n".join(lines) + "\n", encoding="utf-8")
        return 1 if results.errors else 0
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)  # deploy/serve stops what it started
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
        if DATABASE == "postgresql":
            postgres(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
