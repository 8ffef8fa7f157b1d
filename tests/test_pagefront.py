"""Repeat page-cache hits answered in front of Django's handler
(articles/pagefront.py): the same page and headers, never stale, and never for
a request that carries a session, asks conditionally or is not a plain GET."""

from urllib.parse import unquote_to_bytes

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from articles import workflow
from articles.pagefront import PageFront
from tests.factories import make_article
from tests.test_pagecache import page_cache, redis_page_cache  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(page_cache):  # noqa: F811
    """The WSGI application as gunicorn runs it, and how many requests reached
    Django's handler (request_started, a real signal)."""
    started = []

    def count(**kwargs):
        started.append(True)

    # As Django's test client does: the test's transaction must stay open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.connect(count)
    yield PageFront(WSGIHandler()), started
    request_started.disconnect(count)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def served(application, path: str, **environ) -> tuple[str, dict, str]:
    base = RequestFactory().get("/").environ
    # WSGI carries the path's bytes, unquoted, as ISO-8859-1 text.
    base["PATH_INFO"] = unquote_to_bytes(path).decode("iso-8859-1")
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(application({**base, **environ}, start_response))
    return answer["status"], answer["headers"], body.decode()


def test_a_repeat_hit_is_answered_before_django_with_the_same_page(
    site,
    redis_page_cache,  # noqa: F811
):
    application, started = site
    article = make_article(title="앞단에서 답하는 기사")
    path = article.get_absolute_url()
    assert served(application, path)[1]["X-Page-Cache"] == "MISS"
    status, through_django, page = served(application, path)
    assert through_django["X-Page-Cache"] == "HIT"
    before = len(started)

    status, headers, again = served(application, path)

    assert len(started) == before  # Django's handler never ran
    assert status == "200 OK" and again == page
    assert "앞단에서 답하는 기사" in again
    assert headers.keys() == through_django.keys()
    # SecurityMiddleware's headers, added outside the page cache, are kept.
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Page-Cache"] == "HIT"


def test_a_change_shows_on_the_next_request_through_the_front(
    site, editor, django_capture_on_commit_callbacks
):
    application, started = site
    article = make_article(title="고치기 전 제목")
    path = article.get_absolute_url()
    for _ in range(3):
        served(application, path)
    before = len(started)

    article.title = "고친 뒤 제목"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.save_article(article, by=editor, expected_version=article.version)
    status, headers, page = served(application, path)

    assert len(started) == before + 1  # no longer fresh: Django renders it
    assert headers["X-Page-Cache"] == "MISS"
    assert "고친 뒤 제목" in page and "고치기 전 제목" not in page


@pytest.mark.parametrize(
    "environ",
    [
        {"HTTP_COOKIE": "theme=dark; sessionid=abc"},
        {"HTTP_COOKIE": "csrftoken=abc"},
        {"HTTP_AUTHORIZATION": "Basic ZWRpdG9yOnNlY3JldA=="},
        {"REQUEST_METHOD": "HEAD"},
    ],
)
def test_a_request_that_may_be_a_person_goes_to_django(site, environ):
    application, started = site
    path = make_article(title="로그인한 사람에게는").get_absolute_url()
    for _ in range(3):
        served(application, path)
    before = len(started)

    status, headers, page = served(application, path, **environ)

    assert len(started) == before + 1
    assert "X-Page-Cache" not in headers  # the page cache passed it by too


def test_a_conditional_request_gets_its_304_from_django(site):
    application, started = site
    path = make_article(title="조건부 요청").get_absolute_url()
    for _ in range(3):
        etag = served(application, path)[1]["ETag"]
    before = len(started)

    status, headers, page = served(application, path, HTTP_IF_NONE_MATCH=etag)

    assert len(started) == before + 1
    assert status.startswith("304") and page == ""


def test_with_the_page_cache_turned_off_every_request_goes_to_django(site, settings):
    application, started = site
    path = make_article(title="캐시를 끈 사이트").get_absolute_url()
    for _ in range(3):
        served(application, path)
    settings.NEWSROOM_PAGE_CACHE = False
    before = len(started)

    status, headers, page = served(application, path)

    assert len(started) == before + 1
    assert "X-Page-Cache" not in headers and "캐시를 끈 사이트" in page
