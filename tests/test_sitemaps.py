import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import sitemaps
from articles.models import Article
from tests.factories import make_article, make_author
from tests.nonpublic import make_nonpublic_articles

pytestmark = pytest.mark.django_db

SITE = "https://news.example.kr"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
NOW = timezone.now().replace(microsecond=0)
SECTIONS = ["articles", "news", "categories", "authors"]


@pytest.fixture(autouse=True)
def site_url(settings):
    # Not the test client's host, so a URL built from the request would show.
    settings.NEWSROOM_SITE_URL = SITE


def fetch(client, url) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    return ET.fromstring(response.content)


def locations(root: ET.Element) -> list[str]:
    return [loc.text for loc in root.iter(f"{SM}loc")]


def lastmods(root: ET.Element) -> dict[str, datetime]:
    return {
        url.findtext(f"{SM}loc"): datetime.fromisoformat(url.findtext(f"{SM}lastmod"))
        for url in root.findall(f"{SM}url")
    }


def absolute(path: str) -> str:
    return SITE + path


def section_url(section: str) -> str:
    return reverse("sitemap", kwargs={"section": section})


def ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def test_index_lists_every_section_sitemap_with_absolute_urls(client):
    make_article(categories=["정치"], authors=[make_author()])

    index = fetch(client, "/sitemap.xml")

    assert index.tag == f"{SM}sitemapindex"
    assert locations(index) == [absolute(section_url(section)) for section in SECTIONS]
    for section in SECTIONS:
        fetch(client, section_url(section))


def test_index_carries_each_section_latest_change(client):
    article = make_article(publish_at=ago(30), categories=["정치"])
    make_article(publish_at=ago(50))
    Article.objects.filter(pk=article.pk).update(last_public_change_at=ago(2))

    index = fetch(client, "/sitemap.xml")
    latest = {
        entry.findtext(f"{SM}loc"): entry.findtext(f"{SM}lastmod")
        and (datetime.fromisoformat(entry.findtext(f"{SM}lastmod")))
        for entry in index.findall(f"{SM}sitemap")
    }

    assert latest == {
        absolute(section_url("articles")): ago(2),
        absolute(section_url("news")): ago(2),
        absolute(section_url("categories")): ago(2),
        # No author has a live article: nothing to date.
        absolute(section_url("authors")): None,
    }


def test_a_long_section_is_listed_page_by_page(client, monkeypatch):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    first, second, third = (make_article(publish_at=ago(h)) for h in (1, 2, 3))

    index = fetch(client, "/sitemap.xml")
    articles_url = absolute(section_url("articles"))

    assert f"{articles_url}?p=2" in locations(index)
    assert locations(fetch(client, section_url("articles"))) == [
        absolute(first.get_absolute_url()),
        absolute(second.get_absolute_url()),
    ]
    assert locations(fetch(client, f"{section_url('articles')}?p=2")) == [
        absolute(third.get_absolute_url())
    ]


def test_unknown_section_is_not_found(client):
    assert client.get("/sitemap-tags.xml").status_code == 404


def test_article_sitemap_lists_only_live_articles(client):
    live = make_article(title="공개된 기사")
    hidden = make_nonpublic_articles()

    response = client.get(section_url("articles"))

    assert locations(ET.fromstring(response.content)) == [
        absolute(live.get_absolute_url())
    ]
    for article in hidden:
        assert article.slug not in response.content.decode()


def test_article_lastmod_is_the_last_public_change(client):
    corrected = make_article(publish_at=ago(10))
    untouched = make_article(publish_at=ago(20))
    Article.objects.filter(pk=corrected.pk).update(last_public_change_at=ago(1))

    dates = lastmods(fetch(client, section_url("articles")))

    assert dates == {
        absolute(corrected.get_absolute_url()): ago(1),
        absolute(untouched.get_absolute_url()): ago(20),
    }


def test_category_sitemap_lists_categories_with_live_articles(client):
    make_article(categories=["정치", "경제"], publish_at=ago(5))
    make_article(categories=["정치"], publish_at=ago(3))
    # A later draft neither adds its category nor moves the others' lastmod.
    make_nonpublic_articles(categories=["단독", "정치"])

    response = client.get(section_url("categories"))
    dates = lastmods(ET.fromstring(response.content))

    politics = reverse("articles:category", kwargs={"slug": "정치"})
    economy = reverse("articles:category", kwargs={"slug": "경제"})
    assert dates == {absolute(politics): ago(3), absolute(economy): ago(5)}
    assert "단독" not in response.content.decode()


def test_author_sitemap_lists_authors_with_live_articles(client):
    kim = make_author("김서울")
    park = make_author("박부산", slug="park")
    lee = make_author("이대구", slug="lee")
    make_article(authors=[kim, park], publish_at=ago(6))
    make_article(authors=[kim], publish_at=ago(2))
    make_nonpublic_articles(authors=[lee, park])

    dates = lastmods(fetch(client, section_url("authors")))

    assert dates == {
        absolute(kim.get_absolute_url()): ago(2),
        absolute(park.get_absolute_url()): ago(6),
    }


def test_news_sitemap_holds_live_articles_of_the_last_48_hours(client, settings):
    settings.NEWSROOM_PUBLISHER_NAME = "서울신문고"
    now = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(now, tick=False):
        recent = make_article(
            title="보스토치니 정상회담 속보", publish_at=now - timedelta(hours=1)
        )
        edge = make_article(
            title="마흔일곱 시간 전 기사",
            publish_at=now - timedelta(hours=47, minutes=59),
        )
        make_article(
            title="사흘 전 기사", publish_at=now - timedelta(hours=48, minutes=1)
        )
        make_nonpublic_articles()

        response = client.get(section_url("news"))

    text = response.content.decode()
    root = ET.fromstring(response.content)
    assert 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' in text
    assert locations(root) == [
        absolute(recent.get_absolute_url()),
        absolute(edge.get_absolute_url()),
    ]
    for url, article in zip(root.findall(f"{SM}url"), (recent, edge), strict=True):
        news = url.find(f"{NEWS}news")
        assert news.findtext(f"{NEWS}publication/{NEWS}name") == "서울신문고"
        assert news.findtext(f"{NEWS}publication/{NEWS}language") == "ko"
        assert news.findtext(f"{NEWS}title") == article.title
        published = datetime.fromisoformat(news.findtext(f"{NEWS}publication_date"))
        assert published == article.publish_at
    assert "사흘 전 기사" not in text


def test_news_sitemap_escapes_titles(client):
    make_article(title='북-러 "조약" <개정> & 협력')

    root = fetch(client, section_url("news"))

    assert root.findtext(f".//{NEWS}title") == '북-러 "조약" <개정> & 협력'


def test_robots_txt_names_the_sitemap_index_and_keeps_crawlers_out(client):
    response = client.get("/robots.txt")
    lines = response.content.decode().splitlines()

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "User-agent: *" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    for path in ("/admin/", "/preview/", "/share/"):
        assert f"Disallow: {path}" in lines


@pytest.mark.parametrize("url", ["/sitemap.xml", *map(section_url, SECTIONS)])
def test_sitemap_queries_do_not_grow_with_articles(
    client, django_assert_num_queries, url
):
    counter = iter(range(1000))

    def add(count):
        for _ in range(count):
            n = next(counter)
            make_article(
                categories=[f"분야{n}", "정치"],
                authors=[make_author(f"기자{n}", slug=f"reporter-{n}")],
            )

    add(3)
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    add(7)

    with django_assert_num_queries(len(three.captured_queries)):
        root = fetch(client, url)
    if url != "/sitemap.xml":
        assert len(root.findall(f"{SM}url")) >= 10


def test_index_sends_last_modified_when_every_section_has_a_date(client):
    author = make_author()
    make_article(publish_at=ago(30), categories=["정치"], authors=[author])
    newest = make_article(publish_at=ago(20), authors=[author])
    Article.objects.filter(pk=newest.pk).update(last_public_change_at=ago(3))

    response = client.get("/sitemap.xml")

    assert parsedate_to_datetime(response["Last-Modified"]) == ago(3)
    assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"


def test_index_sends_no_last_modified_when_a_section_has_no_date(client):
    make_article(categories=["정치"])  # no author has a live article

    assert "Last-Modified" not in client.get("/sitemap.xml")


def test_sitemaps_ignore_the_host_the_request_came_to(client):
    make_article(categories=["정치"])

    index = ET.fromstring(
        client.get("/sitemap.xml", HTTP_HOST="127.0.0.1:9999").content
    )
    section = ET.fromstring(
        client.get(section_url("articles"), HTTP_HOST="127.0.0.1:9999").content
    )

    for url in locations(index) + locations(section):
        assert url.startswith(f"{SITE}/"), url
