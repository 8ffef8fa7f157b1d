from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.paginator import Paginator
from django.template import Context, Template
from django.utils import timezone

from articles.models import Article, Category
from articles.templatetags.articles_tags import korean_datetime
from tests.factories import make_article


def render(source: str, **context) -> str:
    return Template("{% load articles_tags %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("utc", "seoul"),
    [
        # Seoul is UTC+9 all year (no daylight saving).
        (datetime(2024, 6, 17, 6, 5, tzinfo=UTC), "2024년 6월 17일 오후 3:05"),
        (datetime(2024, 1, 5, 0, 30, tzinfo=UTC), "2024년 1월 5일 오전 9:30"),
        (datetime(2024, 1, 5, 3, 0, tzinfo=UTC), "2024년 1월 5일 오후 12:00"),
        (datetime(2024, 3, 1, 15, 0, tzinfo=UTC), "2024년 3월 2일 오전 12:00"),
        (datetime(2024, 12, 31, 14, 59, tzinfo=UTC), "2024년 12월 31일 오후 11:59"),
    ],
    ids=["afternoon", "morning", "noon", "midnight-next-day", "before-midnight"],
)
def test_korean_datetime_shows_seoul_time_on_a_12_hour_clock(utc, seoul):
    assert render("{{ when|korean_datetime }}", when=utc) == seoul


def test_korean_datetime_reads_the_same_when_called_directly():
    when = datetime(2024, 6, 17, 6, 5, tzinfo=UTC)

    assert korean_datetime(when) == "2024년 6월 17일 오후 3:05"


def test_korean_datetime_of_nothing_is_empty():
    assert render("[{{ when|korean_datetime }}]", when=None) == "[]"
    assert render("[{{ missing|korean_datetime }}]") == "[]"


def test_korean_date_drops_the_time_and_uses_the_seoul_day():
    late_evening_utc = datetime(2024, 6, 16, 20, 0, tzinfo=UTC)

    assert render("{{ when|korean_date }}", when=late_evening_utc) == "2024년 6월 17일"
    assert render("{{ when|korean_date }}", when=date(2025, 10, 3)) == "2025년 10월 3일"


def test_page_links_elide_distant_pages():
    paginator = Paginator(range(100), 5)  # 20 pages
    page = paginator.page(10)

    output = render("{% page_links page as pages %}{{ pages|join:' ' }}", page=page)

    gap = Paginator.ELLIPSIS
    assert output == f"1 {gap} 8 9 10 11 12 {gap} 20"


def test_page_links_list_every_page_of_a_short_listing():
    page = Paginator(range(12), 5).page(1)

    output = render("{% page_links page as pages %}{{ pages|join:' ' }}", page=page)

    assert output == "1 2 3"


def test_publication_name_comes_from_settings(settings):
    settings.NEWSROOM_SITE_NAME = "서울일보"

    assert render("{% publication_name %}") == "서울일보"


@pytest.mark.django_db
def test_category_nav_lists_live_categories_by_name_until_sections_are_chosen():
    make_article(categories=["정치"])
    make_article(categories=["경제", "정치"])
    make_article(categories=["사회"], status=Article.Status.DRAFT)
    make_article(categories=["국제"], publish_at=timezone.now() + timedelta(hours=1))

    output = render("{% category_nav %}")

    assert output.index(">경제</a>") < output.index(">정치</a>")
    assert "사회" not in output
    assert "국제" not in output


@pytest.mark.django_db
def test_category_nav_lists_editor_sections_in_their_order():
    make_article(categories=["경제", "경제", "정치", "스포츠"])
    make_article(categories=["경제"])
    Category.objects.filter(name="정치").update(is_section=True, section_order=2)
    Category.objects.filter(name="스포츠").update(is_section=True, section_order=1)

    output = render("{% category_nav %}")

    assert output.index(">스포츠</a>") < output.index(">정치</a>")
    assert ">경제</a>" not in output


@pytest.mark.django_db
def test_category_nav_leaves_out_sections_without_live_articles():
    make_article(categories=["정치"])
    make_article(categories=["사회"], status=Article.Status.DRAFT)
    Category.objects.update(is_section=True)

    output = render("{% category_nav %}")

    assert ">정치</a>" in output
    assert "사회" not in output


@pytest.mark.django_db
def test_category_nav_shows_at_most_eight_sections():
    names = [f"분류{n}" for n in range(10)]
    make_article(categories=names)

    output = render("{% category_nav %}")

    assert output.count("<li>") == 8
