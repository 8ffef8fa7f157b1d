"""The PostgreSQL health check (newsroom/postgresql/base.py): skipped on a
connection that answered a request a moment ago, run on one that sat idle, so
a connection the server dropped while idle is replaced before a page uses it."""

import pytest
from django.db import connection, connections

from newsroom.postgresql import base
from tests.factories import make_article

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL's health check (SQLite's connections need none)",
    ),
]


@pytest.fixture
def health_checks(monkeypatch):
    """Count the checks Django runs (each is a SELECT 1 round trip)."""
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    checks = []
    real = connection.is_usable

    def counted():
        checks.append(True)
        return real()

    monkeypatch.setattr(connection, "is_usable", counted)
    return checks


def served(path: str) -> tuple[str, str]:
    """A request through Django's WSGI handler, which (unlike the test client)
    runs close_old_connections when each request starts and ends."""
    from urllib.parse import unquote_to_bytes

    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    environ = RequestFactory().get("/").environ
    # WSGI carries the path's bytes, unquoted, as ISO-8859-1 text.
    environ["PATH_INFO"] = unquote_to_bytes(path).decode("iso-8859-1")
    answer = {}

    def start_response(status, headers):
        answer["status"] = status

    body = b"".join(WSGIHandler()(environ, start_response))
    return answer["status"], body.decode()


def test_a_connection_that_just_answered_is_not_checked_again(health_checks):
    article = make_article(title="건강 검사 기사")
    served(article.get_absolute_url())
    checked = len(health_checks)

    for _ in range(3):
        assert served(article.get_absolute_url())[0].startswith("200")

    assert len(health_checks) == checked


def test_a_connection_dropped_while_idle_is_replaced_before_the_page(
    health_checks, monkeypatch
):
    article = make_article(title="서버가 끊은 연결")
    assert served(article.get_absolute_url())[0].startswith("200")
    pid = connection.connection.info.backend_pid
    monkeypatch.setattr(base, "RECENT_SECONDS", 0)  # as if idle for a while
    admin = connections.create_connection("default")
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    admin.close()

    status, page = served(article.get_absolute_url())

    assert status.startswith("200")
    assert "서버가 끊은 연결" in page
    assert connection.connection.info.backend_pid != pid  # a new connection
