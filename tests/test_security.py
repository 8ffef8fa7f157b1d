"""Login throttling, the client address behind our proxies, secret-key rotation
and a Redis host that stops answering (issue 10, items 13 and 15)."""

import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.utils import timezone

from articles import previews
from articles.models import Article

from .factories import make_article
from .people import make_staff

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "비밀번호-테스트-1234"  # tests/people.py
LOGIN = "/admin/login/"
LIMIT = django_settings.AXES_FAILURE_LIMIT


def log_in(client, username, password, **headers):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        **headers,
    )


def fail(client, username, times, **headers):
    """`times` wrong passwords; returns the last response."""
    response = None
    for n in range(times):
        response = log_in(client, username, f"틀린-비밀번호-{n}", **headers)
    return response


def assert_locked(response):
    assert response.status_code == 429
    text = response.content.decode()
    assert "로그인이 잠시 잠겼습니다" in text
    assert "15분 뒤에 다시 시도하세요" in text


# --- Login throttling ------------------------------------------------------


@pytest.mark.django_db
def test_wrong_passwords_below_the_limit_leave_the_login_open(client):
    user = make_staff("Reporter")
    response = fail(client, user.username, LIMIT - 1)
    assert response.status_code == 200  # the login form again, with its error
    assert log_in(client, user.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_too_many_wrong_passwords_lock_the_login_with_a_korean_page(client):
    user = make_staff("Reporter")
    assert_locked(fail(client, user.username, LIMIT))
    assert_locked(fail(client, user.username, 1))


@pytest.mark.django_db
def test_right_password_is_refused_while_locked(client):
    user = make_staff("Reporter")
    fail(client, user.username, LIMIT)
    response = log_in(client, user.username, PASSWORD)
    assert_locked(response)
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login


@pytest.mark.django_db
def test_lock_ends_after_the_cool_off(client):
    user = make_staff("Reporter")
    fail(client, user.username, LIMIT)
    later = timezone.now() + django_settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    with time_machine.travel(later):
        assert log_in(client, user.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_another_user_from_the_same_address_is_not_locked(client):
    victim, colleague = make_staff("Reporter"), make_staff("Editor")
    fail(client, victim.username, LIMIT)
    assert log_in(client, colleague.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_same_user_from_another_address_is_not_locked(client):
    user = make_staff("Reporter")
    fail(client, user.username, LIMIT, REMOTE_ADDR="203.0.113.9")
    assert_locked(log_in(client, user.username, PASSWORD, REMOTE_ADDR="203.0.113.9"))
    response = log_in(client, user.username, PASSWORD, REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 302


@pytest.mark.django_db
def test_without_proxies_a_forged_forwarded_header_does_not_escape_the_lock(client):
    user = make_staff("Reporter")
    for n in range(LIMIT):
        forged = {"HTTP_X_FORWARDED_FOR": f"192.0.2.{n}"}
        log_in(client, user.username, f"틀린-{n}", **forged)
    forged = {"HTTP_X_FORWARDED_FOR": "192.0.2.200"}
    assert_locked(log_in(client, user.username, PASSWORD, **forged))


def behind_two_proxies(client_ip: str, forged: str = "") -> dict:
    """Headers as gunicorn sees them behind the TLS proxy (10.0.0.2) and Varnish
    (10.0.0.3): the TLS proxy appended the client, Varnish the TLS proxy."""
    chain = ", ".join(filter(None, [forged, client_ip, "10.0.0.2"]))
    return {"REMOTE_ADDR": "10.0.0.3", "HTTP_X_FORWARDED_FOR": chain}


@pytest.mark.django_db
def test_behind_proxies_the_lock_follows_the_real_client(client, settings):
    settings.NEWSROOM_PROXY_HOPS = 2
    user = make_staff("Reporter")
    for n in range(LIMIT):
        headers = behind_two_proxies("203.0.113.7", forged=f"192.0.2.{n}, 6.6.6.{n}")
        log_in(client, user.username, f"틀린-{n}", **headers)
    # Forged left-most entries change nothing: the real client is still locked...
    headers = behind_two_proxies("203.0.113.7", forged="198.51.100.4")
    assert_locked(log_in(client, user.username, PASSWORD, **headers))
    # ... and another reader behind the same proxies is not.
    other = behind_two_proxies("198.51.100.4")
    assert log_in(client, user.username, PASSWORD, **other).status_code == 302


@pytest.mark.parametrize(
    ("hops", "forwarded", "remote", "expected"),
    [
        (0, "192.0.2.1, 203.0.113.7", "10.0.0.3", "10.0.0.3"),  # header ignored
        (1, "192.0.2.1, 203.0.113.7", "10.0.0.3", "203.0.113.7"),
        (2, "192.0.2.1, 203.0.113.7, 10.0.0.2", "10.0.0.3", "203.0.113.7"),
        (2, "203.0.113.7,10.0.0.2", "10.0.0.3", "203.0.113.7"),
        (2, "2001:db8::7, 10.0.0.2", "10.0.0.3", "2001:db8::7"),
        (3, "203.0.113.7, 10.0.0.2", "10.0.0.3", "10.0.0.3"),  # a proxy skipped
        (2, "", "10.0.0.3", "10.0.0.3"),
        (2, "<script>, 10.0.0.2", "10.0.0.3", "10.0.0.3"),  # not an address
    ],
)
def test_client_address_trusts_exactly_the_configured_hops(
    settings, hops, forwarded, remote, expected
):
    from newsroom.client_address import client_address

    settings.NEWSROOM_PROXY_HOPS = hops
    request = RequestFactory().get(
        "/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded
    )
    assert client_address(request) == expected


@pytest.mark.django_db
def test_a_login_without_a_request_is_refused_not_unthrottled():
    """Every login path must hand authenticate() the request, or axes cannot
    count it: one that does not fails loudly instead of slipping past."""
    user = make_staff("Reporter")
    with pytest.raises(ValueError, match="request"):
        authenticate(username=user.username, password=PASSWORD)
    request = RequestFactory().post(LOGIN)
    assert authenticate(request, username=user.username, password=PASSWORD) == user


def test_every_login_address_is_the_throttled_admin_login():
    """A new login view must be added here, after checking it is throttled."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                yield route

    logins = {route for route in walk(get_resolver().url_patterns) if "login" in route}
    assert logins == {"admin/login/"}


# --- Secret key rotation (DJANGO_SECRET_KEY_FALLBACKS) ---------------------

OLD_KEY = "old-" + "Vq7mN2xK9pL4wR8tY3zB6cF1hJ5dG0sA" * 2
NEW_KEY = "new-" + "Hs4kP8vM1qW6eT3yU9iO2lZ5xC7bN0aQ" * 2


@pytest.fixture
def old_key(settings):
    settings.SECRET_KEY = OLD_KEY
    settings.SECRET_KEY_FALLBACKS = []
    return settings


def rotate(settings, *, keep_old: bool):
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY] if keep_old else []


@pytest.mark.django_db
@pytest.mark.parametrize("keep_old", [True, False], ids=["fallback", "no-fallback"])
def test_a_session_made_with_the_old_key_survives_rotation_only_with_fallback(
    client, old_key, keep_old
):
    user = make_staff("Editor")
    assert log_in(client, user.username, PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200
    rotate(old_key, keep_old=keep_old)
    response = client.get("/admin/")
    assert response.status_code == (200 if keep_old else 302)


@pytest.mark.django_db
@pytest.mark.parametrize("keep_old", [True, False], ids=["fallback", "no-fallback"])
def test_a_share_link_made_with_the_old_key_survives_rotation_only_with_fallback(
    client, old_key, keep_old
):
    editor = make_staff("Editor")
    draft = make_article(
        title="정정 보도 초안", status=Article.Status.DRAFT, publish_at=None
    )
    link = previews.create_share_link(draft, by=editor)
    address = previews.share_path(link)
    assert client.get(address).status_code == 200
    rotate(old_key, keep_old=keep_old)
    response = client.get(address)
    assert response.status_code == (200 if keep_old else 404)
    if keep_old:
        assert "정정 보도 초안" in response.content.decode()
        # New links are signed with the new key alone.
        assert previews.share_path(link) != address


def manage_shell(code: str, timeout=120, **env: str) -> subprocess.CompletedProcess:
    """Run `code` in manage.py shell with production settings plus `env`."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "NEWSROOM_")) and k != "REDIS_URL"
    }
    production = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": NEW_KEY,
        "DJANGO_ALLOWED_HOSTS": "news.example.kr",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**clean, **production, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_secret_key_fallbacks_are_read_from_the_environment():
    code = "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)"
    result = manage_shell(code, DJANGO_SECRET_KEY_FALLBACKS=f" {OLD_KEY} , older-1,")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == repr([OLD_KEY, "older-1"])


# --- A Redis host that stops answering -------------------------------------


class Blackhole:
    """A loopback Redis address that never answers, two ways.

    `silent`: the kernel completes the TCP handshake (the socket listens) but
    nothing ever reads or replies, as when a host hangs after accepting.
    `full`: the listen backlog is already full, so the kernel drops further SYNs
    and connecting hangs, as when packets to the host are dropped.
    """

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(0)
        self.port = self.listener.getsockname()[1]
        self.fillers = []

    def fill_backlog(self) -> bool:
        """Connect until a connect no longer completes; True once one hangs."""
        for _ in range(16):
            filler = socket.socket()
            filler.settimeout(0.3)
            try:
                filler.connect(("127.0.0.1", self.port))
            except TimeoutError:
                filler.close()
                return True
            self.fillers.append(filler)
        return False

    def close(self):
        for filler in self.fillers:
            filler.close()
        self.listener.close()


@pytest.fixture
def blackhole():
    hole = Blackhole()
    yield hole
    hole.close()


HEALTHZ = (
    "import json, time; from django.test import Client; t = time.monotonic(); "
    "r = Client().get('/healthz', HTTP_HOST='news.example.kr'); "
    "print(json.dumps([r.status_code, r.json()['checks']['cache'], "
    "time.monotonic() - t]))"
)


def healthz_against(port: int, tmp_path) -> tuple[int, dict, float]:
    import json

    # Without a socket timeout the check would wait forever: the subprocess's
    # own time limit then fails the test instead of hanging the suite.
    result = manage_shell(
        HEALTHZ,
        timeout=60,
        REDIS_URL=f"redis://127.0.0.1:{port}/1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'health.sqlite3'}",
        NEWSROOM_LOG_LEVEL="CRITICAL",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return tuple(json.loads(result.stdout.strip().splitlines()[-1]))


def test_healthz_gives_up_on_a_redis_that_accepts_and_never_answers(
    blackhole, tmp_path
):
    status, cache_check, inside = healthz_against(blackhole.port, tmp_path)
    assert status == 503
    assert cache_check["ok"] is False
    assert cache_check["error"] == "TimeoutError"
    # 0.5 s of socket timeout, plus importing redis-py on a busy machine.
    assert inside < 3, f"/healthz took {inside:.1f} s against a silent Redis"


def test_healthz_gives_up_on_a_redis_whose_packets_are_dropped(blackhole, tmp_path):
    if not blackhole.fill_backlog():
        pytest.skip(
            "LOOPBACK ACCEPTS PAST THE BACKLOG here: no hanging connect to test"
        )
    status, cache_check, inside = healthz_against(blackhole.port, tmp_path)
    assert status == 503
    assert cache_check["ok"] is False
    assert cache_check["error"] == "TimeoutError"
    assert inside < 3, f"/healthz took {inside:.1f} s against a blackholed Redis"
