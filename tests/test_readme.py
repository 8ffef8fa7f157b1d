"""The README's commands work as an admin types them after `make run`.

Blocks marked `<!-- readme-test: after make run -->` in README.md are run, one
command at a time, in a scratch copy of the checkout with its own database and
no DJANGO_* variable: local mode has to come from the `.env` that `make run`'s
setup (`make setup-local`) writes there. When the README changes, this follows.
The scratch copy reuses this suite's .venv (a symlink), so nothing is installed.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import dj_database_url
import psycopg
import pytest

from .checkout import ROOT, bare_environment, copy_checkout

MARKER = "<!-- readme-test: after make run -->"
MARKED_BLOCK = re.compile(
    rf"^{re.escape(MARKER)}\n```(?:sh|bash|console)\n(.*?)^```$",
    re.MULTILINE | re.DOTALL,
)
# Must be among the marked commands (issue 7: what an admin does first).
REQUIRED = ["loaddata", "import_posts", "export_posts", "rebuild_search_index"]
# The install stamp `make run` depends on: treated as done (the venv is shared).
SERVE_STAMP = ".venv/.installed-serve"
SEED_SLUG = "푸틴-방북-9개월-24년-열쇠말-읽는-사건-회의-중요성-비밀"


def marked_commands(readme: str) -> list[str]:
    """Every command line of the marked blocks; `\\` continues a line."""
    commands = []
    for block in MARKED_BLOCK.findall(readme):
        pending = ""
        for line in block.splitlines():
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            commands.append((pending + line).strip())
            pending = ""
    return commands


def test_only_marked_blocks_are_extracted():
    readme = "\n".join(
        [
            "```sh",
            "make unmarked",
            "```",
            MARKER,
            "```sh",
            "# a comment line",
            ".venv/bin/python manage.py check   # trailing comment",
            ".venv/bin/python manage.py \\",
            "    rebuild_search_index",
            "```",
            "<!-- some other comment -->",
            "```sh",
            "rm -rf /",
            "```",
        ]
    )

    assert marked_commands(readme) == [
        ".venv/bin/python manage.py check   # trailing comment",
        ".venv/bin/python manage.py      rebuild_search_index",
    ]


def test_readme_marks_the_first_commands_of_an_admin():
    commands = marked_commands((ROOT / "README.md").read_text(encoding="utf-8"))

    assert commands, f"no block in README.md is marked {MARKER}"
    for name in REQUIRED:
        assert any(f" {name}" in command for command in commands), name


@pytest.fixture(scope="module")
def database_url():
    """None (SQLite in the copy) or a scratch PostgreSQL database, then dropped."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield None
        return
    config = dj_database_url.parse(url)
    name = f"{config['NAME']}_readme"
    server = {
        "dbname": "postgres",
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "autocommit": True,
    }
    with psycopg.connect(**server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(**server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def local_checkout(tmp_path_factory, database_url):
    """A copy after `make setup-local`: the environment to type commands in."""
    checkout = copy_checkout(tmp_path_factory.mktemp("readme") / "checkout")
    (checkout / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    env = bare_environment(**({"DATABASE_URL": database_url} if database_url else {}))
    setup = make(checkout, "setup-local", env=env)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "씨앗 기사가 없어" in setup.stdout  # a new database gets the seed
    return checkout, env


def make(checkout: Path, *args: str, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "-o", SERVE_STAMP, *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def readme_command_ids():
    return marked_commands((ROOT / "README.md").read_text(encoding="utf-8"))


@pytest.mark.parametrize("command", readme_command_ids())
def test_readme_command_exits_zero(local_checkout, command):
    checkout, env = local_checkout
    assert not any(name.startswith("DJANGO_") for name in env)

    result = subprocess.run(
        ["bash", "-c", command],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_make_run_serves_on_its_port_and_keeps_the_seed(local_checkout):
    checkout, env = local_checkout
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        ["make", "--no-print-directory", "-o", SERVE_STAMP, "run", f"PORT={port}"],
        cwd=checkout,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                robots = get(f"{site}/robots.txt")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "make run did not start serving"
                time.sleep(0.5)
        article = get(f"{site}/articles/{quote(SEED_SLUG)}/")
        sitemap = get(f"{site}/sitemap.xml")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]

    assert f"Sitemap: {site}/sitemap.xml" in robots
    assert f"<loc>{site}/" in sitemap
    (canonical,) = re.findall(r'<link rel="canonical" href="([^"]+)"', article)
    (og_url,) = re.findall(r'<meta property="og:url" content="([^"]+)"', article)
    (ld_json,) = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', article
    )
    structured = json.loads(ld_json)
    for url in (canonical, og_url, structured["url"]):
        assert url.startswith(f"{site}/articles/"), url
    assert ":8000" not in robots + sitemap + article
    # The second setup (make run after make setup-local) kept the seed as it was.
    assert "씨앗 기사가 이미 있어 다시 넣지 않았습니다" in output
