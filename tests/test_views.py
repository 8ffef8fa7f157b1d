import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.template.loader import get_template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.html import escape
from django.views.defaults import server_error

from articles import listings, workflow
from articles.models import Article, Author, Byline, Category
from tests.factories import (
    make_article,
    make_author,
    make_seed_like_article,
    update_article,
)
from tests.nonpublic import make_nonpublic_articles
from tests.people import make_staff

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert(1)</script>"onmouseover=alert(2) x="'
JSON_LD = re.compile(r'<script type="application/ld\+json">[^<]*</script>')


def html(response) -> str:
    return response.content.decode()


def body(response) -> str:
    """The page between <body> and </body>: what a reader sees."""
    page = html(response)
    return page[page.index("<body") : page.index("</body>")]


def hours_ago(hours: int) -> datetime:
    return timezone.now() - timedelta(hours=hours)


def card_titles(response) -> list[str]:
    return re.findall(r'class="card__title"><a [^>]*>([^<]*)</a>', html(response))


# Pagination of the list pages (the front page: test_front_page.py; archives:
# test_archives.py)


def paged_urls():
    return ["/", "/categories/정치/", "/authors/김기자/"]


@pytest.mark.parametrize("url", paged_urls())
@pytest.mark.parametrize("page", ["999", "2", "abc", "0", "-1", "1.5", "9" * 5000])
def test_page_out_of_range_or_not_a_number_answers_404(client, url, page):
    make_article(categories=["정치"], authors=[make_author("김기자")])

    response = client.get(url, {"page": page})

    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in html(response)


@pytest.mark.parametrize("url", paged_urls())
def test_first_page_by_number_is_served(client, url):
    make_article(categories=["정치"], authors=[make_author("김기자")])

    assert client.get(url, {"page": "1"}).status_code == 200


# Article page


def test_article_page_shows_title_standfirst_date_and_reading_time(client):
    article = make_article(
        title="서울시, 내년 예산 48조 원 편성",
        feature_text="서울시가 복지와 교통에 예산을 늘렸다.",
        excerpt="내년 서울시 예산안 요약.",
        publish_at=datetime(2024, 6, 17, 6, 5, tzinfo=UTC),
        body="<p>" + "가" * 1600 + "</p>",
    )

    response = client.get(article.get_absolute_url())

    page = html(response)
    assert response.status_code == 200
    assert page.count("<h1") == 1
    assert '<h1 class="article__title">서울시, 내년 예산 48조 원 편성</h1>' in page
    assert "<title>서울시, 내년 예산 48조 원 편성 | " in page
    # The feature text is the standfirst; the excerpt only describes the page.
    assert (
        '<p class="article__standfirst">서울시가 복지와 교통에 예산을 늘렸다.</p>'
        in page
    )
    assert "내년 서울시 예산안 요약." not in body(response)
    assert '<meta name="description" content="내년 서울시 예산안 요약.">' in page
    # 15:05 in Seoul is 06:05 UTC.
    assert (
        '<time datetime="2024-06-17T15:05:00+09:00">2024년 6월 17일 오후 3:05</time>'
        in page
    )
    # 1,600 characters at 500 a minute: about three minutes.
    assert "3분 읽기" in page


def test_article_page_uses_the_excerpt_when_there_is_no_feature_text(client):
    article = make_article(excerpt="예산안의 핵심을 정리했다.", feature_text="")

    response = client.get(article.get_absolute_url())

    assert '<p class="article__standfirst">예산안의 핵심을 정리했다.</p>' in body(
        response
    )
    assert body(response).count("예산안의 핵심을 정리했다.") == 1


def test_seed_standfirst_is_printed_once(client):
    article = make_seed_like_article()
    assert article.excerpt == article.feature_text

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    text = escape(article.excerpt)
    assert body(response).count(text) == 1
    assert f'<meta name="description" content="{text}">' in html(response)


def test_seed_featured_image_is_shown_once_above_the_body(client):
    article = make_seed_like_article()

    response = client.get(article.get_absolute_url())

    page = body(response)
    assert page.count(f'src="{article.image_url}"') == 1
    figure = page.index('<figure class="article__figure">')
    assert figure < page.index(f'src="{article.image_url}"')
    assert figure < page.index('<div class="article__body">')
    # The rest of the body is still there.
    assert "북-러 협력 재설정</h2>" in page
    assert "푸틴 방북 9개월 24년 열쇠말 읽는 사건 회의 중요성 비밀" in page


def test_featured_image_has_alt_caption_and_credit(client):
    article = make_article(
        image_url="https://example.com/budget.jpg",
        image_alt="서울시청 앞 광장",
        image_caption="예산안을 발표하는 서울시장",
        image_credit="홍길동 기자",
    )

    page = body(client.get(article.get_absolute_url()))

    figure = page[page.index('<figure class="article__figure">') :]
    image = re.search(r"<img [^>]*>", figure)[0]
    assert 'src="https://example.com/budget.jpg"' in image
    assert 'alt="서울시청 앞 광장"' in image
    caption = page[page.index("<figcaption>") : page.index("</figcaption>")]
    assert "예산안을 발표하는 서울시장" in caption
    assert "사진: 홍길동 기자" in caption


def test_featured_image_without_caption_has_no_empty_figcaption(client):
    article = make_article(image_url="https://example.com/budget.jpg", image_alt="")

    page = body(client.get(article.get_absolute_url()))

    assert '<figure class="article__figure">' in page
    assert "<figcaption" not in page


def test_article_without_image_has_no_figure(client):
    article = make_article()

    assert "<figure" not in body(client.get(article.get_absolute_url()))


def test_bylines_link_to_author_pages_in_byline_order(client):
    first = make_author("한지민")
    second = make_author("강민호")
    article = make_article(authors=[first, second])

    page = body(client.get(article.get_absolute_url()))

    byline = page[page.index('<p class="byline">') :]
    byline = byline[: byline.index("</p>")]
    assert byline.index("한지민") < byline.index("강민호")
    assert f'href="{first.get_absolute_url()}" rel="author">한지민</a>' in byline
    assert f'href="{second.get_absolute_url()}" rel="author">강민호</a>' in byline


def test_article_without_authors_has_no_byline(client):
    article = make_article()

    page = body(client.get(article.get_absolute_url()))

    assert "byline" not in page
    assert 'rel="author"' not in page


def test_article_page_links_its_categories(client):
    article = make_article(categories=["정치", "서울 시정"])

    page = body(client.get(article.get_absolute_url()))

    for name in ("정치", "서울 시정"):
        url = Category.objects.get(name=name).get_absolute_url()
        assert f'<a href="{url}">{name}</a>' in page


def test_article_a_reader_may_not_see_answers_404_and_taken_down_410(client):
    for article in make_nonpublic_articles():
        response = client.get(article.get_absolute_url())

        taken_down = article.status == Article.Status.TAKEN_DOWN
        assert response.status_code == (410 if taken_down else 404), article.title
        assert article.title not in html(response)
        expected = "삭제된 기사입니다" if taken_down else "페이지를 찾을 수 없습니다"
        assert expected in html(response)


def test_unknown_article_answers_korean_404(client):
    response = client.get("/articles/없는-기사/")

    assert response.status_code == 404
    assert '<html lang="ko">' in html(response)
    assert "페이지를 찾을 수 없습니다" in html(response)


def test_korean_article_slug_resolves_raw_and_percent_encoded(client):
    article = make_article(title="서울 예산 통과")
    assert article.slug == "서울-예산-통과"

    url = reverse("articles:detail", kwargs={"slug": "서울-예산-통과"})
    match = resolve("/articles/서울-예산-통과/")

    assert url == "/articles/%EC%84%9C%EC%9A%B8-%EC%98%88%EC%82%B0-%ED%86%B5%EA%B3%BC/"
    assert match.url_name == "detail"
    assert match.kwargs == {"slug": "서울-예산-통과"}
    assert client.get(url).status_code == 200
    assert client.get("/articles/서울-예산-통과/").status_code == 200


def dateline(response) -> str:
    page = body(response)
    start = page.index('<p class="article__dateline">')
    return page[start : page.index("</p>", start)]


def test_article_shows_updated_time_only_after_a_public_change(client):
    editor = make_staff("Editor")
    article = make_article(publish_at=datetime(2024, 6, 17, 6, 5, tzinfo=UTC))
    # An ordinary save is not a public change: no "updated" line.
    article.title = "제목만 다듬은 기사"
    workflow.save_article(article, by=editor)
    assert "수정" not in dateline(client.get(article.get_absolute_url()))

    workflow.add_correction(
        article,
        by=editor,
        kind="correction",
        text="예산 총액을 48조 원으로 바로잡습니다.",
        now=datetime(2024, 6, 18, 1, 30, tzinfo=UTC),
    )

    line = dateline(client.get(article.get_absolute_url()))
    assert (
        '입력 <time datetime="2024-06-17T15:05:00+09:00">2024년 6월 17일 오후 3:05'
        in line
    )
    assert (
        '수정 <time datetime="2024-06-18T10:30:00+09:00">2024년 6월 18일 오전 10:30'
        in line
    )


def test_public_change_that_is_not_after_publication_shows_one_date(client):
    published = timezone.now() - timedelta(hours=2)
    article = make_article(publish_at=published)
    update_article(article, last_public_change_at=published)

    line = dateline(client.get(article.get_absolute_url()))

    assert "입력" in line and "수정" not in line


def test_corrections_ledger_is_shown_under_the_article_in_order(client):
    editor = make_staff("Editor")
    article = make_article()
    workflow.add_correction(
        article,
        by=editor,
        kind="correction",
        text="사진 설명의 날짜를 고쳤습니다.",
        now=datetime(2024, 6, 18, 1, 30, tzinfo=UTC),
    )
    workflow.add_correction(
        article, by=editor, kind="reply_report", text="<b>반론</b>: 사실과 다릅니다."
    )

    page = body(client.get(article.get_absolute_url()))

    ledger = page[page.index('<section class="article__corrections"') :]
    ledger = ledger[: ledger.index("</section>")]
    assert page.index('<div class="article__body">') < page.index(ledger)
    assert '<h2 id="corrections-heading">정정·반론</h2>' in ledger
    assert ledger.index("정정</strong>") < ledger.index("반론보도</strong>")
    assert "사진 설명의 날짜를 고쳤습니다." in ledger
    assert (
        '<time datetime="2024-06-18T10:30:00+09:00">2024년 6월 18일 오전 10:30</time>'
        in ledger
    )
    assert "&lt;b&gt;반론&lt;/b&gt;: 사실과 다릅니다." in ledger


def test_article_without_corrections_has_no_ledger(client):
    article = make_article()

    assert "article__corrections" not in body(client.get(article.get_absolute_url()))


def related_titles(response) -> list[str]:
    page = body(response)
    if '<section class="related"' not in page:
        return []
    block = page[page.index('<section class="related"') :]
    block = block[: block.index("</section>")]
    return re.findall(r'class="card__title"><a [^>]*>([^<]*)</a>', block)


def test_related_articles_share_categories_most_shared_then_newest(client):
    article = make_article(title="기준 기사", categories=["정치", "서울", "예산"])
    make_article(
        title="하나 겹침 새 기사", categories=["정치"], publish_at=hours_ago(1)
    )
    make_article(
        title="둘 겹침 옛 기사", categories=["정치", "서울"], publish_at=hours_ago(9)
    )
    make_article(title="셋 겹침 기사", categories=["예산", "서울", "정치", "경제"],
                 publish_at=hours_ago(20))  # fmt: skip
    make_article(
        title="하나 겹침 옛 기사", categories=["예산"], publish_at=hours_ago(5)
    )
    make_article(
        title="하나 겹침 가장 옛 기사", categories=["서울"], publish_at=hours_ago(30)
    )
    make_article(title="상관없는 기사", categories=["연예"], publish_at=hours_ago(1))

    titles = related_titles(client.get(article.get_absolute_url()))

    assert titles == [
        "셋 겹침 기사",
        "둘 겹침 옛 기사",
        "하나 겹침 새 기사",
        "하나 겹침 옛 기사",
    ]
    assert len(titles) == listings.RELATED_ARTICLES


def test_related_articles_are_chosen_among_each_categorys_latest_only(
    client, django_assert_num_queries
):
    article = make_article(title="기준 기사", categories=["정치", "서울"])
    make_article(title="둘 겹침 아주 옛 기사", categories=["정치", "서울"],
                 publish_at=hours_ago(500))  # fmt: skip
    # Both of its categories then receive RELATED_CANDIDATES newer articles,
    # the newest last: the old one is among neither category's latest.
    for n in reversed(range(listings.RELATED_CANDIDATES)):
        make_article(
            title=f"정치 {n}", categories=["정치"], publish_at=hours_ago(n + 1)
        )
        make_article(
            title=f"서울 {n}", categories=["서울"], publish_at=hours_ago(n + 1.5)
        )
    make_article(title="둘 겹침 후보 기사", categories=["서울", "정치"],
                 publish_at=hours_ago(100))  # fmt: skip
    make_article(title="초안 둘 겹침", categories=["정치", "서울"],
                 status=Article.Status.DRAFT, publish_at=hours_ago(0.5))  # fmt: skip
    # A small category's members are candidates however old they are.
    lonely = make_article(title="기준 기사 2", categories=["문화재"])
    make_article(
        title="문화재 옛 기사", categories=["문화재"], publish_at=hours_ago(900)
    )

    subject = Article.objects.for_listing().get(pk=article.pk)
    related = listings.related_articles(subject)
    # Each category's arrivals are read once, then kept with the site lists.
    with django_assert_num_queries(0):
        assert listings.related_articles(subject) == related

    # The oldest two-category one is not among the candidates; the other is,
    # and ranks first, then the newest. Never the article itself, never a
    # draft. (The rows carry the stored cards only.)
    titles = dict(Article.objects.values_list("pk", "title"))
    assert [titles[a.pk] for a in related] == [
        "둘 겹침 후보 기사",
        "정치 0",
        "서울 0",
        "정치 1",
    ]
    other = listings.related_articles(Article.objects.get(pk=lonely.pk))
    assert "문화재 옛 기사" in [titles[a.pk] for a in other]


def test_related_articles_never_include_unpublished_ones(client):
    article = make_article(title="기준 기사", categories=["정치"])
    hidden = make_nonpublic_articles(categories=["정치"])
    make_article(title="공개된 관련 기사", categories=["정치"], publish_at=hours_ago(3))

    response = client.get(article.get_absolute_url())

    assert related_titles(response) == ["공개된 관련 기사"]
    for other in hidden:
        assert other.title not in html(response), other.title


def test_article_without_shared_categories_has_no_related_section(client):
    article = make_article(categories=["정치"])
    make_article(categories=["경제"])
    uncategorised = make_article()

    for subject in (article, uncategorised):
        page = body(client.get(subject.get_absolute_url()))
        assert "관련 기사" not in page


def test_related_cards_keep_headings_in_order(client):
    article = make_article(categories=["정치"])
    make_article(categories=["정치"], image_url="https://example.com/r.jpg")

    page = body(client.get(article.get_absolute_url()))
    related = page[page.index('<section class="related"') :]

    assert '<h2 class="section-title" id="related-heading">관련 기사</h2>' in related
    assert '<h3 class="card__title">' in related


# Category page


def test_category_page_shows_only_its_live_articles_newest_first(client):
    make_article(title="정치 옛 기사", categories=["정치"], publish_at=hours_ago(5))
    make_article(title="정치 새 기사", categories=["정치"], publish_at=hours_ago(1))
    make_article(title="경제 기사", categories=["경제"])
    make_article(title="정치 초안", categories=["정치"], status=Article.Status.DRAFT)

    response = client.get("/categories/정치/")

    assert response.status_code == 200
    assert '<h1 class="page-title">정치</h1>' in html(response)
    assert card_titles(response) == ["정치 새 기사", "정치 옛 기사"]


def test_category_page_paginates_with_page_links(client, settings):
    settings.NEWSROOM_ARTICLES_PER_PAGE = 2
    for hours in range(1, 8):
        make_article(
            title=f"경제 {hours}", categories=["경제"], publish_at=hours_ago(hours)
        )

    response = client.get("/categories/경제/", {"page": "2"})

    page = html(response)
    assert card_titles(response) == ["경제 3", "경제 4"]
    assert '<a href="/categories/경제/" rel="prev">이전</a>' in page
    assert '<a href="?page=3">3</a>' in page
    assert '<a href="?page=4">4</a>' in page
    assert '<a href="?page=3" rel="next">다음</a>' in page


def test_category_description_is_shown(client):
    make_article(categories=["정치"])
    Category.objects.filter(name="정치").update(description="국회와 정부 소식.")

    assert "국회와 정부 소식." in body(client.get("/categories/정치/"))


def test_category_with_only_unpublished_articles_answers_404(client):
    make_article(categories=["엠바고 단독"], status=Article.Status.DRAFT)
    make_article(
        categories=["엠바고 단독"], publish_at=timezone.now() + timedelta(hours=2)
    )

    response = client.get("/categories/엠바고-단독/")

    assert response.status_code == 404
    assert "엠바고 단독" not in html(response)


def test_unknown_category_answers_404(client):
    assert client.get("/categories/없는-분류/").status_code == 404


def test_korean_category_slug_resolves_raw_and_percent_encoded(client):
    make_article(categories=["정치"])
    category = Category.objects.get(name="정치")

    assert category.slug == "정치"
    assert resolve("/categories/정치/").kwargs == {"slug": "정치"}
    assert category.get_absolute_url() == "/categories/%EC%A0%95%EC%B9%98/"
    assert client.get(category.get_absolute_url()).status_code == 200
    assert client.get("/categories/정치/").status_code == 200


# Author page


def test_author_page_shows_name_bio_and_live_articles_only(client):
    author = make_author("한지민", bio="서울시청을 취재합니다.")
    other = make_author("강민호")
    make_article(title="한지민의 기사", authors=[author])
    make_article(title="함께 쓴 기사", authors=[other, author], publish_at=hours_ago(2))
    make_article(title="강민호의 기사", authors=[other])
    make_article(title="한지민의 초안", authors=[author], status=Article.Status.DRAFT)

    response = client.get(author.get_absolute_url())

    assert response.status_code == 200
    assert '<h1 class="page-title">한지민</h1>' in html(response)
    assert "서울시청을 취재합니다." in body(response)
    assert card_titles(response) == ["한지민의 기사", "함께 쓴 기사"]


def test_author_without_live_articles_has_a_page_that_says_so(client):
    author = make_author("신입기자")

    response = client.get(author.get_absolute_url())

    assert response.status_code == 200
    assert "아직 게재된 기사가 없습니다." in body(response)


def test_author_page_paginates(client, settings):
    settings.NEWSROOM_ARTICLES_PER_PAGE = 2
    author = make_author("한지민")
    for hours in range(1, 4):
        make_article(
            title=f"기사 {hours}", authors=[author], publish_at=hours_ago(hours)
        )

    response = client.get(author.get_absolute_url(), {"page": "2"})

    assert card_titles(response) == ["기사 3"]
    assert 'rel="prev"' in html(response)


def test_unknown_author_answers_404(client):
    assert client.get("/authors/없는-기자/").status_code == 404


def test_korean_author_slug_resolves_percent_encoded(client):
    author = make_author("한지민")

    assert author.get_absolute_url() == "/authors/%ED%95%9C%EC%A7%80%EB%AF%BC/"
    assert resolve("/authors/한지민/").url_name == "author"
    assert client.get(author.get_absolute_url()).status_code == 200


# Query counts
#
# Every public page runs at most PAGE_BUDGET SQL queries, whatever it shows. The
# navigation, the front page's sections, the archive years and the lists'
# lengths come from the site cache (articles/sitecache.py), read on the first
# page after a change; a card's categories and bylines come in the query that
# lists the articles. The table says what each page runs, once the site lists
# are cached:
PAGE_BUDGET = 4
PAGE_QUERIES = {
    # the lead, the latest page (the list's length comes with the site lists;
    # the sections and archive years are rendered once per copy of them)
    "front": 2,
    # the lead (left out of the list), the page
    "front page 2": 2,
    # the article with its category ids (its header, metadata and corrections
    # are stored fragments; related articles come from its categories' newest
    # arrivals, kept with the site lists)
    "article": 1,
    # the category, the page (its length: the site lists; none: 404)
    "category": 2,
    "category page 3": 2,
    # the author, the page
    "author": 2,
    # the month counts (which give the list's length), the page
    "archive-year": 2,
    # the count, the page
    "archive-month": 2,
    # SQLite: the test of the newest articles, the match ids (from the index,
    # or for a word in most articles, as here, from a newest-first window), the
    # page; PostgreSQL: the search's time limit, the match ids (always from the
    # terms table, newest first), the page
    "search": 3,
    # the items
    "rss": 1,
    "atom": 1,
    # the category, the items
    "category rss": 2,
    "category atom": 2,
    # each section's count and latest change, three queries in all
    "sitemap index": 3,
    # the count, the items
    "sitemap articles": 2,
    # the count: these articles are older than the news sitemap's 48 hours
    "sitemap news": 1,
    "sitemap categories": 2,
    "sitemap authors": 2,
    "robots": 0,
}
JUNE_2024 = datetime(2024, 6, 28, 12, tzinfo=UTC)
# Savepoints are transaction control, not queries: the test's own transaction
# turns every atomic block (search's time limit) into one.
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def page_urls(subject: Article) -> dict[str, str]:
    return {
        "front": "/",
        "front page 2": "/?page=2",
        "article": subject.get_absolute_url(),
        "category": "/categories/정치/",
        "category page 3": "/categories/정치/?page=3",
        "author": "/authors/한지민/",
        "archive-year": "/archive/2024/",
        "archive-month": "/archive/2024/06/",
        "search": "/search/?q=기사",
        "rss": "/feeds/rss/",
        "atom": "/feeds/atom/",
        "category rss": "/categories/정치/feed/rss/",
        "category atom": "/categories/정치/feed/atom/",
        "sitemap index": "/sitemap.xml",
        "sitemap articles": "/sitemap-articles.xml",
        "sitemap news": "/sitemap-news.xml",
        "sitemap categories": "/sitemap-categories.xml",
        "sitemap authors": "/sitemap-authors.xml",
        "robots": "/robots.txt",
    }


def grow(subject: Article, *, articles: int, categories: int, authors: int):
    """Give every page more to show: articles in June 2024, each in every section
    and by every author; the subject gets them all too, and one more correction."""
    names = ["정치", "경제", "사회", "국제", "문화", "스포츠"][:categories]
    for order, name in enumerate(names):
        Category.objects.update_or_create(
            name=name, defaults={"is_section": True, "section_order": order}
        )
    while (known := Author.objects.count()) < authors:
        make_author("한지민" if known == 0 else f"기자{known}")
    people = list(Author.objects.order_by("pk"))
    done = Article.objects.count()
    for n in range(done, done + articles):
        make_article(
            title=f"6월 기사 {n}",
            image_url="https://example.com/photo.jpg",
            categories=names,
            authors=people,
            publish_at=JUNE_2024 - timedelta(hours=n),
        )
    subject.categories.add(*names)
    for position, author in enumerate(people):
        Byline.objects.get_or_create(
            article=subject, author=author, defaults={"position": position}
        )
    workflow.add_correction(
        subject, by=workflow.SYSTEM, kind="update", text="내용을 보탰습니다."
    )


def queries_of(client, url) -> tuple[object, list[str]]:
    """The response to a GET of `url` and the SQL it ran, savepoints left out."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    statements = [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(TRANSACTION_CONTROL)
    ]
    return response, statements


def expected_queries(page: str) -> int:
    return PAGE_QUERIES[page]


def test_every_public_page_runs_a_fixed_number_of_queries_with_1_10_and_50_articles(
    client, settings
):
    settings.NEWSROOM_ARTICLES_PER_PAGE = 20
    subject = make_article(title="기준 기사", publish_at=JUNE_2024)
    urls = page_urls(subject)
    shown = {}
    for total, categories, authors in ((1, 1, 1), (10, 3, 2), (50, 6, 4)):
        grow(
            subject,
            articles=total - Article.objects.count(),
            categories=categories,
            authors=authors,
        )
        assert Article.objects.count() == total
        for page, url in urls.items():
            if total < 50 and "page" in page:
                continue  # no second or third page yet
            client.get(url)  # the site lists are read once, then cached
            response, statements = queries_of(client, url)
            assert response.status_code == 200, (total, page)
            assert len(statements) <= PAGE_BUDGET, (total, page, statements)
            # With one article the front page has a lead and an empty list,
            # which Django does not fetch; from ten on, every page runs all.
            if total == 1:
                assert len(statements) <= expected_queries(page), (page, statements)
            else:
                assert len(statements) == expected_queries(page), (page, statements)
        shown[total] = html(client.get("/")) + html(client.get(urls["article"]))
    # The larger site really shows more: more cards, bylines and categories.
    for marker in ('rel="author"', 'class="card"', "/categories/"):
        assert shown[1].count(marker) < shown[10].count(marker), marker
        assert shown[10].count(marker) < shown[50].count(marker), marker


def article_statement_runs() -> int:
    """How often this connection has run the prepared article-page query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(generic_plans + custom_plans), 0)"
            " FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%"articles_article"."slug" = $%'],
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: prepared statements are the server's; SQLite has none",
)
@pytest.mark.parametrize("prepared", [True, False])
def test_on_postgresql_the_article_query_is_prepared_unless_turned_off(
    client, settings, prepared
):
    settings.NEWSROOM_DB_PREPARED = prepared
    article = make_article(title="준비된 질의")
    before = article_statement_runs()
    for _ in range(2):
        assert "준비된 질의" in html(client.get(article.get_absolute_url()))
    assert article_statement_runs() - before == (2 if prepared else 0)


def test_site_lists_are_read_on_the_first_page_only(client):
    author = make_author("한지민")
    for _ in range(2):
        make_article(categories=["정치"], authors=[author])
    Category.objects.filter(name="정치").update(is_section=True)

    _, first = queries_of(client, "/")
    _, second = queries_of(client, "/")
    _, other_page = queries_of(client, "/categories/정치/")

    assert len(first) > len(second) == PAGE_QUERIES["front"]
    assert len(other_page) == PAGE_QUERIES["category"]


# Escaping


def hostile_article():
    author = make_author(HOSTILE, slug="hostile", bio=HOSTILE)
    return make_article(
        title=HOSTILE,
        excerpt=HOSTILE,
        feature_text=HOSTILE,
        image_url="https://example.com/a.jpg",
        image_alt=HOSTILE,
        image_caption=HOSTILE,
        image_credit=HOSTILE,
        categories=[HOSTILE],
        authors=[author],
    )


@pytest.mark.parametrize(
    "page", ["list", "detail", "category", "author", "year", "month", "related"]
)
def test_plain_text_fields_are_escaped_on_every_page(client, page):
    article = hostile_article()
    category = article.categories.get()
    category.is_section = True
    category.save()
    other = make_article(categories=[category.name])
    published = timezone.localtime(article.publish_at)
    url = {
        "list": "/",
        "detail": article.get_absolute_url(),
        "category": category.get_absolute_url(),
        "author": article.authors.get().get_absolute_url(),
        "year": reverse("articles:archive-year", args=[published.year]),
        "month": reverse(
            "articles:archive-month", args=[published.year, published.month]
        ),
        "related": other.get_absolute_url(),
    }[page]

    response = client.get(url)

    content = html(response)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in content
    # JSON-LD writes a quote as \"; test_seo.py checks that block on its own.
    assert '"onmouseover=' not in JSON_LD.sub("", content)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover=alert(2)" in content


# Layout


EVERY_PAGE = ["list", "detail", "category", "author", "year", "month", "404", "410"]


def any_page_url(page: str) -> str:
    """A page of each kind, with enough on it to have every part."""
    Category.objects.create(name="정치", is_section=True)
    author = make_author("한지민")
    article = make_article(
        categories=["정치"],
        authors=[author],
        image_url="https://example.com/photo.jpg",
        image_alt="국회 본회의장",
        publish_at=JUNE_2024,
    )
    make_article(categories=["정치"], publish_at=JUNE_2024 - timedelta(days=1))
    make_article(categories=["정치"], publish_at=JUNE_2024 - timedelta(days=2))
    workflow.add_correction(
        article, by=workflow.SYSTEM, kind="correction", text="바로잡습니다."
    )
    gone = make_article(status=Article.Status.TAKEN_DOWN)
    return {
        "list": "/",
        "detail": article.get_absolute_url(),
        "category": "/categories/정치/",
        "author": "/authors/한지민/",
        "year": "/archive/2024/",
        "month": "/archive/2024/06/",
        "404": "/articles/없는-기사/",
        "410": gone.get_absolute_url(),
    }[page]


@pytest.mark.parametrize("page", EVERY_PAGE)
def test_every_page_has_the_shared_korean_layout(client, page):
    content = html(client.get(any_page_url(page)))

    assert content.startswith('<!doctype html>\n<html lang="ko">')
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in (
        content
    )
    assert (
        '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">'
        in content
    )
    assert '<link rel="stylesheet" href="/static/css/site.css">' in content
    assert '<a class="skip-link" href="#main">본문 바로가기</a>' in content
    assert '<main id="main"' in content
    assert '<a class="site-name" href="/" rel="home">뉴스룸</a>' in content
    assert '<nav class="site-nav" aria-label="주요 메뉴">' in content
    assert "<footer" in content
    # The CSP allows same-origin files only: no inline styles or scripts. A
    # JSON-LD block is data, which browsers never run; the one script is a
    # same-origin static file (search suggestions) with nothing inline.
    external = re.compile(r'<script src="/static/[^"]+\.js" defer></script>')
    assert len(external.findall(content)) == 1
    assert "<script" not in external.sub("", JSON_LD.sub("", content))
    assert "<style" not in content
    assert " style=" not in content


@pytest.mark.parametrize("page", EVERY_PAGE)
def test_every_page_has_landmarks_one_h1_and_headings_in_order(client, page):
    content = html(client.get(any_page_url(page)))
    main = content[content.index("<main") : content.index("</main>")]

    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert content.count(landmark) >= 1, landmark
    assert content.count("<main") == 1
    # Every heading lives in <main>, starting with the only h1, never skipping.
    levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", content)]
    assert levels == [int(n) for n in re.findall(r"<h([1-6])[ >]", main)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels


@pytest.mark.parametrize("page", EVERY_PAGE)
def test_every_image_has_an_alt_attribute(client, page):
    content = html(client.get(any_page_url(page)))

    images = re.findall(r"<img\b[^>]*>", content)
    assert all(re.search(r' alt="[^"]*"', image) for image in images), images
    if page in ("list", "detail"):
        assert 'alt="국회 본회의장"' in content


def test_linked_static_files_exist():
    assert finders.find("img/favicon.svg")
    assert finders.find("css/site.css")
    assert finders.find("img/logo.png")


def test_favicon_ico_leads_to_the_svg_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code in (301, 302)
    assert response.headers["Location"] == "/static/img/favicon.svg"


def test_navigation_lists_only_categories_with_live_articles(client):
    make_article(categories=["정치"])
    make_article(categories=["엠바고 단독"], status=Article.Status.DRAFT)

    content = html(client.get("/"))
    nav = content[content.index('<nav class="site-nav"') : content.index("</nav>")]

    assert '<a href="/categories/%EC%A0%95%EC%B9%98/">정치</a>' in nav
    assert "엠바고" not in content


def test_navigation_marks_the_current_category(client):
    make_article(categories=["정치"])
    make_article(categories=["경제"])

    content = html(client.get("/categories/경제/"))
    nav = content[content.index('<nav class="site-nav"') : content.index("</nav>")]

    assert '<a href="/categories/%EA%B2%BD%EC%A0%9C/" aria-current="page">경제</a>' in (
        nav
    )
    assert '<a href="/categories/%EC%A0%95%EC%B9%98/">정치</a>' in nav


def test_server_error_page_needs_no_request_context_or_database(
    settings, django_assert_num_queries
):
    settings.NEWSROOM_SITE_NAME = "서울일보"

    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
        standalone = get_template("500.html").render()

    content = response.content.decode()
    assert response.status_code == 500
    assert content == standalone
    assert '<html lang="ko">' in content
    assert "잠시 문제가 생겼습니다" in content
    assert '<a class="site-name" href="/" rel="home">서울일보</a>' in content
    assert "<title>일시적인 오류 | 서울일보</title>" in content


# One language: no Vary: Accept-Language (it would split every cache in two or
# more for the same page)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/categories/정치/",
        "/authors/한지민/",
        "/archive/2024/",
        "/search/?q=기사",
        "/feeds/rss/",
        "/sitemap.xml",
        "/robots.txt",
        "/없는-주소/",
    ],
)
def test_public_pages_do_not_vary_on_accept_language(client, url):
    make_article(
        categories=["정치"], authors=[make_author("한지민")], publish_at=JUNE_2024
    )

    korean = client.get(url, headers={"accept-language": "ko-KR"})
    english = client.get(url, headers={"accept-language": "en-US,en;q=0.9"})

    for response in (korean, english):
        vary = [v.strip().lower() for v in response.get("Vary", "").split(",")]
        assert "accept-language" not in vary
        assert "Content-Language" not in response
    # Whatever the browser asks for, the page is the same Korean page.
    assert english.status_code == korean.status_code
    assert english.content == korean.content


def test_admin_speaks_korean_to_a_browser_asking_for_english(client):
    response = client.get("/admin/login/", headers={"accept-language": "en-US"})

    assert '<html lang="ko"' in html(response)
    assert "로그인" in html(response)
