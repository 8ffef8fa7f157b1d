"""deploy/serve (make serve): production settings on loopback, and an admin that
still lets people log in over plain http."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "serve-test-비밀번호-0123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scratch_env(tmp_path: Path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "NEWSROOM_"))
        and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        # Production, as deploy/serve runs it; never the checkout's local .env.
        DJANGO_DEBUG="0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        NEWSROOM_STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        NEWSROOM_ORIGINALS_ROOT=str(tmp_path / "originals"),
        NEWSROOM_RUN_DIR=str(tmp_path / "run"),
        NEWSROOM_ACCESS_LOG="0",
        WEB_CONCURRENCY="1",
    )
    return env


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = scratch_env(tmp_path) | {"PORT": str(port)}
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "deploy/serve"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            break
        except (OSError, urllib.error.URLError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail((tmp_path / "serve.log").read_text())
            time.sleep(0.5)
    manage_env = env | {
        "DJANGO_SECRET_KEY": (tmp_path / "run" / "secret_key").read_text(),
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
    }
    subprocess.run(
        [sys.executable, "manage.py", "createsuperuser", "--no-input",
         "--username", "편집장", "--email", "chief@example.kr"],
        cwd=ROOT, env=manage_env, check=True, capture_output=True,
    )  # fmt: skip
    yield {"port": port, "process": process, "tmp": tmp_path}
    if process.poll() is None:
        process.terminate()
        process.wait(30)
    log.close()


def test_says_what_it_relaxes_for_loopback(served):
    output = (served["tmp"] / "serve.log").read_text()
    assert "DJANGO_SECURE_SSL_REDIRECT=0" in output
    assert "NEWSROOM_INSECURE_LOOPBACK=1" in output
    assert "DJANGO_SECRET_KEY" in output


def test_runs_production_settings_behind_gunicorn(served):
    base = f"http://127.0.0.1:{served['port']}"
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base}/articles/{urllib.parse.quote('없는-기사')}/")
    assert missing.value.code == 404
    page = missing.value.read().decode()
    assert "Traceback" not in page and "DEBUG = True" not in page
    assert missing.value.headers["Server"].startswith("gunicorn")
    # Collected, hashed static files, as WhiteNoise serves them in production.
    manifest = served["tmp"] / "static" / "staticfiles.json"
    assert manifest.exists()


def test_an_editor_can_log_in_to_the_admin_over_plain_http(served):
    base = f"http://127.0.0.1:{served['port']}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{base}/admin/login/?next=/admin/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {"username": "편집장", "password": PASSWORD, "csrfmiddlewaretoken": token,
         "next": "/admin/"}
    ).encode()  # fmt: skip
    request = urllib.request.Request(
        f"{base}/admin/login/?next=/admin/", data=data, headers={"Referer": base}
    )
    landed = opener.open(request)
    assert landed.geturl() == f"{base}/admin/"
    assert "편집장" in landed.read().decode()
    assert {cookie.name for cookie in jar} >= {"sessionid", "csrftoken"}
    assert not any(cookie.secure for cookie in jar)


def test_another_process_s_change_shows_on_the_next_cached_request(served):
    """Without Redis, gunicorn's workers, the task worker and a manage.py
    command share one file cache: a publish made by any of them is never
    hidden behind a page another process cached."""
    front = f"http://127.0.0.1:{served['port']}/"
    urllib.request.urlopen(front, timeout=10).read()
    again = urllib.request.urlopen(front, timeout=10)
    assert again.headers["X-Page-Cache"] == "HIT"  # the page is cached first
    title = "다른 프로세스가 올린 속보"
    document = served["tmp"] / "속보.html"
    document.write_text(
        f"---\ntitle: {title}\ncategories: [사회]\n---\n<p>속보 본문입니다.</p>\n"
    )
    manage_env = scratch_env(served["tmp"]) | {
        "DJANGO_SECRET_KEY": (served["tmp"] / "run" / "secret_key").read_text(),
        "NEWSROOM_CACHE_DIR": str(served["tmp"] / "run" / "cache"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "import_posts", str(document)],
        cwd=ROOT, env=manage_env, check=True, capture_output=True,
    )  # fmt: skip

    assert title in urllib.request.urlopen(front, timeout=10).read().decode()


def test_the_task_worker_runs_beside_gunicorn(served):
    pid = int((served["tmp"] / "run" / "worker.pid").read_text())
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert b"db_worker" in cmdline
    health = urllib.request.urlopen(
        f"http://127.0.0.1:{served['port']}/healthz", timeout=5
    )
    assert b'"task_queue": {"ok": true' in health.read()


def test_sigterm_stops_gunicorn_its_workers_and_the_task_worker(served):
    pid = int((served["tmp"] / "run" / "gunicorn.pid").read_text())
    worker = int((served["tmp"] / "run" / "worker.pid").read_text())
    served["process"].send_signal(signal.SIGTERM)
    assert served["process"].wait(30) == 0
    assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid)
    assert not Path(f"/proc/{worker}").exists() or _is_zombie(worker)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", served["port"]), 1)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def test_insecure_loopback_cookies_are_refused_for_public_hosts(tmp_path):
    env = scratch_env(tmp_path) | {
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "news.example.kr,127.0.0.1",
        "NEWSROOM_INSECURE_LOOPBACK": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "NEWSROOM_INSECURE_LOOPBACK is for loopback only" in result.stderr
