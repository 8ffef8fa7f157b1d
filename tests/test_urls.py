"""Public addresses typed in decomposed Hangul answer one way: a 301 to NFC."""

import unicodedata
from urllib.parse import quote, unquote

import pytest
from django.urls import reverse

from articles import workflow
from articles.models import Article
from tests.factories import make_article, make_author

pytestmark = pytest.mark.django_db


def decomposed(url: str) -> str:
    """`url` as macOS sends it: jamo instead of syllables, percent-encoded."""
    text = unicodedata.normalize("NFD", unquote(url))
    assert text != url, "the address must hold Hangul for this test to mean much"
    return quote(text, safe="/")


def composed_path(name: str, slug: str) -> str:
    return reverse(name, kwargs={"slug": slug})


@pytest.fixture
def live():
    return make_article(
        title="방북 특사단 발표",
        slug="방북-특사단-발표",
        categories=["정치"],
        authors=[make_author("한지민")],
    )


def test_composed_addresses_answer_directly(client, live):
    for url in (
        live.get_absolute_url(),
        composed_path("articles:category", "정치"),
        composed_path("articles:author", "한지민"),
        composed_path("category-feed-rss", "정치"),
        composed_path("category-feed-atom", "정치"),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("articles:detail", "방북-특사단-발표"),
        ("articles:category", "정치"),
        ("articles:author", "한지민"),
        ("category-feed-rss", "정치"),
        ("category-feed-atom", "정치"),
    ],
)
def test_decomposed_address_redirects_permanently_to_the_composed_one(
    client, live, name, slug
):
    target = composed_path(name, slug)

    response = client.get(decomposed(reverse(name, kwargs={"slug": slug})))

    assert response.status_code == 301
    assert response["Location"] == target
    assert client.get(response["Location"]).status_code == 200


def test_decomposed_address_of_a_taken_down_article_redirects_then_answers_410(
    client, live, editor
):
    workflow.take_down(live, by=editor, notice="법원 결정으로 삭제 조치했습니다.")

    response = client.get(decomposed(live.get_absolute_url()))

    assert response.status_code == 301
    assert response["Location"] == live.get_absolute_url()
    gone = client.get(response["Location"])
    assert gone.status_code == 410
    assert "법원 결정으로 삭제 조치했습니다." in gone.content.decode()


@pytest.mark.parametrize(
    "state", [{"status": Article.Status.DRAFT}, {"status": Article.Status.UNPUBLISHED}]
)
def test_decomposed_address_of_a_hidden_article_redirects_then_answers_404(
    client, state
):
    hidden = make_article(title="숨은 기사", slug="숨은-기사", **state)

    response = client.get(decomposed(hidden.get_absolute_url()))

    assert response.status_code == 301
    assert client.get(response["Location"]).status_code == 404


def test_decomposed_feed_of_a_category_without_live_articles_redirects_then_404(
    client,
):
    make_article(title="초안", categories=["단독"], status=Article.Status.DRAFT)
    feed = composed_path("category-feed-rss", "단독")

    response = client.get(decomposed(feed))

    assert response.status_code == 301
    assert response["Location"] == feed
    assert client.get(feed).status_code == 404


def test_redirect_keeps_the_query_string(client, live):
    category = composed_path("articles:category", "정치")
    query = "page=1&utm_source=" + quote("카카오톡")

    response = client.get(f"{decomposed(category)}?{query}")

    assert response.status_code == 301
    assert response["Location"] == f"{category}?{query}"


def test_unknown_decomposed_address_redirects_then_answers_404(client):
    response = client.get(decomposed("/articles/없는-기사/"))

    assert response.status_code == 301
    assert client.get(response["Location"]).status_code == 404


# A NUL byte: PostgreSQL refuses it in any text value, so it must never reach
# a lookup (it answered 500 there). Run on both databases.
NUL_URLS = [
    "/articles/%00/",
    "/articles/%EB%B0%A9%00%EB%B6%81/",
    "/categories/%00/",
    "/authors/%00/",
    "/categories/%00/feed/rss/",
    "/categories/%00/feed/atom/",
    "/categories/%EC%A0%95%EC%B9%98%00/feed/rss/",
    "/share/%00/",
    "/sitemap-%00.xml",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_a_nul_byte_in_a_public_address_answers_404(client, live, url):
    response = client.get(url)

    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in response.content.decode()


def test_a_nul_byte_in_a_search_answers_the_results_page(client, live):
    response = client.get("/search/", {"q": "방북\x00"})

    assert response.status_code == 200
