"""Pages filled into their template's frame (articles/frames.py): the same
page the template renders, never stale, values escaped."""

import pytest
from django.template.loader import render_to_string
from django.test.utils import override_settings

from articles import frames, listings, workflow
from articles.context_processors import site
from articles.models import Article, Category
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def template_rendering(article: Article) -> str:
    """The article page as the template engine renders it, from the parts the
    view computes."""
    article = Article.objects.with_category_ids().get(pk=article.pk)
    related = listings.related_articles(article)
    return render_to_string(
        "articles/article_detail.html",
        {**site(None), "article": article, **frames.article_parts(article, related)},
    )


def test_the_article_page_is_what_its_template_renders(client, editor):
    make_article(title="예산 심사 시작", categories=["정치", "경제"])
    make_article(title="국회 본회의", categories=["정치"])
    article = make_article(title="예산안 통과", categories=["정치", "경제"])
    workflow.add_correction(
        article, by=editor, kind="correction", text="통과 날짜를 고쳤습니다."
    )

    first = client.get(article.get_absolute_url())
    again = client.get(article.get_absolute_url())

    assert again.templates == []  # the kept frame: no template rendered
    page = again.content.decode()
    assert page == first.content.decode() == template_rendering(article)
    assert "<title>예산안 통과 | " in page
    assert "관련 기사" in page and "예산 심사 시작" in page and "국회 본회의" in page
    assert "통과 날짜를 고쳤습니다." in page


def test_an_article_without_related_articles_has_no_related_section(client):
    article = make_article(title="단독 기사", categories=["과학"])

    page = client.get(article.get_absolute_url()).content.decode()

    assert page == template_rendering(article)
    assert "관련 기사" not in page


def test_a_title_with_markup_is_escaped_in_every_slot(client):
    article = make_article(title='<script>alert("x")</script> & 예산')

    page = client.get(article.get_absolute_url()).content.decode()

    assert "<script>alert" not in page
    assert (
        "<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 예산 |" in page
    )


def test_a_renamed_section_shows_on_the_next_article_page(client):
    article = make_article(categories=["정치"])
    client.get(article.get_absolute_url())

    category = Category.objects.get(name="정치")
    category.name = "국회"
    category.save()
    page = client.get(article.get_absolute_url()).content.decode()

    nav = page.split('<nav class="site-nav"')[1].split("</nav>")[0]
    assert "국회" in nav and "정치" not in nav
    assert page == template_rendering(article)


def test_a_new_site_name_makes_a_new_frame(client):
    article = make_article(title="예산안 통과")
    client.get(article.get_absolute_url())

    with override_settings(NEWSROOM_SITE_NAME="새 신문"):
        page = client.get(article.get_absolute_url()).content.decode()

    assert "<title>예산안 통과 | 새 신문</title>" in page


def test_a_frame_whose_template_hides_a_slot_is_refused():
    # article_detail.html shows every slot; the frame of a template that shows
    # one only under a condition must fail loudly, not drop a part.
    with pytest.raises(ValueError, match="does not show every slot"):
        frames.fill(
            "articles/includes/related_articles.html",
            (),
            dict,
            {"related_cards": "", "extra": ""},
        )
