"""The site lists (navigation, sections, archive years): cached, and never stale
after a workflow action, a category edit or a scheduled publication or expiry."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import sitecache, workflow
from articles.models import Article, Category
from tests.factories import make_article
from tests.test_views import related_titles

pytestmark = pytest.mark.django_db


def navigation(client) -> list[str]:
    page = client.get("/").content.decode()
    nav = page[page.index('<nav class="site-nav"') : page.index("</nav>")]
    return re.findall(r"<li><a [^>]*>([^<]*)</a></li>", nav)[1:]  # after 최신 기사


def archive_years(client) -> list[str]:
    page = client.get("/").content.decode()
    return re.findall(r'<a href="/archive/(\d{4})/"', page)


def queries(client, url="/") -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


def test_second_page_reads_the_lists_from_the_cache(client):
    make_article(categories=["정치"])

    cold, warm = queries(client), queries(client)

    # The lists cost queries once; the next page finds them in the cache.
    assert warm < cold
    assert navigation(client) == ["정치"]


def test_a_publish_shows_in_the_navigation_on_the_next_request(
    client, editor, django_capture_on_commit_callbacks
):
    make_article(categories=["정치"])
    draft = make_article(
        categories=["경제"], status=Article.Status.DRAFT, publish_at=None
    )
    assert navigation(client) == ["정치"]  # cached now, without 경제

    # Committed as in production: invalidation may wait for the commit.
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(draft, by=editor)

    assert navigation(client) == ["경제", "정치"]


def test_an_unpublish_leaves_the_navigation_on_the_next_request(
    client, editor, django_capture_on_commit_callbacks
):
    make_article(categories=["정치"])
    story = make_article(categories=["경제"])
    assert navigation(client) == ["경제", "정치"]

    with django_capture_on_commit_callbacks(execute=True):
        workflow.unpublish(story, by=editor)

    assert navigation(client) == ["정치"]


def test_a_take_down_leaves_the_archive_years_on_the_next_request(
    client, editor, django_capture_on_commit_callbacks
):
    make_article(categories=["정치"])
    old = make_article(publish_at=timezone.now() - timedelta(days=800))
    year = str(timezone.localtime(old.publish_at).year)
    assert year in archive_years(client)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.take_down(old, by=editor, notice="법원 결정에 따라 삭제합니다.")

    assert year not in archive_years(client)


def test_categories_added_to_a_live_article_show_on_the_next_request(
    client, django_capture_on_commit_callbacks
):
    story = make_article(categories=["정치"])
    assert navigation(client) == ["정치"]

    with django_capture_on_commit_callbacks(execute=True):
        story.categories.add("국제")

    assert navigation(client) == ["국제", "정치"]


def test_an_editor_marking_a_section_changes_the_navigation_at_once(client):
    make_article(categories=["정치", "경제", "문화"])
    assert navigation(client) == ["경제", "문화", "정치"]

    culture = Category.objects.get(name="문화")
    culture.is_section = True
    culture.save()
    assert navigation(client) == ["문화"]

    culture.name = "문화·예술"
    culture.save()
    assert navigation(client) == ["문화·예술"]


def test_a_scheduled_article_enters_the_navigation_at_its_time(client, editor):
    make_article(categories=["정치"])
    now = timezone.now()
    scheduled = make_article(
        categories=["경제"], status=Article.Status.DRAFT, publish_at=None
    )
    workflow.publish(scheduled, by=editor, at=now + timedelta(hours=1))

    with time_machine.travel(now, tick=False):
        assert navigation(client) == ["정치"]
        lists = sitecache.site_lists()
        assert lists.valid_until == now + timedelta(hours=1)
    # Within the copy's backstop lifetime (sitecache.LIFETIME): local memory
    # expires by Python's clock, which time_machine moves; Redis does not.
    with time_machine.travel(now + timedelta(minutes=9), tick=False):
        assert navigation(client) == ["정치"]
        assert sitecache.site_lists() == lists  # still the cached copy
    # No signal, no job: the cached copy is outdated from the publish time on.
    with time_machine.travel(now + timedelta(hours=1), tick=False):
        assert navigation(client) == ["경제", "정치"]


def test_an_expiring_article_leaves_the_lists_at_its_expiry(client):
    now = timezone.now()
    make_article(categories=["정치"])
    make_article(
        categories=["경제"],
        publish_at=now - timedelta(days=800),
        expire_at=now + timedelta(minutes=30),
    )
    year = str(timezone.localtime(now - timedelta(days=800)).year)

    with time_machine.travel(now, tick=False):
        assert navigation(client) == ["경제", "정치"]
        assert year in archive_years(client)
    with time_machine.travel(now + timedelta(minutes=30), tick=False):
        assert navigation(client) == ["정치"]
        assert year not in archive_years(client)


def test_a_copy_is_never_used_for_a_moment_before_it_was_read():
    now = timezone.now()
    make_article(categories=["정치"], publish_at=now - timedelta(minutes=5))

    assert [c.name for c in sitecache.site_lists(now).navigation] == ["정치"]
    # Asked about a time before that article went live, the lists are read again.
    earlier = sitecache.site_lists(now - timedelta(minutes=10))
    assert earlier.navigation == ()


def related(client, article) -> list[str]:
    return related_titles(client.get(article.get_absolute_url()))


def test_related_articles_follow_a_publish_and_a_take_down_on_the_next_request(
    client, editor, django_capture_on_commit_callbacks
):
    story = make_article(title="국회 예산 심사 시작", categories=["정치"])
    older = make_article(
        title="여야 원내대표 회동",
        categories=["정치"],
        publish_at=timezone.now() - timedelta(hours=5),
    )
    draft = make_article(
        title="국정감사 일정 확정", categories=["정치"], status=Article.Status.DRAFT
    )
    assert related(client, story) == ["여야 원내대표 회동"]  # arrivals kept now

    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(draft, by=editor)
    assert related(client, story) == ["국정감사 일정 확정", "여야 원내대표 회동"]

    with django_capture_on_commit_callbacks(execute=True):
        workflow.take_down(older, by=editor, notice="법원 결정에 따라 삭제합니다.")
    assert related(client, story) == ["국정감사 일정 확정"]


def test_a_scheduled_article_joins_related_articles_at_its_time(client, editor):
    story = make_article(title="태풍 북상 중", categories=["날씨"])
    now = timezone.now()
    scheduled = make_article(
        title="태풍 상륙 예보", categories=["날씨"], status=Article.Status.DRAFT
    )
    workflow.publish(scheduled, by=editor, at=now + timedelta(minutes=30))

    with time_machine.travel(now, tick=False):
        assert related(client, story) == []
    with time_machine.travel(now + timedelta(minutes=30), tick=False):
        assert related(client, story) == ["태풍 상륙 예보"]


def test_values_kept_with_the_lists_stop_at_their_bound():
    """Per-article values (related articles) are kept with the lists only up to
    `most`, so a worker does not grow with the site; beyond it they are
    computed per call, with the same answer."""
    made = []

    def make(name):
        def compute(now):
            made.append(name)
            return name.upper()

        return compute

    sitecache.forget()
    held = len(sitecache.site_lists().derived)
    assert sitecache.kept("a", make("a"), most=held + 1) == "A"
    assert sitecache.kept("b", make("b"), most=held + 1) == "B"
    assert sitecache.kept("a", make("a"), most=held + 1) == "A"
    assert sitecache.kept("b", make("b"), most=held + 1) == "B"

    assert made == ["a", "b", "b"]  # "a" was kept, "b" came past the bound
