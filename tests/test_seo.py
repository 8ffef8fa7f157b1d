import io
import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles import seo, tasks
from articles.models import Article
from tests.factories import (
    make_article,
    make_author,
    make_seed_like_article,
    stored_image,
    update_article,
)

SITE = "https://news.example.kr"
NOW = timezone.now().replace(microsecond=0)
HOSTILE_TITLE = "</script><script>alert(1)</script> & <!-- \"따옴표\" '작은따옴표'"
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script', re.S)


@pytest.fixture(autouse=True)
def site_identity(settings):
    # Not the test client's host, so a URL built from the request would show.
    settings.NEWSROOM_SITE_URL = SITE
    settings.NEWSROOM_SITE_NAME = "서울신문고"
    settings.NEWSROOM_PUBLISHER_NAME = "주식회사 서울신문고"


class HeadTags(HTMLParser):
    """The <meta> and <link> tags of a page, with attribute values unescaped."""

    def __init__(self, page: str):
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: dict[str, list[dict]] = {}
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "content" in attrs:
            key = attrs.get("property") or attrs.get("name")
            self.meta.setdefault(key, []).append(attrs["content"])
        elif tag == "link":
            self.links.setdefault(attrs["rel"], []).append(attrs)

    def one(self, key: str) -> str:
        (value,) = self.meta[key]
        return value

    def canonical(self) -> str:
        (link,) = self.links["canonical"]
        return link["href"]


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def json_ld(html: str) -> dict:
    (block,) = LD_JSON.findall(html)
    return json.loads(block)


def absolute(path: str) -> str:
    return SITE + path


def ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def png_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 630), "navy").save(buffer, format="PNG")
    return SimpleUploadedFile("내 사진.png", buffer.getvalue(), "image/png")


# Article pages


@pytest.mark.django_db
def test_article_page_has_description_canonical_and_open_graph(client):
    kim = make_author("김서울")
    park = make_author("박부산", slug="park")
    article = make_seed_like_article(authors=[park, kim], publish_at=ago(5))
    update_article(article, last_public_change_at=ago(1))
    url = absolute(reverse("articles:detail", kwargs={"slug": article.slug}))

    html = page(client, article.get_absolute_url())
    tags = HeadTags(html)

    assert f"<title>{article.title} | 서울신문고</title>" in html
    assert tags.one("description") == article.excerpt
    assert tags.canonical() == url
    assert tags.one("og:type") == "article"
    assert tags.one("og:url") == url
    assert tags.one("og:title") == article.title
    assert tags.one("og:description") == article.excerpt
    assert tags.one("og:site_name") == "서울신문고"
    assert tags.one("og:locale") == "ko_KR"
    # The seed's image is external: it is shown as it is.
    assert tags.one("og:image") == article.image_url
    assert datetime.fromisoformat(tags.one("article:published_time")) == ago(5)
    assert datetime.fromisoformat(tags.one("article:modified_time")) == ago(1)
    assert tags.one("article:section") == "News"
    assert tags.meta["article:tag"] == ["News"]
    assert tags.meta["article:author"] == [
        absolute(park.get_absolute_url()),
        absolute(kim.get_absolute_url()),
    ]
    assert tags.one("twitter:card") == "summary_large_image"
    assert tags.one("twitter:title") == article.title
    assert tags.one("twitter:image") == article.image_url
    assert "testserver" not in html


@pytest.mark.django_db
def test_uploaded_image_is_shared_with_an_absolute_url(client):
    upload = png_upload()
    image = stored_image(upload.name, upload.read(), alt="서울시청 전경")
    article = make_article(image=image)
    # Before its renditions exist nothing is shared: never the private original.
    assert "og:image" not in HeadTags(page(client, article.get_absolute_url())).meta
    tasks.make_renditions.call(article.image_id)  # what the task worker runs
    article = Article.objects.get(pk=article.pk)

    tags = HeadTags(page(client, article.get_absolute_url()))
    data = json_ld(page(client, article.get_absolute_url()))

    image_url = absolute(article.picture.largest.url)
    assert image_url.startswith(f"{SITE}/media/articles/renditions/")
    assert tags.one("og:image") == image_url
    assert tags.one("og:image:width") == "1200"
    assert tags.one("og:image:height") == "630"
    assert tags.one("og:image:alt") == "서울시청 전경"
    assert tags.one("twitter:image") == image_url
    assert data["image"] == [image_url]


@pytest.mark.django_db
def test_article_without_image_gets_a_small_card(client):
    article = make_article(image_url="")

    html = page(client, article.get_absolute_url())
    tags = HeadTags(html)

    assert tags.one("twitter:card") == "summary"
    assert "og:image" not in tags.meta
    assert "image" not in json_ld(html)


@pytest.mark.django_db
def test_article_page_describes_itself_as_a_news_article_in_json_ld(client):
    kim = make_author("김서울")
    park = make_author("박부산", slug="park")
    article = make_seed_like_article(authors=[park, kim], publish_at=ago(5))
    url = absolute(article.get_absolute_url())

    data = json_ld(page(client, article.get_absolute_url()))

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.title
    assert data["description"] == article.excerpt
    assert data["image"] == [article.image_url]
    assert datetime.fromisoformat(data["datePublished"]) == ago(5)
    # Never corrected: the last public change is the publication.
    assert datetime.fromisoformat(data["dateModified"]) == ago(5)
    assert data["author"] == [
        {"@type": "Person", "name": "박부산", "url": absolute(park.get_absolute_url())},
        {"@type": "Person", "name": "김서울", "url": absolute(kim.get_absolute_url())},
    ]
    assert data["publisher"]["@type"] == "Organization"
    assert data["publisher"]["name"] == "주식회사 서울신문고"
    logo = data["publisher"]["logo"]
    assert logo["@type"] == "ImageObject"
    assert logo["url"].startswith(f"{SITE}/")
    assert logo["url"].endswith("img/logo.png")
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["inLanguage"] == "ko"
    assert data["articleSection"] == ["News"]


def test_publisher_logo_setting_names_a_static_file(settings):
    assert finders.find(settings.NEWSROOM_PUBLISHER_LOGO) is not None


@pytest.mark.django_db
def test_json_ld_is_modified_at_the_last_public_change(client):
    article = make_article(publish_at=ago(5))
    update_article(article, last_public_change_at=ago(1))

    data = json_ld(page(client, article.get_absolute_url()))

    assert datetime.fromisoformat(data["datePublished"]) == ago(5)
    assert datetime.fromisoformat(data["dateModified"]) == ago(1)


@pytest.mark.django_db
def test_a_change_before_publication_never_dates_the_page_earlier(client):
    # Corrected at ago(5), then held back and published again at ago(2).
    article = make_article(publish_at=ago(2))
    update_article(article, last_public_change_at=ago(5))

    text = page(client, article.get_absolute_url())
    data, head = json_ld(text), HeadTags(text)

    assert datetime.fromisoformat(data["dateModified"]) == ago(2)
    assert datetime.fromisoformat(head.one("article:modified_time")) == ago(2)
    assert "수정 <time" not in text


@pytest.mark.django_db
def test_hostile_title_cannot_close_the_json_ld_script(client):
    article = make_article(title=HOSTILE_TITLE, excerpt="요약 </SCRIPT> & 끝")

    html = page(client, article.get_absolute_url())
    start = html.index('<script type="application/ld+json">')
    end = html.index("</script", start)
    block = html[start + len('<script type="application/ld+json">') : end]

    # The first "</script" after the opening tag is the block's own end tag,
    # and what lies between parses back to the original values.
    assert html[end:].startswith("</script>")
    assert "<" not in block and ">" not in block and "&" not in block
    data = json.loads(block)
    assert data["headline"] == HOSTILE_TITLE
    assert data["description"] == "요약 </SCRIPT> & 끝"
    assert "<script>alert(1)" not in html


@pytest.mark.django_db
def test_quotes_in_title_stay_inside_meta_attributes(client):
    article = make_article(
        title='서울시 "예산" 발표 \' onmouseover="alert(1)', excerpt='"요약" <b>'
    )

    html = page(client, article.get_absolute_url())
    tags = HeadTags(html)

    assert tags.one("og:title") == article.title
    assert tags.one("twitter:title") == article.title
    assert tags.one("description") == '"요약" <b>'
    assert 'onmouseover="alert(1)' not in html
    assert "&quot;예산&quot;" in html


@pytest.mark.django_db
def test_article_page_has_exactly_one_json_ld_block(client):
    article = make_article()

    html = page(client, article.get_absolute_url())

    assert html.count('type="application/ld+json"') == 1
    assert 'type="application/json"' not in html


# The json_ld tag


def render(source: str, **context) -> str:
    return Template("{% load articles_tags %}" + source).render(Context(context))


def test_json_ld_tag_escapes_markup_and_keeps_korean_readable():
    data = {"headline": "방북 <b>속보</b> & 분석", "@type": "NewsArticle"}

    html = render("{% json_ld data %}", data=data)

    assert html == (
        '<script type="application/ld+json">'
        '{"headline": "방북 \\u003cb\\u003e속보\\u003c/b\\u003e \\u0026 분석", '
        '"@type": "NewsArticle"}</script>'
    )
    body = html.removeprefix('<script type="application/ld+json">')
    assert json.loads(body.removesuffix("</script>")) == data


@pytest.mark.django_db
def test_news_article_filter_gives_the_same_data_as_the_page(client):
    article = make_article(categories=["정치"])

    html = render("{% json_ld article|news_article %}", article=article)

    assert json.loads(LD_JSON.findall(html)[0]) == json_ld(
        page(client, article.get_absolute_url())
    )


# Listing pages


@pytest.mark.django_db
def test_front_page_has_canonical_and_site_open_graph(client):
    make_article()

    tags = HeadTags(page(client, "/"))

    assert tags.canonical() == f"{SITE}/"
    assert tags.one("og:type") == "website"
    assert tags.one("og:url") == f"{SITE}/"
    assert tags.one("og:site_name") == "서울신문고"
    assert tags.one("og:title") == "서울신문고"
    assert tags.one("og:locale") == "ko_KR"
    assert tags.one("description") == "서울신문고의 최신 기사"
    assert tags.one("og:description") == "서울신문고의 최신 기사"


@pytest.mark.django_db
def test_later_pages_keep_their_page_number_in_the_canonical_url(client, settings):
    settings.NEWSROOM_ARTICLES_PER_PAGE = 2
    # Four: the front page shows the newest as its lead, outside the pages.
    for hours in (1, 2, 3, 4):
        make_article(categories=["정치"], publish_at=ago(hours))
    category = reverse("articles:category", kwargs={"slug": "정치"})

    assert HeadTags(page(client, "/?page=2")).canonical() == f"{SITE}/?page=2"
    assert HeadTags(page(client, "/?page=1")).canonical() == f"{SITE}/"
    assert HeadTags(page(client, f"{category}?page=2")).canonical() == (
        absolute(f"{category}?page=2")
    )


@pytest.mark.django_db
def test_category_page_has_canonical_open_graph_and_its_feeds(client):
    article = make_article(categories=["정치"])
    category = article.categories.get()
    category.description = "국회와 정당 소식"
    category.save()

    tags = HeadTags(page(client, category.get_absolute_url()))

    assert tags.canonical() == absolute(category.get_absolute_url())
    assert tags.one("og:url") == absolute(category.get_absolute_url())
    assert tags.one("og:title") == "정치"
    assert tags.one("og:site_name") == "서울신문고"
    assert tags.one("description") == "국회와 정당 소식"
    feeds = [link["href"] for link in tags.links["alternate"]]
    assert reverse("category-feed-rss", kwargs={"slug": "정치"}) in feeds
    assert reverse("category-feed-atom", kwargs={"slug": "정치"}) in feeds


@pytest.mark.django_db
def test_author_page_has_canonical_and_open_graph(client):
    author = make_author("김서울")
    make_article(authors=[author])

    tags = HeadTags(page(client, author.get_absolute_url()))

    assert tags.canonical() == absolute(author.get_absolute_url())
    assert tags.one("og:title") == "김서울"
    assert tags.one("og:site_name") == "서울신문고"
    assert tags.one("description") == "서울신문고 김서울의 기사"


@pytest.mark.django_db
def test_archive_pages_have_canonical_and_open_graph(client):
    make_article(publish_at=datetime(2024, 6, 17, 9, 0, tzinfo=UTC))

    year = HeadTags(page(client, "/archive/2024/"))
    month = HeadTags(page(client, "/archive/2024/06/"))

    assert year.canonical() == f"{SITE}/archive/2024/"
    assert year.one("og:title") == "2024년 기사"
    assert month.canonical() == f"{SITE}/archive/2024/06/"
    assert month.one("og:url") == f"{SITE}/archive/2024/06/"
    assert month.one("description") == "서울신문고의 2024년 6월 기사"


# Absolute URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/articles/방북/", f"{SITE}/articles/방북/"),
        ("static/img/logo.png", f"{SITE}/static/img/logo.png"),
        ("https://cdn.example.kr/a.jpg", "https://cdn.example.kr/a.jpg"),
        ("http://img.example.kr/b.jpg", "http://img.example.kr/b.jpg"),
        ("//cdn.example.kr/c.jpg", "https://cdn.example.kr/c.jpg"),
    ],
    ids=["site-path", "relative", "https", "http", "scheme-relative"],
)
def test_absolute_url_builds_on_the_site_url(url, expected):
    assert seo.absolute_url(url) == expected
