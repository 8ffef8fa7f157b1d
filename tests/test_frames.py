"""Pages filled into their template's frame (articles/frames.py): the same
page the template renders, never stale, values escaped."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import override_settings

from articles import frames, listings, views, workflow
from articles.context_processors import site
from articles.models import Article, Category
from tests.factories import make_article, make_author

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


def engine_rendering(view_class, path: str, **kwargs) -> str:
    """A list page as the template engine renders it from the view's context."""
    request = RequestFactory().get(path)
    view = view_class()
    view.setup(request, **kwargs)
    view.object_list = view.get_queryset()
    return render_to_string(view.template_name, view.get_context_data(), request)


@pytest.fixture
def two_pages(settings):
    settings.NEWSROOM_ARTICLES_PER_PAGE = 2
    politics = Category.objects.create(
        name="정치", is_section=True, description="국회와 <정당> 소식\n\n둘째 문단"
    )
    reporter = make_author("박기자")
    for n in range(5):
        make_article(title=f"국회 소식 {n}", categories=[politics], authors=[reporter])
    return politics, reporter


@pytest.mark.parametrize("page", [1, 2])
def test_the_front_page_and_its_later_pages_are_what_the_template_renders(
    client, two_pages, page
):
    path = "/" if page == 1 else f"/?page={page}"

    served = client.get(path).content.decode()

    assert served == engine_rendering(views.ArticleListView, path)
    assert ("첫 화면" in served) == (page == 1)
    assert ('aria-current="page">2</span>' in served) == (page == 2)


@pytest.mark.parametrize("page", [1, 3])
def test_a_category_page_is_what_the_template_renders(client, two_pages, page):
    politics, _ = two_pages
    path = politics.get_absolute_url() + ("" if page == 1 else f"?page={page}")

    served = client.get(path).content.decode()

    expected = engine_rendering(views.CategoryDetailView, path, slug=politics.slug)
    assert served == expected
    assert client.get(path).templates == []  # the kept frame, no engine
    assert "국회와 &lt;정당&gt; 소식" in served
    assert ("<title>정치 (3쪽) |" in served) == (page == 3)


def test_an_author_page_with_and_without_articles_is_what_the_template_renders(
    client, two_pages
):
    _, reporter = two_pages
    newcomer = make_author("신입 기자")

    for author in (reporter, newcomer):
        path = author.get_absolute_url()
        served = client.get(path).content.decode()
        assert served == engine_rendering(
            views.AuthorDetailView, path, slug=author.slug
        )
    assert "아직 게재된 기사가 없습니다." in served  # the newcomer's empty list


def test_the_front_page_of_an_empty_site_is_what_the_template_renders(client):
    served = client.get("/").content.decode()

    assert served == engine_rendering(views.ArticleListView, "/")
    assert "아직 게재된 기사가 없습니다." in served
