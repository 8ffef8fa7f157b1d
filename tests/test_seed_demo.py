"""manage.py seed_demo: a realistic corpus whose derived data matches a real save."""

import io
import re
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from articles import demo_corpus, rendering
from articles.models import Article, Byline, CategorizedArticle, Category
from search.analysis import parse_query
from search.query import search_articles

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    out = io.StringIO()
    call_command("seed_demo", articles=30, images=2, stdout=out)
    return out.getvalue()


def test_every_demo_article_is_live_with_three_categories_and_a_byline(seeded):
    articles = Article.objects.live()
    assert articles.count() == 30
    for article in articles.prefetch_related("categories", "bylines"):
        names = {category.name for category in article.categories.all()}
        assert len(names) == 3
        assert names <= set(demo_corpus.CATEGORIES)
        assert 1 <= article.bylines.count() <= 2
    assert Category.objects.filter(name__in=demo_corpus.CATEGORIES).count() == 50
    assert Category.objects.filter(is_section=True).count() == 5


def test_bodies_are_korean_of_about_two_thousand_characters_with_headings(seeded):
    for article in Article.objects.all():
        assert 1800 <= len(article.body) <= 3000
        assert len(re.findall(r"<h[2-6][ >]", article.body_html)) == 3
        hangul = len(re.findall("[가-힣]", article.body))
        assert hangul > len(article.body) / 2  # Korean prose, not markup or Latin
        assert article.reading_minutes >= 3


def test_derived_columns_are_what_a_save_would_build(seeded):
    """The bulk path skips save(): its rendered body must match the real renderer."""
    for article in Article.objects.all()[:5]:
        assert article.body_html == rendering.render_body(article.body, "markdown")
        article.save()
        article.refresh_from_db()
        assert article.body_html == rendering.render_body(article.body, "markdown")


def test_demo_articles_are_found_by_korean_search(seeded):
    article = Article.objects.order_by("pk").first()
    place = article.title.split(",")[0]  # e.g. 경기도
    found = search_articles(Article.objects.live(), parse_query(place))
    found = list(found.values_list("pk", flat=True))
    assert article.pk in found


def test_article_and_front_page_render(client, seeded):
    article = Article.objects.order_by("pk").first()
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    assert article.title in page.content.decode()
    assert client.get("/").status_code == 200


def test_uploaded_images_have_alt_text_and_renditions(seeded):
    with_images = Article.objects.exclude(image=None)
    assert with_images.count() == 2
    for article in with_images:
        assert article.image_alt
        assert Path(article.image.file.name).stem != "photo"  # never the upload's name
        assert article.picture is not None
        for rendition in article.image.renditions["items"]:
            assert default_storage.exists(rendition["name"])


def test_progress_is_reported(seeded):
    assert "30/30" in seeded
    assert "데모 기사 30건" in seeded


def test_second_run_is_refused_and_changes_nothing(seeded):
    counts = (
        Article.objects.count(),
        CategorizedArticle.objects.count(),
        Byline.objects.count(),
    )
    with pytest.raises(CommandError, match="이미 데모 기사가 있습니다"):
        call_command("seed_demo", articles=5, stdout=io.StringIO())
    assert counts == (
        Article.objects.count(),
        CategorizedArticle.objects.count(),
        Byline.objects.count(),
    )
