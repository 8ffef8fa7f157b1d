"""Stored cards and article-page fragments: shown, refreshed, never stale."""

import pytest

from articles import fragments, workflow
from articles.models import Article, Category
from tests.factories import make_article, make_author

pytestmark = pytest.mark.django_db


def test_a_saved_article_stores_its_card_with_korean_date_and_links():
    kim = make_author("김서울", slug="kim")
    article = make_article(title="서울시 예산안", categories=["정치"], authors=[kim])
    article.refresh_from_db()

    assert fragments.is_current(article)
    assert "서울시 예산안" in article.card_html
    assert "김서울" in article.card_html
    assert "정치" in article.card_html
    assert f"{article.publish_at.year}년" in article.card_html


def test_renaming_a_category_shows_on_the_next_request(client):
    article = make_article(categories=["정치"])
    category = Category.objects.get(name="정치")
    assert "정치" in client.get("/").content.decode()

    category.name = "국회와 정당"
    category.save()

    page = client.get("/").content.decode()
    assert "국회와 정당" in page
    article.refresh_from_db()
    assert "국회와 정당" in article.card_html


def test_renaming_an_author_shows_on_the_next_request(client):
    author = make_author("김기자")
    article = make_article(authors=[author])

    author.name = "박기자"
    author.save()

    assert "박기자" in client.get("/").content.decode()
    assert "박기자" in client.get(article.get_absolute_url()).content.decode()


def test_a_title_edit_through_the_workflow_shows_on_lists_and_page(client, editor):
    article = make_article(title="첫 제목")
    client.get("/")
    article.title = "고친 제목"
    workflow.save_article(article, by=editor, expected_version=article.version)

    assert "고친 제목" in client.get("/").content.decode()
    assert "첫 제목" not in client.get("/").content.decode()


def test_a_correction_is_stored_with_the_article_and_shown_on_the_next_request(
    client, editor
):
    article = make_article(title="예산안 기사")
    assert "정정·반론" not in client.get(article.get_absolute_url()).content.decode()

    workflow.add_correction(
        article, by=editor, kind="correction", text="예산 규모를 <b>고쳤습니다</b>."
    )

    article.refresh_from_db()
    assert fragments.is_current(article)
    assert "예산 규모를 &lt;b&gt;고쳤습니다&lt;/b&gt;." in article.corrections_html
    page = client.get(article.get_absolute_url()).content.decode()
    assert "정정·반론" in page
    assert "예산 규모를 &lt;b&gt;고쳤습니다&lt;/b&gt;." in page


def test_a_hostile_title_is_stored_escaped(client):
    article = make_article(title='<script>alert("x")</script> 기사')
    article.refresh_from_db()

    assert "<script>alert" not in article.card_html
    assert "&lt;script&gt;" in article.card_html
    assert "<script>alert" not in client.get("/").content.decode()


def test_fragments_made_with_other_settings_are_rendered_per_request(client, settings):
    article = make_article()
    settings.NEWSROOM_SITE_URL = "https://news.example.kr"

    page = client.get(article.get_absolute_url()).content.decode()

    assert 'rel="canonical" href="https://news.example.kr/' in page


def test_a_stale_article_page_reads_its_row_again_once_not_per_column(
    client, django_assert_max_num_queries
):
    kim = make_author("김서울")
    article = make_article(title="조각이 낡은 기사", categories=["정치"], authors=[kim])
    Article.objects.filter(pk=article.pk).update(fragments_key="")
    client.get("/")  # the site lists, read once whatever the page

    # The page's query, the row again with its categories and bylines, the
    # category's newest arrivals (related articles) and the corrections; 18
    # when each column the page's query leaves out was read on its own.
    with django_assert_max_num_queries(4):
        page = client.get(article.get_absolute_url()).content.decode()

    assert "조각이 낡은 기사" in page
    assert "김서울" in page


def test_a_prepared_query_runs_with_each_requests_inputs(client, editor):
    """The article query is compiled once: a second article, and one taken down
    since, still get their own answers."""
    first = make_article(title="첫째 기사")
    second = make_article(title="둘째 기사")
    assert "첫째 기사" in client.get(first.get_absolute_url()).content.decode()
    assert "둘째 기사" in client.get(second.get_absolute_url()).content.decode()

    workflow.take_down(first, by=editor, notice="법원 결정에 따라 삭제했습니다.")

    assert client.get(first.get_absolute_url()).status_code == 410


def test_refresh_fragments_stores_the_stale_rows_and_leaves_current_ones():
    from django.core.management import call_command

    from articles.models import Article

    stale = make_article(title="옛 조각 기사")
    current = make_article(title="새 조각 기사")
    Article.objects.filter(pk=stale.pk).update(fragments_key="", card_html="")
    Article.objects.filter(pk=current.pk).update(card_html="손대지 않은 카드")

    call_command("refresh_fragments", "--stale", verbosity=0)

    stale.refresh_from_db()
    current.refresh_from_db()
    assert fragments.is_current(stale)
    assert "옛 조각 기사" in stale.card_html
    assert current.card_html == "손대지 않은 카드"  # its key was current


def test_after_refresh_fragments_related_cards_come_from_the_stored_rows(client):
    """The site lists keep rows of each category's newest articles for related
    articles; rows read while their cards were stale must not outlive the
    refresh, or every article page renders those cards again."""
    from django.core.management import call_command

    from articles import sitecache
    from articles.models import Article

    related = make_article(title="함께 읽을 기사", categories=["경제"])
    article = make_article(title="오늘의 경제", categories=["경제"])
    Article.objects.filter(pk=related.pk).update(fragments_key="")
    sitecache.forget()
    client.get(article.get_absolute_url())  # the lists now hold the stale row

    call_command("refresh_fragments", "--stale", verbosity=0)
    page = client.get(article.get_absolute_url())

    assert "함께 읽을 기사" in page.content.decode()
    assert page.templates == []  # no card rendered per request
