"""Bulk loads render their bodies in a small process pool, with render_body's output."""

from io import StringIO

import pytest
from django.core.management import call_command

from articles import limits, prerendering, rendering
from articles.importing.writing import import_paths
from articles.models import Article
from benchmarks import corpus

BODIES = [
    ("<p>푸틴 방북<script>alert(1)</script> 소식</p><h1>제목</h1>", "html"),
    ("# 북-러 관계\n\n**푸틴** [방북](https://e.kr/방북)\n\n| a |\n|---|\n| 1 |",
     "markdown"),
    ('<section><a href="javascript:alert(1)">링크</a></section>', "html"),
]  # fmt: skip
OVER_LIMIT = ("<p>" + "가" * (limits.MAX_BODY_CHARACTERS + 1) + "</p>", "html")


@pytest.fixture
def pool(settings, monkeypatch):
    settings.NEWSROOM_BULK_RENDER_PROCESSES = 2
    monkeypatch.setattr(prerendering, "MIN_BODIES", 1)


def test_bodies_rendered_ahead_are_what_render_body_gives(pool):
    with prerendering.ahead([*BODIES, OVER_LIMIT, ("본문", "rtf")]):
        for body, fmt in BODIES:
            assert prerendering.rendered(body, fmt) == rendering.render_body(body, fmt)
        # Over a limit, or not renderable: the save refuses or reports it itself.
        assert prerendering.rendered(*OVER_LIMIT) is None
        assert prerendering.rendered("본문", "rtf") is None
        assert prerendering.rendered("<p>알리지 않은 본문</p>", "html") is None
    assert prerendering.rendered(*BODIES[0]) is None


def test_no_pool_when_turned_off(settings, monkeypatch):
    settings.NEWSROOM_BULK_RENDER_PROCESSES = 0
    monkeypatch.setattr(prerendering, "MIN_BODIES", 1)
    with prerendering.ahead(BODIES):
        assert prerendering.rendered(*BODIES[0]) is None


def test_no_pool_for_a_small_load(settings):
    settings.NEWSROOM_BULK_RENDER_PROCESSES = 2
    with prerendering.ahead(BODIES[: prerendering.MIN_BODIES - 1]):
        assert prerendering.rendered(*BODIES[0]) is None


@pytest.mark.django_db
def test_loaddata_renders_in_the_pool_what_a_save_renders(pool, renders, tmp_path):
    posts = corpus.generate(8, body_chars=300)
    fixture = corpus.write_json(corpus.article_fixture(posts), tmp_path / "a.json")

    call_command("loaddata", str(fixture), stdout=StringIO())

    assert renders == []  # all in the pool
    articles = Article.objects.order_by("document_key")
    assert [a.body_html for a in articles] == [
        rendering.render_body(post.body, "html") for post in posts
    ]


@pytest.mark.django_db
def test_import_renders_in_the_pool_what_a_save_renders(pool, renders, tmp_path):
    posts = corpus.generate(8, body_chars=300)
    folder = corpus.write_documents(posts, tmp_path / "documents")

    import_paths([folder])

    assert renders == []
    articles = Article.objects.order_by("document_key")
    assert [a.body_html for a in articles] == [
        rendering.render_body(post.body, "html") for post in posts
    ]
