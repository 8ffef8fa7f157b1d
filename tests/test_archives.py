"""Date archives: /archive/<yyyy>/ and /archive/<yyyy>/<mm>/, in Seoul time."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import make_article
from tests.nonpublic import make_nonpublic_articles

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


def html(response) -> str:
    return response.content.decode()


def card_titles(response) -> list[str]:
    return re.findall(r'class="card__title"><a [^>]*>([^<]*)</a>', html(response))


def test_archive_addresses_use_four_digit_years_and_two_digit_months():
    assert reverse("articles:archive-year", kwargs={"year": 2024}) == "/archive/2024/"
    assert (
        reverse("articles:archive-month", kwargs={"year": 2024, "month": 6})
        == "/archive/2024/06/"
    )


# The year page


def test_year_page_lists_that_years_live_articles_newest_first(client):
    make_article(title="6월 기사", publish_at=seoul(2024, 6, 17, 15))
    make_article(title="1월 기사", publish_at=seoul(2024, 1, 5, 9))
    make_article(title="11월 기사", publish_at=seoul(2024, 11, 2, 8))
    make_article(title="작년 기사", publish_at=seoul(2023, 12, 30, 8))
    make_article(title="이듬해 기사", publish_at=seoul(2025, 1, 2, 8))

    response = client.get("/archive/2024/")

    assert response.status_code == 200
    assert '<h1 class="page-title">2024년</h1>' in html(response)
    assert "<title>2024년 기사 | " in html(response)
    assert card_titles(response) == ["11월 기사", "6월 기사", "1월 기사"]


def test_year_follows_seoul_midnight_not_utc(client):
    # 2023-12-31 15:30 UTC is 2024-01-01 00:30 in Seoul.
    make_article(
        title="새해 첫 기사", publish_at=datetime(2023, 12, 31, 15, 30, tzinfo=UTC)
    )
    # 2024-12-31 15:00 UTC is 2025-01-01 00:00 in Seoul.
    make_article(
        title="이듬해 자정 기사", publish_at=datetime(2024, 12, 31, 15, tzinfo=UTC)
    )
    make_article(title="섣달그믐 기사", publish_at=seoul(2024, 12, 31, 23, 59))

    assert card_titles(client.get("/archive/2024/")) == [
        "섣달그믐 기사",
        "새해 첫 기사",
    ]
    assert card_titles(client.get("/archive/2025/")) == ["이듬해 자정 기사"]
    assert client.get("/archive/2023/").status_code == 404


def test_year_page_lists_months_with_their_live_article_counts(client):
    for day in (3, 17):
        make_article(publish_at=seoul(2024, 6, day, 10))
    make_article(publish_at=seoul(2024, 2, 1, 0, 0))
    # Counted in the month it has in Seoul: 2024-03-31 16:00 UTC is 4월 1일.
    make_article(publish_at=datetime(2024, 3, 31, 16, tzinfo=UTC))
    make_article(publish_at=seoul(2024, 6, 20), status="draft")
    make_article(publish_at=seoul(2024, 6, 21), status="unpublished")

    page = html(client.get("/archive/2024/"))

    months = page[page.index('<nav class="archive-months"') :]
    months = months[: months.index("</nav>")]
    found = re.findall(r'<a href="([^"]+)">(\d+)월 <span[^>]*>(\d+)건</span>', months)
    assert found == [
        ("/archive/2024/02/", "2", "1"),
        ("/archive/2024/04/", "4", "1"),
        ("/archive/2024/06/", "6", "2"),
    ]


def test_year_page_links_the_other_years_with_articles(client):
    make_article(publish_at=seoul(2022, 5, 1, 10))
    make_article(publish_at=seoul(2024, 5, 1, 10))
    make_article(publish_at=seoul(2023, 5, 1, 10), status="draft")

    page = html(client.get("/archive/2024/"))

    years = page[page.index('<nav class="archive-years"') :]
    years = years[: years.index("</nav>")]
    assert re.findall(r'href="(/archive/\d+/)"', years) == [
        "/archive/2024/",
        "/archive/2022/",
    ]
    assert '<a href="/archive/2024/" aria-current="page">2024년</a>' in years


# The month page


def test_month_page_lists_that_months_live_articles_in_korean(client):
    make_article(title="6월 중순 기사", publish_at=seoul(2024, 6, 17, 15))
    make_article(title="6월 초 기사", publish_at=seoul(2024, 6, 1, 0, 0))
    make_article(title="5월 말 기사", publish_at=seoul(2024, 5, 31, 23, 59))
    make_article(title="7월 첫 기사", publish_at=seoul(2024, 7, 1, 0, 0))

    response = client.get("/archive/2024/06/")

    page = html(response)
    assert response.status_code == 200
    assert '<h1 class="page-title">2024년 6월</h1>' in page
    assert "<title>2024년 6월 기사 | " in page
    assert '<a href="/archive/2024/">2024년 지난 기사</a>' in page
    assert card_titles(response) == ["6월 중순 기사", "6월 초 기사"]


def test_december_ends_at_new_year_in_seoul(client):
    make_article(title="12월 기사", publish_at=seoul(2024, 12, 31, 23, 59))
    make_article(title="1월 기사", publish_at=seoul(2025, 1, 1, 0, 0))

    assert card_titles(client.get("/archive/2024/12/")) == ["12월 기사"]
    assert card_titles(client.get("/archive/2025/01/")) == ["1월 기사"]


@pytest.mark.parametrize(
    "url",
    [
        "/archive/2024/00/",
        "/archive/2024/13/",
        "/archive/2024/99/",
        "/archive/2024/6/",
        "/archive/2024/006/",
        "/archive/24/",
        "/archive/02024/",
        "/archive/abcd/",
        "/archive/0000/",
        "/archive/0001/",
        "/archive/9999/",
        "/archive/9999/12/",
        "/archive/0001/01/",
    ],
)
def test_impossible_dates_answer_404_not_500(client, url):
    make_article(publish_at=seoul(2024, 6, 17, 15))

    response = client.get(url)

    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in html(response)


@pytest.mark.parametrize("url", ["/archive/2019/", "/archive/2024/05/"])
def test_period_without_live_articles_answers_404(client, url):
    """An empty period is a 404: nothing to read, and no endless empty pages for
    crawlers, and no hint that an unpublished story exists."""
    make_article(publish_at=seoul(2024, 6, 17, 15))
    make_article(title="5월 초안", publish_at=seoul(2024, 5, 3), status="draft")
    make_article(
        title="2019 게재 취소", publish_at=seoul(2019, 5, 3), status="unpublished"
    )

    response = client.get(url)

    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in html(response)


# Visibility


@time_machine.travel(seoul(2024, 6, 17, 12), tick=False)
@pytest.mark.parametrize("url", ["/archive/2024/", "/archive/2024/06/"])
def test_archives_show_no_article_a_reader_may_not_see(client, url):
    hidden = make_nonpublic_articles()
    make_article(title="공개된 6월 기사")

    response = client.get(url)

    page = html(response)
    assert card_titles(response) == ["공개된 6월 기사"]
    for article in hidden:
        assert article.title not in page, article.title
    if url == "/archive/2024/":
        assert '<a href="/archive/2024/06/">6월 <span' in page
        assert "1건</span>" in page


@time_machine.travel(seoul(2024, 6, 17, 12), tick=False)
def test_scheduled_article_joins_its_month_when_its_time_comes(client):
    make_article(title="이미 나간 기사", publish_at=seoul(2024, 6, 3))
    make_article(title="오후에 나갈 기사", publish_at=seoul(2024, 6, 17, 15))

    assert card_titles(client.get("/archive/2024/06/")) == ["이미 나간 기사"]
    with time_machine.travel(seoul(2024, 6, 17, 16), tick=False):
        assert card_titles(client.get("/archive/2024/06/")) == [
            "오후에 나갈 기사",
            "이미 나간 기사",
        ]


# Pagination


@pytest.mark.parametrize("url", ["/archive/2024/", "/archive/2024/06/"])
def test_archives_paginate_with_page_links(client, settings, url):
    settings.NEWSROOM_ARTICLES_PER_PAGE = 2
    start = seoul(2024, 6, 28, 12)
    for n in range(1, 8):
        make_article(title=f"기사 {n}", publish_at=start - timedelta(hours=n))

    first = client.get(url)
    second = client.get(url, {"page": "2"})
    last = client.get(url, {"page": "4"})

    assert card_titles(first) == ["기사 1", "기사 2"]
    assert card_titles(second) == ["기사 3", "기사 4"]
    assert card_titles(last) == ["기사 7"]
    page = html(second)
    assert f'<a href="{url}" rel="prev">이전</a>' in page
    assert '<a href="?page=3" rel="next">다음</a>' in page
    assert '<a href="?page=4">4</a>' in page
    assert "4쪽 중 2쪽" in page
    assert 'rel="next"' not in html(last)
    assert "(2쪽) | " in page


@pytest.mark.parametrize("url", ["/archive/2024/", "/archive/2024/06/"])
@pytest.mark.parametrize("page", ["2", "999", "0", "-1", "abc", "1.5", "9" * 5000])
def test_archive_page_out_of_range_or_not_a_number_answers_404(client, url, page):
    make_article(publish_at=seoul(2024, 6, 17, 15))

    response = client.get(url, {"page": page})

    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in html(response)


@pytest.mark.parametrize("url", ["/archive/2024/", "/archive/2024/06/"])
def test_archive_headings_are_in_order(client, url):
    make_article(publish_at=seoul(2024, 6, 17, 15))
    make_article(publish_at=seoul(2024, 6, 18, 15))

    levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", html(client.get(url)))]

    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
