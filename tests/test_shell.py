"""The page shell (articles/shell.py): rendered once, never stale."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from articles.models import Category
from tests.factories import make_article

pytestmark = pytest.mark.django_db

HEADER = "articles/includes/site_header.html"


def rendered(response) -> set[str]:
    return {template.name for template in response.templates}


def test_the_header_is_rendered_once_and_again_after_a_category_rename(client):
    make_article(categories=["정치"])
    first = client.get("/")
    assert HEADER in rendered(first)

    again = client.get("/")
    assert HEADER not in rendered(again)  # the kept copy, not a new rendering
    assert again.content == first.content

    category = Category.objects.get(name="정치")
    category.name = "국회"
    category.save()
    renamed = client.get("/")
    nav = renamed.content.decode().split('<nav class="site-nav"')[1].split("</nav>")[0]
    assert "국회" in nav
    assert "정치" not in nav


def test_the_current_section_is_marked_only_on_its_own_page(client):
    make_article(categories=["정치", "경제"])
    politics = Category.objects.get(name="정치")

    on_politics = client.get(politics.get_absolute_url()).content.decode()
    on_front = client.get("/").content.decode()

    assert f'href="{politics.get_absolute_url()}" aria-current="page"' in on_politics
    assert 'aria-current="page">정치' not in on_front
    assert (
        "aria-current"
        not in on_front.split('<nav class="site-nav"')[1].split("</nav>")[0]
    )


def test_the_results_page_header_keeps_the_query_and_other_pages_do_not(client):
    make_article(title="관세 협상 타결")

    results = client.get("/search/", {"q": "관세<협상>"}).content.decode()
    front = client.get("/").content.decode()

    assert 'value="관세&lt;협상&gt;"' in results
    assert 'value=""' in front
    assert "관세&lt;협상&gt;" not in front


def test_the_footer_year_turns_at_midnight_in_seoul_not_in_utc(client):
    make_article()
    seoul = ZoneInfo("Asia/Seoul")
    before = datetime(2026, 12, 31, 23, 59, 59, tzinfo=seoul)
    with time_machine.travel(before, tick=False):
        assert "&copy; 2026 " in client.get("/").content.decode()
    # 15:00 UTC on 31 December: still 2026 in London, already 2027 in Seoul.
    with time_machine.travel(before + timedelta(seconds=1), tick=False):
        assert "&copy; 2027 " in client.get("/").content.decode()
    with time_machine.travel(before, tick=False):  # a clock set back
        assert "&copy; 2026 " in client.get("/").content.decode()
