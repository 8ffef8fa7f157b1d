"""`manage.py ensure_seed`, which `make run` calls: the seed loads once."""

from io import StringIO

import pytest
from django.core.management import call_command

from articles import workflow
from articles.models import Article, Category

from .people import make_staff

pytestmark = pytest.mark.django_db

SEED_KEY = "000_11b916df22095a78.txt"


def ensure_seed() -> str:
    out = StringIO()
    call_command("ensure_seed", stdout=out)
    return out.getvalue()


def test_empty_database_gets_the_seed_and_says_so():
    output = ensure_seed()

    assert "씨앗 기사가 없어 seed.json에서 3개 항목을 넣었습니다" in output
    article = Article.objects.get(document_key=SEED_KEY)
    assert article.title.startswith("푸틴 방북")
    assert list(article.categories.names()) == ["News"]
    assert "<h2>러시아 대통령 푸틴의 북한 방문의 역사적의미</h2>" in article.body_html


def test_an_edited_seed_is_never_overwritten():
    ensure_seed()
    editor = make_staff("Editor")
    article = Article.objects.get(document_key=SEED_KEY)
    article.title = "편집자가 고친 제목"
    article.body = "<p>편집자가 새로 쓴 본문</p>"
    workflow.save_article(article, by=editor)
    edited = Article.objects.values().get(pk=article.pk)

    output = ensure_seed()

    assert "씨앗 기사가 이미 있어 다시 넣지 않았습니다" in output
    assert "make reset" in output
    assert Article.objects.values().get(pk=article.pk) == edited
    assert Article.objects.count() == 1


def test_a_deleted_seed_comes_back_without_touching_other_content():
    ensure_seed()
    news = Category.objects.get(name="News")
    news.description = "편집자가 쓴 섹션 설명"
    news.save()
    Article.objects.get(document_key=SEED_KEY).delete()
    other = Article.objects.create(
        title="다른 기사", document_key="other", body="<p>본문</p>", body_format="html"
    )

    output = ensure_seed()

    assert "넣었습니다" in output
    restored = Article.objects.get(document_key=SEED_KEY)
    assert list(restored.categories.names()) == ["News"]
    assert Category.objects.get(name="News").description == "편집자가 쓴 섹션 설명"
    assert Article.objects.get(pk=other.pk).title == "다른 기사"
    assert Article.objects.count() == 2
