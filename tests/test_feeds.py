import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_author
from tests.nonpublic import make_nonpublic_articles

pytestmark = pytest.mark.django_db

SITE = "https://news.example.kr"
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
NOW = timezone.now().replace(microsecond=0)

FEEDS = ["/feeds/rss/", "/feeds/atom/"]


@pytest.fixture(autouse=True)
def site_url(settings):
    # Not the test client's host, so a URL built from the request would show.
    settings.NEWSROOM_SITE_URL = SITE


def fetch(client, url) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    return ET.fromstring(response.content)


def items(feed: ET.Element) -> list[ET.Element]:
    return feed.findall("channel/item") or feed.findall(f"{ATOM}entry")


def titles(feed: ET.Element) -> list[str]:
    return [
        unescape(item.findtext("title") or item.findtext(f"{ATOM}title"))
        for item in items(feed)
    ]


def links(feed: ET.Element) -> list[str]:
    return [
        item.findtext("link") or item.find(f"{ATOM}link").get("href")
        for item in items(feed)
    ]


def absolute(path: str) -> str:
    return SITE + path


def ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def test_rss_lists_live_articles_newest_first_with_absolute_links(client):
    older = make_article(title="세 시간 전 기사", publish_at=ago(3))
    newer = make_article(title="한 시간 전 기사", publish_at=ago(1))
    middle = make_article(title="두 시간 전 기사", publish_at=ago(2))

    response = client.get("/feeds/rss/")
    feed = ET.fromstring(response.content)

    assert response["Content-Type"].startswith("application/rss+xml")
    assert titles(feed) == ["한 시간 전 기사", "두 시간 전 기사", "세 시간 전 기사"]
    assert links(feed) == [
        absolute(article.get_absolute_url()) for article in (newer, middle, older)
    ]
    assert feed.findtext("channel/link") == absolute("/")
    assert feed.find(f"channel/{ATOM}link").get("href") == absolute("/feeds/rss/")
    assert "testserver" not in response.content.decode()


def test_atom_lists_live_articles_newest_first_with_absolute_links(client):
    older = make_article(title="어제 기사", publish_at=ago(24))
    newer = make_article(title="오늘 기사", publish_at=ago(1))

    response = client.get("/feeds/atom/")
    feed = ET.fromstring(response.content)

    assert response["Content-Type"].startswith("application/atom+xml")
    assert titles(feed) == ["오늘 기사", "어제 기사"]
    assert links(feed) == [
        absolute(newer.get_absolute_url()),
        absolute(older.get_absolute_url()),
    ]
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link.get("href") == absolute("/feeds/atom/")
    assert "testserver" not in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [*FEEDS, "/categories/정치/feed/rss/", "/categories/정치/feed/atom/"],
)
def test_feeds_leave_out_articles_readers_may_not_see(client, url):
    make_article(title="공개된 기사", categories=["정치"])
    hidden = make_nonpublic_articles(categories=["정치"])

    response = client.get(url)

    assert titles(ET.fromstring(response.content)) == ["공개된 기사"]
    for article in hidden:
        assert article.title not in response.content.decode()
        assert article.slug not in response.content.decode()


def test_category_feed_holds_only_that_category(client):
    make_article(title="국회 본회의 소식", categories=["정치"], publish_at=ago(2))
    make_article(title="프로야구 개막", categories=["스포츠"], publish_at=ago(1))
    make_article(title="여야 합의", categories=["정치", "경제"], publish_at=ago(3))

    for kind in ("rss", "atom"):
        feed = fetch(client, f"/categories/정치/feed/{kind}/")
        assert titles(feed) == ["국회 본회의 소식", "여야 합의"]


def test_category_feed_links_to_the_category_page_and_itself(client):
    make_article(categories=["정치"])
    category_url = reverse("articles:category", kwargs={"slug": "정치"})

    rss = fetch(client, "/categories/정치/feed/rss/")
    atom = fetch(client, "/categories/정치/feed/atom/")

    assert rss.findtext("channel/link") == absolute(category_url)
    assert rss.find(f"channel/{ATOM}link").get("href") == absolute(
        reverse("category-feed-rss", kwargs={"slug": "정치"})
    )
    assert "정치" in rss.findtext("channel/title")
    assert atom.find(f"{ATOM}link[@rel='alternate']").get("href") == absolute(
        category_url
    )


def test_feed_of_unknown_category_is_not_found(client):
    assert client.get("/categories/없는-분야/feed/rss/").status_code == 404


def test_feed_of_a_category_with_only_unpublished_articles_is_not_found(client):
    make_article(title="엠바고 기사", categories=["단독"], status=Article.Status.DRAFT)

    for kind in ("rss", "atom"):
        response = client.get(f"/categories/단독/feed/{kind}/")
        assert response.status_code == 404
        assert "엠바고 기사" not in response.content.decode()


def test_rss_item_carries_summary_dates_authors_and_categories(client):
    kim = make_author("김서울")
    park = make_author("박부산")
    article = make_article(
        title="서울시 예산안 통과",
        excerpt="서울시의회는 내년도 예산안을 통과시켰다.",
        publish_at=ago(5),
        categories=["정치", "지역"],
        authors=[park, kim],
    )
    Article.objects.filter(pk=article.pk).update(last_public_change_at=ago(1))

    feed = fetch(client, "/feeds/rss/")
    (item,) = items(feed)

    assert feed.findtext("channel/language") == "ko"
    assert item.findtext("description") == "서울시의회는 내년도 예산안을 통과시켰다."
    assert parsedate_to_datetime(item.findtext("pubDate")) == ago(5)
    assert [creator.text for creator in item.findall(f"{DC}creator")] == [
        "박부산",
        "김서울",
    ]
    assert sorted(category.text for category in item.findall("category")) == [
        "정치",
        "지역",
    ]
    assert item.findtext("guid") == absolute(article.get_absolute_url())


def test_atom_entry_is_updated_at_the_last_public_change(client):
    kim = make_author("김서울")
    park = make_author("박부산", slug="park")
    corrected = make_article(
        title="정정된 기사", publish_at=ago(5), authors=[kim, park]
    )
    untouched = make_article(title="그대로인 기사", publish_at=ago(6))
    Article.objects.filter(pk=corrected.pk).update(last_public_change_at=ago(1))

    feed = fetch(client, "/feeds/atom/")
    first, second = items(feed)

    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "ko"
    assert datetime.fromisoformat(first.findtext(f"{ATOM}published")) == ago(5)
    assert datetime.fromisoformat(first.findtext(f"{ATOM}updated")) == ago(1)
    # Never corrected: its last public change is its publication.
    assert datetime.fromisoformat(second.findtext(f"{ATOM}updated")) == ago(6)
    authors = first.findall(f"{ATOM}author")
    assert [author.findtext(f"{ATOM}name") for author in authors] == [
        "김서울",
        "박부산",
    ]
    assert [author.findtext(f"{ATOM}uri") for author in authors] == [
        absolute(kim.get_absolute_url()),
        absolute(park.get_absolute_url()),
    ]
    assert untouched.title in titles(feed)


def test_summary_reaches_feed_readers_as_escaped_plain_text(client):
    summary = '북-러 "조약" <개정> & 협력 <script>alert(1)</script>'
    make_article(title="북러 조약", excerpt=summary)

    for url in FEEDS:
        feed = fetch(client, url)
        (item,) = items(feed)
        description = item.findtext("description") or item.findtext(f"{ATOM}summary")
        # Readers treat the description as HTML: it must show the text, not run it.
        assert "<" not in description
        assert unescape(description) == summary


def test_title_with_markup_is_text_in_both_feeds(client):
    title = "푸틴 <방북> & 김정은"
    make_article(title=title)

    rss = fetch(client, "/feeds/rss/")
    atom = fetch(client, "/feeds/atom/")

    # An RSS title is read as HTML, so it arrives escaped; Atom says it is text.
    assert rss.findtext("channel/item/title") == "푸틴 &lt;방북&gt; &amp; 김정은"
    assert atom.findtext(f"{ATOM}entry/{ATOM}title") == title


def test_feeds_keep_korean_text_intact(client):
    make_article(
        title="보스토치니 우주기지에서 만난 두 정상",
        excerpt="러시아 아무르주에서 열린 회담.",
        categories=["북한"],
    )

    for url in FEEDS:
        response = client.get(url)
        text = response.content.decode("utf-8")
        assert "보스토치니 우주기지에서 만난 두 정상" in text
        assert "러시아 아무르주에서 열린 회담." in text
        assert "북한" in text


def test_feeds_hold_the_latest_thirty_articles(client):
    articles = [make_article(publish_at=ago(hours)) for hours in range(1, 33)]

    for url in FEEDS:
        feed = fetch(client, url)
        assert titles(feed) == [article.title for article in articles[:30]]


def test_pages_advertise_the_site_feeds(client, settings):
    settings.NEWSROOM_SITE_NAME = "서울신문고"
    article = make_article()

    for url in ("/", article.get_absolute_url()):
        page = client.get(url).content.decode()
        assert (
            '<link rel="alternate" type="application/rss+xml" '
            f'title="서울신문고 최신 기사 (RSS)" href="{reverse("feed-rss")}">'
        ) in page
        assert (
            '<link rel="alternate" type="application/atom+xml" '
            f'title="서울신문고 최신 기사 (Atom)" href="{reverse("feed-atom")}">'
        ) in page


@pytest.mark.parametrize(
    "url", [*FEEDS, "/categories/정치/feed/rss/", "/categories/정치/feed/atom/"]
)
def test_feed_queries_do_not_grow_with_articles(client, django_assert_num_queries, url):
    authors = [make_author("김기자"), make_author("이기자", slug="lee")]

    def add(count):
        for _ in range(count):
            make_article(categories=["정치", "경제"], authors=authors)

    add(3)
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    add(7)

    with django_assert_num_queries(len(three.captured_queries)):
        feed = fetch(client, url)
    assert len(items(feed)) == 10


class _Markup(HTMLParser):
    """What an HTML-reading feed reader makes of a text: elements and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements, self.text = [], ""

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)

    def handle_data(self, data):
        self.text += data


def read_as_html(value: str) -> _Markup:
    parser = _Markup()
    parser.feed(value)
    parser.close()
    return parser


def test_rss_category_and_author_names_reach_readers_as_text(client):
    name = '정치 <img src=x onerror="alert(1)"> & <b>속보</b>'
    description = "<script>alert(2)</script> 정치 소식 & 분석"
    author = make_author('김<i>기자</i> "특파원"', slug="kim")
    article = make_article(title="북러 조약", categories=[name], authors=[author])
    category = article.categories.get()
    category.description = description
    category.save()

    for url in ("/feeds/rss/", f"/categories/{category.slug}/feed/rss/"):
        channel = fetch(client, url).find("channel")
        (item,) = channel.findall("item")
        # Each text is parsed twice, as a reader does: the XML, then its HTML.
        texts = [item.findtext("category"), item.findtext(f"{DC}creator")]
        if "categories" in url:
            texts += [channel.findtext("title"), channel.findtext("description")]
        decoded = [read_as_html(text) for text in texts]
        assert [markup.elements for markup in decoded] == [[]] * len(texts)
        assert decoded[0].text == name
        assert decoded[1].text == author.name
        if "categories" in url:
            assert decoded[2].text.endswith(f" · {name}")
            assert decoded[3].text == description


def test_atom_category_and_author_names_stay_plain_text(client):
    name = "정치 <b>속보</b> & 분석"
    author = make_author("김<i>기자</i>", slug="kim")
    article = make_article(title="북러 조약", categories=[name], authors=[author])
    slug = article.categories.get().slug

    for url in ("/feeds/atom/", f"/categories/{slug}/feed/atom/"):
        entry = fetch(client, url).find(f"{ATOM}entry")
        # Atom says these are text (no type="html"): given as typed.
        assert entry.find(f"{ATOM}category").get("term") == name
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == author.name
