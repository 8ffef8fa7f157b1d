"""The front page: the lead story an editor pins, the latest articles, the sections."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import listings, workflow
from articles.models import Article, Category
from tests.factories import make_article, make_author
from tests.nonpublic import make_nonpublic_articles
from tests.people import make_staff
from tests.test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db


def hours_ago(hours: float):
    return timezone.now() - timedelta(hours=hours)


def front() -> str:
    """The front page as an anonymous reader gets it."""
    response = Client().get("/")
    assert response.status_code == 200
    return response.content.decode()


def part(page: str, start: str, end: str) -> str:
    """The page from the first `start` to the next `end` after it."""
    begin = page.index(start)
    return page[begin : page.index(end, begin)]


def lead_title(page: str) -> str | None:
    found = re.search(r'<h2 class="lead__title"><a [^>]*>([^<]*)</a>', page)
    return found[1] if found else None


def latest_titles(page: str) -> list[str]:
    latest = part(page, '<section class="front-latest"', "</section>")
    return re.findall(r'<h3 class="card__title"><a [^>]*>([^<]*)</a>', latest)


def sections(page: str) -> dict[str, list[str]]:
    """Section name -> card titles, in page order."""
    found = {}
    for block in re.findall(
        r'<section class="front-section".*?</section>', page, flags=re.S
    ):
        name = re.search(r'<h2 class="section-title"[^>]*><a [^>]*>([^<]*)</a>', block)
        found[name[1]] = re.findall(
            r'<h3 class="card__title"><a [^>]*>([^<]*)</a>', block
        )
    return found


def make_section(name: str, order: int = 0) -> Category:
    category, _ = Category.objects.get_or_create(name=name)
    category.is_section = True
    category.section_order = order
    category.save()
    return category


# The lead story -------------------------------------------------------------------


def test_newest_live_article_leads_when_nothing_is_pinned():
    make_article(title="어제 기사", publish_at=hours_ago(24))
    make_article(title="방금 들어온 기사", publish_at=hours_ago(0.1))
    make_article(title="아침 기사", publish_at=hours_ago(5))

    page = front()

    assert lead_title(page) == "방금 들어온 기사"
    # The lead is not printed a second time in the latest list.
    assert latest_titles(page) == ["아침 기사", "어제 기사"]


def test_pinned_article_leads_even_when_newer_ones_exist():
    make_article(title="고정한 단독 기사", publish_at=hours_ago(30), is_pinned=True)
    make_article(title="방금 들어온 기사", publish_at=hours_ago(0.1))

    page = front()

    assert lead_title(page) == "고정한 단독 기사"
    assert latest_titles(page) == ["방금 들어온 기사"]


def test_newest_of_several_pinned_articles_leads():
    make_article(title="지난주 고정 기사", publish_at=hours_ago(24 * 7), is_pinned=True)
    make_article(title="오늘 고정 기사", publish_at=hours_ago(3), is_pinned=True)
    make_article(title="고정 안 한 새 기사", publish_at=hours_ago(1))

    page = front()

    assert lead_title(page) == "오늘 고정 기사"
    assert latest_titles(page) == ["고정 안 한 새 기사", "지난주 고정 기사"]


def test_pinned_article_that_is_not_public_never_leads():
    pinned = make_nonpublic_articles(is_pinned=True)
    make_article(title="공개된 기사", publish_at=hours_ago(2))

    page = front()

    assert lead_title(page) == "공개된 기사"
    for article in pinned:
        assert article.title not in page


def test_pinned_lead_steps_down_when_it_expires():
    now = timezone.now()
    pinned = make_article(
        title="곧 내려갈 고정 기사",
        publish_at=now - timedelta(hours=3),
        expire_at=now + timedelta(hours=1),
        is_pinned=True,
    )
    make_article(title="보통 기사", publish_at=now - timedelta(hours=1))

    assert listings.lead_story(now).pk == pinned.pk
    later = listings.lead_story(now + timedelta(hours=2))
    assert later.title == "보통 기사"


def test_lead_story_shows_image_standfirst_byline_and_categories():
    author = make_author("한지민")
    article = make_article(
        title="서울시, 내년 예산 48조 원 편성",
        feature_text="복지와 교통 예산이 크게 늘었다.",
        image_url="https://example.com/lead.jpg",
        image_alt="서울시청 전경",
        categories=["서울"],
        authors=[author],
    )

    lead = part(front(), '<section class="lead"', "</section>")

    assert '<img class="lead__image" src="https://example.com/lead.jpg"' in lead
    assert 'alt="서울시청 전경"' in lead
    assert f'href="{article.get_absolute_url()}">서울시, 내년 예산 48조 원 편성' in lead
    assert "복지와 교통 예산이 크게 늘었다." in lead
    assert f'href="{author.get_absolute_url()}" rel="author">한지민</a>' in lead
    assert f'href="{Category.objects.get(name="서울").get_absolute_url()}"' in lead


# The latest articles --------------------------------------------------------------


def test_latest_cards_show_image_excerpt_and_date():
    make_article(title="톱기사", publish_at=hours_ago(1))
    make_article(
        title="사진 있는 기사",
        excerpt="지하철 요금이 150원 오른다.",
        image_url="https://example.com/subway.jpg",
        publish_at=hours_ago(2),
    )

    latest = part(front(), '<section class="front-latest"', "</section>")

    assert 'src="https://example.com/subway.jpg"' in latest
    assert "지하철 요금이 150원 오른다." in latest
    assert "<time datetime=" in latest


def test_no_unpublished_article_appears_anywhere_on_the_front_page():
    section = make_section("정치")
    author = make_author("한지민")
    hidden = make_nonpublic_articles(categories=[section.name], authors=[author])
    make_article(title="공개 기사 하나", categories=[section.name], authors=[author])
    make_article(title="공개 기사 둘", publish_at=hours_ago(3))

    page = front()

    for article in hidden:
        assert article.title not in page, article.title
    assert lead_title(page) == "공개 기사 하나"
    assert latest_titles(page) == ["공개 기사 둘"]
    assert sections(page) == {"정치": ["공개 기사 하나"]}


def test_front_page_with_one_article_shows_it_as_lead_only():
    make_article(title="유일한 기사")

    page = front()

    assert lead_title(page) == "유일한 기사"
    assert 'class="front-latest"' not in page
    assert "아직 게재된 기사가 없습니다." not in page


def test_empty_front_page_says_there_is_nothing_yet():
    make_nonpublic_articles()

    page = front()

    assert lead_title(page) is None
    assert "아직 게재된 기사가 없습니다." in page
    assert 'class="pagination"' not in page


def test_later_pages_continue_the_latest_list_without_lead_or_sections(
    client, settings
):
    settings.NEWSROOM_ARTICLES_PER_PAGE = 2
    make_section("경제")
    for hours in range(1, 6):
        make_article(
            title=f"{hours}시간 전 기사",
            categories=["경제"],
            publish_at=hours_ago(hours),
        )

    first = client.get("/").content.decode()
    second = client.get("/?page=2").content.decode()
    third = client.get("/", {"page": "3"})

    assert lead_title(first) == "1시간 전 기사"
    assert latest_titles(first) == ["2시간 전 기사", "3시간 전 기사"]
    assert '<a href="?page=2" rel="next">다음</a>' in first
    cards = re.findall(r'<h2 class="card__title"><a [^>]*>([^<]*)</a>', second)
    assert cards == ["4시간 전 기사", "5시간 전 기사"]
    assert '<h1 class="page-title">최신 기사</h1>' in second
    assert "<title>최신 기사 (2쪽) | " in second
    assert 'class="lead"' not in second and 'class="front-section"' not in second
    assert '<a href="/" rel="prev">이전</a>' in second
    assert third.status_code == 404


# Sections -------------------------------------------------------------------------


def test_sections_follow_the_editors_order_with_their_newest_articles():
    make_section("경제", order=2)
    make_section("정치", order=1)
    make_section("국제", order=2)  # same order as 경제: by name, 경 before 국
    Category.objects.create(name="연예")  # not a section
    make_article(title="톱", publish_at=hours_ago(0.5))
    for hours in range(1, 7):
        make_article(
            title=f"정치 {hours}", categories=["정치"], publish_at=hours_ago(hours)
        )
    make_article(title="경제 1", categories=["경제", "정치"], publish_at=hours_ago(8))
    make_article(title="국제 1", categories=["국제"], publish_at=hours_ago(9))
    make_article(title="연예 1", categories=["연예"], publish_at=hours_ago(10))

    found = sections(front())

    assert list(found) == ["정치", "경제", "국제"]
    # At most SECTION_ARTICLES each, newest first.
    assert len(found["정치"]) == listings.SECTION_ARTICLES == 4
    assert found["정치"] == ["정치 1", "정치 2", "정치 3", "정치 4"]
    assert found["경제"] == ["경제 1"]
    assert found["국제"] == ["국제 1"]


def test_section_without_live_articles_is_left_out():
    make_section("엠바고 단독")
    make_section("사회")
    make_article(title="사회 기사", categories=["사회"])
    make_article(title="엠바고 초안", categories=["엠바고 단독"], status="draft")

    page = front()

    assert list(sections(page)) == ["사회"]
    assert "엠바고" not in page


def test_section_links_to_its_category_page():
    category = make_section("스포츠")
    make_article(categories=["스포츠"])

    block = part(front(), '<section class="front-section"', "</section>")

    assert f'<a href="{category.get_absolute_url()}">스포츠 기사 더 보기</a>' in block


def test_sections_show_a_publish_a_take_down_and_a_rename_on_the_next_request(
    editor, django_capture_on_commit_callbacks
):
    politics = make_section("정치")
    make_article(title="톱 기사", publish_at=hours_ago(0.5))
    old = make_article(
        title="국회 본회의 개의", categories=["정치"], publish_at=hours_ago(3)
    )
    draft = make_article(title="예산안 처리 합의", categories=["정치"], status="draft")
    assert sections(front()) == {"정치": ["국회 본회의 개의"]}  # rendered, kept

    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(draft, by=editor)
    assert sections(front()) == {"정치": ["예산안 처리 합의", "국회 본회의 개의"]}

    with django_capture_on_commit_callbacks(execute=True):
        workflow.take_down(old, by=editor, notice="법원 결정에 따라 삭제합니다.")
    assert sections(front()) == {"정치": ["예산안 처리 합의"]}

    politics.name = "정치·국회"
    politics.save()
    assert list(sections(front())) == ["정치·국회"]


def test_a_scheduled_article_enters_its_section_at_its_time(editor):
    make_section("날씨")
    make_article(title="태풍 북상 중", categories=["날씨"], publish_at=hours_ago(2))
    now = timezone.now()
    scheduled = make_article(
        title="태풍 상륙 예보", categories=["날씨"], status="draft"
    )
    workflow.publish(scheduled, by=editor, at=now + timedelta(minutes=30))

    with time_machine.travel(now, tick=False):
        assert sections(front()) == {"날씨": ["태풍 북상 중"]}
    with time_machine.travel(now + timedelta(minutes=30), tick=False):
        assert sections(front()) == {"날씨": ["태풍 상륙 예보", "태풍 북상 중"]}


def test_front_page_headings_are_in_order():
    make_section("정치")
    make_article(categories=["정치"], publish_at=hours_ago(1))
    make_article(categories=["정치"], publish_at=hours_ago(2))

    levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", front())]

    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    # h1 first page title; h2 lead; h2 latest, h3 its card; h2 section, h3 both cards.
    # ...then h2 for the archive years.
    assert levels == [1, 2, 2, 3, 2, 3, 3, 2]


# Pinning in the admin: an editor's call -------------------------------------------


def test_editor_pins_an_article_in_the_admin(client):
    editor = make_staff("Editor")
    article = make_article(title="고정할 기사", publish_at=hours_ago(5))
    make_article(title="더 새 기사", publish_at=hours_ago(1))
    client.force_login(editor)
    data = form_data(client, article)
    data["is_pinned"] = "on"

    response = client.post(admin_url("change", article), data)

    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).is_pinned
    client.logout()
    assert lead_title(front()) == "고정할 기사"


def test_reporter_cannot_pin_in_the_admin(client):
    reporter = make_staff("Reporter")
    article = make_article(
        title="기자의 초안", status="draft", publish_at=None, owner=reporter
    )
    client.force_login(reporter)
    data = form_data(client, article)
    assert "is_pinned" not in data  # shown read-only, not as an input
    data.update(title="고친 초안", is_pinned="on")

    response = client.post(admin_url("change", article), data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "고친 초안" and not article.is_pinned


def test_workflow_refuses_a_pin_from_someone_who_may_not_publish():
    reporter = make_staff("Reporter")
    article = make_article(status="draft", publish_at=None, owner=reporter)
    article.is_pinned = True

    with pytest.raises(PermissionDenied):
        workflow.save_article(article, by=reporter)
    assert not Article.objects.get(pk=article.pk).is_pinned


def test_editor_marks_and_orders_sections_from_the_category_list(client):
    politics = Category.objects.create(name="정치")
    client.force_login(make_staff("Editor"))
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(politics.pk),
        "form-0-is_section": "on",
        "form-0-section_order": "3",
        "_save": "저장",
    }

    response = client.post(reverse("admin:articles_category_changelist"), data)

    assert response.status_code == 302
    politics.refresh_from_db()
    assert politics.is_section and politics.section_order == 3
