"""Bulk loads render their bodies in a small process pool, with render_body's output."""

import unicodedata
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles import limits, prerendering, rendering
from articles.importing.writing import import_paths
from articles.models import Article
from benchmarks import corpus
from search import analysis, indexing
from search.models import SearchEntry

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
        # With the HTML, the text the search index holds of it and its terms.
        for body, fmt in BODIES:
            html = rendering.render_body(body, fmt)
            compact, grams = prerendering.body_analysis(html)
            assert compact == analysis.body_compact(html)
            assert set(grams.split()) == analysis.grams(compact)
        assert prerendering.body_analysis("<p>다른 본문</p>") is None
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


def test_an_entry_from_the_pools_analysis_is_the_one_built_in_process(pool):
    articles = [
        Article(
            pk=number,
            title="푸틴 방북 회담",
            excerpt="북-러 관계",
            body_html=rendering.render_body(body, fmt),
        )
        for number, (body, fmt) in enumerate(BODIES, start=1)
    ]
    built_here = [indexing.analyse_article(a, ["정치", "북한"]) for a in articles]

    with prerendering.ahead(BODIES):
        for body, fmt in BODIES:
            prerendering.rendered(body, fmt)  # as each save does
        assert all(prerendering.body_analysis(a.body_html) for a in articles)
        from_pool = [indexing.analyse_article(a, ["정치", "북한"]) for a in articles]

    assert from_pool == built_here


@pytest.mark.django_db
def test_a_load_takes_the_pools_limits_check_and_search_text(pool, scans, tmp_path):
    posts = corpus.generate(8, body_chars=300)
    fixture = corpus.write_json(corpus.article_fixture(posts), tmp_path / "a.json")

    call_command("loaddata", str(fixture), stdout=StringIO())

    assert scans == []  # checked once, in the pool
    for article in Article.objects.all():
        document = SearchEntry.objects.get(article=article).document
        assert analysis.body_compact(article.body_html) in document.split("|")


@pytest.mark.django_db
def test_a_body_the_pool_did_not_check_as_typed_is_scanned_in_the_save(
    pool, scans, tmp_path
):
    posts = corpus.generate(3, body_chars=300)
    decomposed = "<p>" + unicodedata.normalize("NFD", "한국어 본문") + "</p>"
    fixture = corpus.article_fixture(posts)
    first, second, _ = (row for row in fixture if row["model"] == "articles.article")
    first["fields"]["body"] = decomposed
    second["fields"]["body"] = OVER_LIMIT[0]

    with pytest.raises(CommandError, match="본문이 너무 깁니다"):
        call_command(
            "loaddata",
            str(corpus.write_json(fixture, tmp_path / "a.json")),
            stdout=StringIO(),
        )

    assert decomposed in scans  # composed in the pool, so checked here as typed
    assert OVER_LIMIT[0] in scans
    assert not Article.objects.exists()
