"""Data migrations, run for real with Django's migration executor on real rows."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("articles", "0014_move_originals_out_of_media")
AFTER = ("articles", "0017_remove_article_image_columns")

RENDITIONS = {
    "source": "articles/0123456789abcdef0123456789abcdef.jpg",
    "folder": "articles/renditions/" + "a" * 32,
    "items": [
        {
            "name": "articles/renditions/" + "a" * 32 + "/480w.jpg",
            "width": 480,
            "height": 320,
            "format": "JPEG",
        }
    ],
}


def migrate(target):
    """The project's models as they are at `target`, after migrating there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.fixture
def at_latest_afterwards():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def old_article(apps, key: str, **fields):
    return apps.get_model("articles", "Article").objects.create(
        document_key=key,
        title=f"기사 {key}",
        slug=f"기사-{key}",
        status="published",
        **fields,
    )


@pytest.mark.django_db(transaction=True)
def test_uploads_move_into_image_records_and_back(at_latest_afterwards):
    apps = migrate(BEFORE)
    photo = RENDITIONS["source"]
    texts = {
        "image_alt": "광화문 광장을 메운 시민들",
        "image_caption": "촛불 집회 현장",
        "image_credit": "김사진 기자",
    }
    upload = old_article(
        apps,
        "upload",
        image=photo,
        image_width=1600,
        image_height=1067,
        renditions=RENDITIONS,
        **texts,
    )
    # Two articles that name one file (a hand copy, a fixture) share one Image.
    copy = old_article(apps, "copy", image=photo, image_width=1600, image_height=1067)
    external = old_article(
        apps,
        "external",
        image_url="https://images.example.kr/서울.jpg",
        image_alt="서울시청 전경",
        image_caption="서울시청",
        image_credit="서울시",
    )
    plain = old_article(apps, "plain")

    apps = migrate(AFTER)
    Article = apps.get_model("articles", "Article")
    Image = apps.get_model("articles", "Image")
    moved = Article.objects.get(pk=upload.pk)
    image = Image.objects.get()
    assert moved.image_id == image.pk
    assert Article.objects.get(pk=copy.pk).image_id == image.pk
    assert image.file.name == photo
    assert (image.width, image.height) == (1600, 1067)
    assert (image.alt, image.caption, image.credit) == tuple(texts.values())
    assert image.renditions == RENDITIONS  # still valid: the file kept its name
    # An upload's texts are its image's now; the external image keeps its own.
    assert (moved.image_url_alt, moved.image_url_caption) == ("", "")
    outside = Article.objects.get(pk=external.pk)
    assert outside.image_id is None
    assert outside.image_url == "https://images.example.kr/서울.jpg"
    assert (outside.image_url_alt, outside.image_url_credit) == (
        "서울시청 전경",
        "서울시",
    )
    assert Article.objects.get(pk=plain.pk).image_id is None

    apps = migrate(BEFORE)
    Article = apps.get_model("articles", "Article")
    back = Article.objects.get(pk=upload.pk)
    assert back.image.name == photo
    assert (back.image_width, back.image_height) == (1600, 1067)
    assert back.renditions == RENDITIONS
    assert (back.image_alt, back.image_caption, back.image_credit) == tuple(
        texts.values()
    )
    assert Article.objects.get(pk=copy.pk).image.name == photo
    outside = Article.objects.get(pk=external.pk)
    assert (outside.image.name, outside.image_alt) == ("", "서울시청 전경")
    assert Article.objects.get(pk=plain.pk).image.name == ""


@pytest.mark.django_db(transaction=True)
def test_search_terms_move_out_of_the_entries_and_back(at_latest_afterwards):
    from articles.models import Article
    from search.analysis import parse_query
    from search.query import search_articles
    from tests.factories import make_article

    article = make_article(title="관세 협상 타결", body="<p>무역 소식.</p>")

    migrate(("search", "0004_terms_statistics"))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT article_id FROM search_searchentry WHERE terms @@ %s::tsquery",
                ["'관세' & '협상'"],
            )
            assert cursor.fetchall() == [(article.pk,)]

    migrate(("search", "0005_terms_apart"))
    found = search_articles(Article.objects.live(), parse_query("관세 협상"))
    assert list(found.values_list("pk", flat=True)) == [article.pk]
