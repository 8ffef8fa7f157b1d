from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article, Category
from tests.factories import make_article

pytestmark = pytest.mark.django_db

NOTICE = "이 기사는 법원의 결정에 따라 삭제 조치되었습니다. <b>문의</b>는 독자센터로."


def test_taken_down_article_answers_410_with_its_notice(client, editor):
    article = make_article(title="문제의 기사", categories=["사회"])
    workflow.take_down(article, by=editor, notice=NOTICE)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 410
    page = response.content.decode()
    assert "이 기사는 법원의 결정에 따라 삭제 조치되었습니다." in page
    assert "&lt;b&gt;문의&lt;/b&gt;" in page  # the notice is text, not markup
    assert "문제의 기사" not in page


def test_taken_down_article_leaves_every_list(client, editor):
    kept = make_article(title="남는 기사", categories=["사회"])
    gone = make_article(title="내려간 기사", categories=["사회"])
    workflow.take_down(gone, by=editor, notice=NOTICE)
    category = Category.objects.get(name="사회")
    for url in (reverse("articles:list"), category.get_absolute_url()):
        page = client.get(url).content.decode()
        assert kept.title in page and gone.title not in page


def test_taken_down_article_keeps_its_revisions_and_history(editor):
    article = make_article()
    workflow.save_article(article, by=editor)
    workflow.take_down(article, by=editor, notice=NOTICE)
    article = Article.objects.get(pk=article.pk)
    assert article.revisions.count() == 2
    step = article.transitions.exclude(action="save").get()
    assert step.to_status == Article.Status.TAKEN_DOWN


def test_old_slug_of_a_withdrawn_article_is_a_plain_404(client, editor):
    article = make_article(slug="예전-주소")
    article.slug = "지금-주소"
    workflow.save_article(article, by=editor)
    workflow.unpublish(article, by=editor)
    assert client.get("/articles/예전-주소/").status_code == 404


def test_unknown_slug_is_still_a_404(client):
    assert client.get("/articles/없는-기사/").status_code == 404


NOT_LIVE = {
    "draft": {"status": Article.Status.DRAFT},
    "in review": {"status": Article.Status.IN_REVIEW},
    "unpublished": {"status": Article.Status.UNPUBLISHED},
    "scheduled": {"publish_at": timezone.now() + timedelta(days=1)},
    "expired": {
        "publish_at": timezone.now() - timedelta(days=2),
        "expire_at": timezone.now() - timedelta(days=1),
    },
}


@pytest.mark.parametrize("state", NOT_LIVE)
def test_an_article_that_is_not_live_is_on_no_public_page(client, state):
    make_article(title="보이는 기사", categories=["사회"])
    hidden = make_article(title="숨은 기사", categories=["사회"], **NOT_LIVE[state])
    assert client.get(hidden.get_absolute_url()).status_code == 404
    category = Category.objects.get(name="사회")
    for url in (reverse("articles:list"), category.get_absolute_url()):
        text = client.get(url).content.decode()
        assert "보이는 기사" in text and "숨은 기사" not in text
