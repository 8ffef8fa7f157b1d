"""Category and author pages read their article's visibility from copies on the
membership rows; database triggers keep the copies true on every write path."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles import denormalized
from articles.models import Article, Byline, CategorizedArticle, Category
from tests.factories import make_article, make_author
from tests.test_querysets import CASES, NOW, at

pytestmark = pytest.mark.django_db

Status = Article.Status


def category_page(category, offset=0, limit=20, now=None):
    return list(
        Article.objects.page_in_category(
            category, now or timezone.now(), offset, limit
        ).values_list("pk", flat=True)
    )


def author_page(author, offset=0, limit=20, now=None):
    return list(
        Article.objects.page_by_author(
            author, now or timezone.now(), offset, limit
        ).values_list("pk", flat=True)
    )


@pytest.mark.parametrize(("status", "publish", "expire", "live"), CASES)
def test_category_and_author_pages_list_exactly_the_live_articles(
    status, publish, expire, live
):
    category, author = Category.objects.create(name="정치"), make_author()
    article = make_article(
        status=status,
        publish_at=at(publish),
        expire_at=at(expire),
        categories=[category],
        authors=[author],
    )
    expected = [article.pk] if live else []
    assert category_page(category, now=NOW) == expected
    assert author_page(author, now=NOW) == expected


def test_pages_follow_a_status_change_written_without_model_methods():
    """QuerySet.update() (bulk actions, imports) runs no Python per row."""
    category, author = Category.objects.create(name="경제"), make_author()
    article = make_article(categories=[category], authors=[author])
    assert category_page(category) == author_page(author) == [article.pk]

    Article.objects.filter(pk=article.pk).update(status=Status.TAKEN_DOWN)
    assert category_page(category) == author_page(author) == []

    Article.objects.filter(pk=article.pk).update(status=Status.PUBLISHED)
    assert category_page(category) == author_page(author) == [article.pk]


def test_pages_follow_a_rescheduling_and_an_expiry():
    category = Category.objects.create(name="사회")
    article = make_article(categories=[category])
    later = timezone.now() + timedelta(hours=2)
    Article.objects.filter(pk=article.pk).update(publish_at=later)
    assert category_page(category) == []
    assert category_page(category, now=later) == [article.pk]

    Article.objects.filter(pk=article.pk).update(
        publish_at=timezone.now() - timedelta(hours=1),
        expire_at=timezone.now() + timedelta(minutes=5),
    )
    assert category_page(category) == [article.pk]
    assert category_page(category, now=timezone.now() + timedelta(minutes=6)) == []


def test_rows_added_in_bulk_take_their_articles_values():
    category, author = Category.objects.create(name="국제"), make_author()
    live = make_article()
    draft = make_article(status=Status.DRAFT)
    CategorizedArticle.objects.bulk_create(
        [CategorizedArticle(content_object=a, tag=category) for a in (live, draft)]
    )
    Byline.objects.bulk_create(
        [Byline(article=a, author=author) for a in (live, draft)]
    )
    assert category_page(category) == author_page(author) == [live.pk]


def test_a_saved_row_with_stale_copies_takes_its_articles_values():
    """A row loaded before its article changed and saved after it."""
    category = Category.objects.create(name="문화")
    article = make_article(categories=[category])
    row = CategorizedArticle.objects.get(content_object=article)
    Article.objects.filter(pk=article.pk).update(status=Status.UNPUBLISHED)
    row.save()
    row.refresh_from_db()
    assert row.article_status == Status.UNPUBLISHED
    assert category_page(category) == []


def test_loaddata_with_a_byline_before_its_article(tmp_path):
    """A fixture may list an article after its byline rows (loaddata checks
    the foreign keys at the end)."""
    category, author = Category.objects.create(name="스포츠"), make_author()
    article = make_article(categories=[category], authors=[author])
    dumped = tmp_path / "dumped.json"
    call_command(
        "dumpdata",
        "articles.article",
        "articles.categorizedarticle",
        "articles.byline",
        output=str(dumped),
    )
    Article.objects.all().delete()
    assert category_page(category) == []
    objects = json.loads(dumped.read_text())
    order = ["articles.byline", "articles.article", "articles.categorizedarticle"]
    objects.sort(key=lambda item: order.index(item["model"]))
    reordered = tmp_path / "reordered.json"
    reordered.write_text(json.dumps(objects, ensure_ascii=False))

    call_command("loaddata", str(reordered), verbosity=0)

    assert category_page(category) == author_page(author) == [article.pk]


def test_pages_walk_the_category_newest_first_without_gaps_or_repeats():
    """Pages from the copies equal the list read through the articles."""
    category, other = (
        Category.objects.create(name="과학"),
        Category.objects.create(name="생활"),
    )
    start = timezone.now() - timedelta(days=30)
    for n in range(27):
        make_article(
            publish_at=start + timedelta(hours=n % 9),  # ties broken by id
            status=Status.DRAFT if n % 5 == 0 else Status.PUBLISHED,
            categories=[category] if n % 4 else [other],
        )
    expected = list(
        Article.objects.live()
        .in_category(category)
        .newest_first()
        .values_list("pk", flat=True)
    )
    assert len(expected) > 10
    pages = [category_page(category, offset, 10) for offset in (0, 10, 20)]
    ordered = [
        list(
            Article.objects.filter(pk__in=page)
            .newest_first()
            .values_list("pk", flat=True)
        )
        for page in pages
    ]
    assert sum(ordered, []) == expected


def test_install_puts_right_rows_changed_while_the_triggers_were_away():
    category, author = Category.objects.create(name="정치"), make_author()
    article = make_article(categories=[category], authors=[author])
    denormalized.drop_all()
    Article.objects.filter(pk=article.pk).update(status=Status.TAKEN_DOWN)
    assert category_page(category) == [article.pk]  # the copies are stale

    denormalized.install()

    assert category_page(category) == author_page(author) == []


def test_stale_copies_never_show_a_taken_down_article(client):
    """The pages check live() on the articles themselves: copies left stale
    (here with the triggers gone) can shorten a page, never leak an article."""
    category, author = Category.objects.create(name="정치"), make_author()
    kept = make_article(
        title="계속 게재되는 기사", categories=[category], authors=[author]
    )
    gone = make_article(title="내려간 기사", categories=[category], authors=[author])
    denormalized.drop_all()
    Article.objects.filter(pk=gone.pk).update(status=Status.TAKEN_DOWN)

    for page in (category.get_absolute_url(), author.get_absolute_url()):
        response = client.get(page)
        assert response.status_code == 200
        assert kept.title in response.text
        assert gone.title not in response.text


def test_migrate_installs_every_copy_trigger():
    assert denormalized.installed_triggers() == denormalized.expected_triggers(
        connection.vendor
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="only SQLite rebuilds a table to alter it"
)
def test_a_schema_change_that_rebuilds_the_article_table_keeps_the_copies():
    """The schema editor lifts the triggers (a trigger naming the article table
    would make the rebuild's rename fail), puts them back and copies again
    what a data migration changed meanwhile."""
    category = Category.objects.create(name="정치")
    article = make_article(categories=[category])
    with connection.schema_editor() as editor:
        editor._remake_table(Article)  # what an AlterField on Article runs
        editor._remake_table(CategorizedArticle)
        Article.objects.filter(pk=article.pk).update(status=Status.TAKEN_DOWN)

    assert denormalized.installed_triggers() == denormalized.expected_triggers("sqlite")
    assert category_page(category) == []
    Article.objects.filter(pk=article.pk).update(status=Status.PUBLISHED)
    assert category_page(category) == [article.pk]


@pytest.mark.django_db(transaction=True)
def test_migrate_with_nothing_to_apply_leaves_the_triggers_in_place():
    call_command("migrate", verbosity=0)
    assert denormalized.installed_triggers() == denormalized.expected_triggers(
        connection.vendor
    )
