import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import (
    Article,
    Author,
    Byline,
    CategorizedArticle,
    Category,
    Image,
)
from articles.rendering import drop_image, render_body
from search.models import SearchEntry
from tests.factories import TINY_PNG, make_article, stored_image
from tests.test_limits import database_rows

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEED = FIXTURES / "source" / "000_11b916df22095a78.txt"
# loaddata of one article with three categories, on SQLite and PostgreSQL alike:
# the search entry is two statements on both, the entry and its terms (SQLite's
# FTS5 row, PostgreSQL's search_searchterms row since search migration 0005).
QUERIES_TO_LOAD_THREE = {"postgresql": 26, "sqlite": 26}


def read_seed() -> tuple[dict, str]:
    """The seed document's front matter and body, split without the importer."""
    empty, front_matter, body = SEED.read_text(encoding="utf-8").split("---\n", 2)
    assert empty == ""
    return yaml.safe_load(front_matter), body


def fixture_objects(model: str) -> list[dict]:
    objects = json.loads((FIXTURES / "seed.json").read_text(encoding="utf-8"))
    return [obj for obj in objects if obj["model"] == model]


def row_counts() -> tuple[int, ...]:
    models = (Article, Category, CategorizedArticle, Author, Byline)
    return tuple(model.objects.count() for model in models)


def load(*fixtures) -> None:
    call_command("loaddata", *fixtures, stdout=StringIO())


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def visible_characters(html: str) -> int:
    collector = _TextCollector()
    collector.feed(html)
    return sum(1 for char in "".join(collector.parts) if not char.isspace())


# The seed fixture


def test_seed_fixture_holds_the_seed_document():
    front_matter, body = read_seed()

    load("seed")

    assert row_counts() == (1, 1, 1, 0, 0)
    article = Article.objects.get()
    assert article.document_key == SEED.name
    assert article.title == front_matter["title"]
    # Folded scalars (>) end with a line break; like the importer, the fixture drops it.
    assert article.excerpt == front_matter["excerpt"].strip()
    assert article.feature_text == front_matter["feature_text"].strip()
    assert article.image_url == front_matter["image"]
    assert article.body == body
    assert article.body_format == "html"
    assert [c.name for c in article.categories.all()] == front_matter["categories"]
    assert Category.objects.get().slug == "news"
    assert article.status == Article.Status.PUBLISHED
    assert article.publish_at < timezone.now()


def test_seed_fixture_uses_natural_keys_and_carries_no_derived_fields():
    objects = json.loads((FIXTURES / "seed.json").read_text(encoding="utf-8"))

    assert all("pk" not in obj for obj in objects)
    (article,) = fixture_objects("articles.article")
    assert "body_html" not in article["fields"]
    assert "reading_minutes" not in article["fields"]
    (through,) = fixture_objects("articles.categorizedarticle")
    assert through["fields"] == {"content_object": [SEED.name], "tag": ["News"]}


def test_loading_the_seed_twice_leaves_one_of_each():
    load("seed")
    load("seed")

    assert row_counts() == (1, 1, 1, 0, 0)


def test_seed_page_shows_the_rebuilt_body(client):
    front_matter, body = read_seed()
    load("seed")
    article = Article.objects.get()

    response = client.get(f"/articles/{article.slug}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert front_matter["title"] in page
    assert "러시아 대통령 푸틴의 북한 방문의 역사적의미</h2>" in page
    # Stored without its opening image: the page shows that one above the body.
    assert article.body_html == drop_image(
        render_body(body, "html"), front_matter["image"]
    )
    assert "<img" in render_body(body, "html") and "<img" not in article.body_html
    expected_minutes = max(1, round(visible_characters(body) / 500))
    assert article.reading_minutes == expected_minutes


def manage(*args: str, database: Path) -> subprocess.CompletedProcess:
    """Run `manage.py` for real, on a database file of its own."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_manage_py_loads_the_seed_twice_into_a_freshly_migrated_database(tmp_path):
    database = tmp_path / "fresh.sqlite3"
    migrated = manage("migrate", "--no-input", database=database)
    assert migrated.returncode == 0, migrated.stderr

    for _ in range(2):
        loaded = manage("loaddata", "seed", database=database)
        assert loaded.returncode == 0, loaded.stderr
        assert "Installed 3 object(s) from 1 fixture(s)" in loaded.stdout

    with sqlite3.connect(database) as db:
        tables = [
            "articles_article",
            "articles_category",
            "articles_categorizedarticle",
        ]
        counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables]
        (body_html,) = db.execute("SELECT body_html FROM articles_article").fetchone()
    assert counts == [1, 1, 1]
    assert "<h2>러시아 대통령 푸틴의 북한 방문의 역사적의미</h2>" in body_html


def test_importing_the_seed_after_loaddata_updates_the_loaded_article():
    load("seed")
    loaded = Article.objects.get()
    out = StringIO()

    call_command("import_posts", str(SEED), stdout=out)

    assert "0 created, 1 updated" in out.getvalue()
    assert row_counts() == (1, 1, 1, 0, 0)
    article = Article.objects.get()
    assert article.pk == loaded.pk
    assert article.publish_at == loaded.publish_at


def test_fixture_and_importer_agree_on_every_field_but_the_publish_time():
    (fixture_article,) = fixture_objects("articles.article")
    (fixture_category,) = fixture_objects("articles.category")
    (fixture_through,) = fixture_objects("articles.categorizedarticle")

    call_command("import_posts", str(SEED), stdout=StringIO())

    article = Article.objects.get()
    times = {"publish_at", "first_published_at", "created_at", "updated_at"}
    for name, value in fixture_article["fields"].items():
        if name not in times:
            assert getattr(article, name) == value, name
    category = article.categories.get()
    assert category.name == fixture_through["fields"]["tag"][0]
    for name, value in fixture_category["fields"].items():
        assert getattr(category, name) == value, name


def test_an_uploaded_image_round_trips_through_dumpdata_by_natural_keys(tmp_path):
    image = stored_image(
        "광장.png", TINY_PNG, alt="서울광장 전경", caption="집회 현장", credit="김사진"
    )
    make_article(document_key="with-photo", image=image)
    out = StringIO()
    call_command(
        "dumpdata",
        "articles.image",
        "articles.article",
        natural_foreign=True,
        natural_primary=True,
        stdout=out,
    )
    objects = json.loads(out.getvalue())
    [dumped] = [obj for obj in objects if obj["model"] == "articles.image"]
    [article] = [obj for obj in objects if obj["model"] == "articles.article"]
    assert "pk" not in dumped and "pk" not in article
    assert article["fields"]["image"] == [image.file.name]
    Article.objects.all().delete()
    Image.objects.all().delete()
    fixture = tmp_path / "dump.json"
    fixture.write_text(out.getvalue(), encoding="utf-8")

    load(str(fixture))
    load(str(fixture))  # again over its own rows: still one of each

    loaded = Article.objects.get(document_key="with-photo")
    assert Image.objects.count() == 1
    assert loaded.image.file.name == image.file.name
    assert (loaded.image_alt, loaded.image_caption, loaded.image_credit) == (
        "서울광장 전경",
        "집회 현장",
        "김사진",
    )


# Hostile fixtures


def write_fixture(path: Path, article_fields: dict) -> Path:
    when = "2024-06-17T09:00:00Z"
    fields = {
        "document_key": "hostile-1",
        "title": "<script>alert(3)</script> 보안 점검 기사",
        "slug": "보안-점검-기사",
        "body_format": "html",
        "status": "published",
        "publish_at": when,
        "created_at": when,
        "updated_at": when,
        **article_fields,
    }
    objects = [
        {"model": "articles.category", "fields": {"name": "보안", "slug": "보안"}},
        {"model": "articles.article", "fields": fields},
        {
            "model": "articles.categorizedarticle",
            "fields": {"content_object": ["hostile-1"], "tag": ["보안"]},
        },
    ]
    path.write_text(json.dumps(objects, ensure_ascii=False), encoding="utf-8")
    return path


def test_hostile_fixture_never_reaches_the_page_unsanitised(client, tmp_path):
    fixture = write_fixture(
        tmp_path / "hostile.json",
        {
            "body": (
                "<p>점검 본문입니다.</p><script>alert(1)</script>"
                "<img src=x onerror=alert(1)>"
            ),
            "body_html": "<script>alert(2)</script><p onclick=alert(2)>미리 만든</p>",
            "reading_minutes": 999,
        },
    )

    load(str(fixture))

    response = client.get("/articles/보안-점검-기사/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "점검 본문입니다." in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt; 보안 점검 기사" in page
    assert "<script>alert" not in page
    assert "onerror" not in page
    assert "onclick" not in page
    assert "alert(1)" not in page
    assert "alert(2)" not in page
    assert "미리 만든" not in page
    assert Article.objects.get().reading_minutes == 1


def test_fixture_reading_time_is_rebuilt_from_the_body(tmp_path):
    body = "<p>" + "가" * 3000 + "</p>"  # 3000 characters at 500 a minute
    fixture = write_fixture(
        tmp_path / "long.json", {"body": body, "reading_minutes": 1, "body_html": ""}
    )

    load(str(fixture))

    article = Article.objects.get()
    assert article.reading_minutes == 6
    assert article.body_html == body


def test_seed_fixture_publish_time_is_fixed_in_the_past():
    load("seed")

    assert Article.objects.get().publish_at == dt.datetime(
        2024, 6, 17, 9, tzinfo=dt.UTC
    )


def three_category_fixture(tmp_path, *, repeat_rows: bool = False) -> Path:
    names = ["정치", "경제", "사회"]
    rows = [
        {"model": "articles.category", "fields": {"name": name, "slug": slug}}
        for name, slug in zip(names, ["politics", "economy", "society"], strict=True)
    ]
    rows.append(
        {
            "model": "articles.article",
            "fields": {
                "title": "세 갈래 기사",
                "slug": "세-갈래-기사",
                "document_key": "three-categories",
                "body": "<p>국회와 시장, 거리의 이야기.</p>",
                "body_format": "html",
                "status": "published",
                "publish_at": "2024-01-01T00:00:00Z",
                "created_at": "2024-01-01T00:00:00Z",
                "updated_at": "2024-01-01T00:00:00Z",
            },
        }
    )
    for name in names * (2 if repeat_rows else 1):
        rows.append(
            {
                "model": "articles.categorizedarticle",
                "fields": {"content_object": ["three-categories"], "tag": [name]},
            }
        )
    path = tmp_path / "three.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def test_loading_an_article_with_three_categories_takes_a_fixed_number_of_queries(
    tmp_path, django_assert_num_queries
):
    fixture = three_category_fixture(tmp_path)

    # A savepoint; 3 category lookups + 3 inserts; the article's lookup + insert;
    # 3 category-row inserts (the rows they name were saved by this load: no
    # lookups); loaddata's 5 constraint checks or sequence resets; the search
    # entry, once: the article, its categories, one write; the stored
    # fragments: one update marking them not stored (the task worker renders
    # them after the commit; rendering them here took a read and a write);
    # the release; then,
    # after commit, the change signal's read of the article, its categories and
    # its authors.
    expected = QUERIES_TO_LOAD_THREE[connection.vendor]
    with django_assert_num_queries(expected) as captured:
        call_command("loaddata", str(fixture), verbosity=0)

    assert CategorizedArticle.objects.count() == 3
    assert len(captured) == expected


def many_articles_fixture(tmp_path, count: int, prefix: str = "many") -> Path:
    rows = [
        {
            "model": "articles.article",
            "fields": {
                "title": f"{prefix} {n}번째 소식"
                if n != 7
                else f"북극곰 관측 보고서 {prefix}",
                "document_key": f"{prefix}-{n}",
                "body": f"<p>{n}번째 기사의 본문입니다.</p>",
                "body_format": "html",
                "status": "published",
                "publish_at": "2026-01-02T09:00:00+09:00",
                "created_at": "2026-01-02T09:00:00+09:00",
                "updated_at": "2026-01-02T09:00:00+09:00",
            },
        }
        for n in range(count)
    ]
    path = tmp_path / f"{prefix}.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def test_each_further_article_of_a_load_takes_a_pinned_number_of_queries(tmp_path):
    """What a large load costs per new article, beyond the load's own queries:
    Django's loaddata looks each article up by its natural key to find none."""
    call_command("loaddata", str(many_articles_fixture(tmp_path, 5, "first")))
    counts = []
    for prefix, count in (("thirty", 30), ("sixty", 60)):
        fixture = many_articles_fixture(tmp_path, count, prefix)
        with CaptureQueriesContext(connection) as queries:
            call_command("loaddata", str(fixture), verbosity=0)
        counts.append(len(queries))

    assert Article.objects.count() == 95
    assert SearchEntry.objects.count() == 95
    assert (counts[1] - counts[0]) / 30 == LOAD_EACH_QUERIES


# Per further article: its insert. Its search entry and its fragments' mark
# are written once per 500 articles; after 20 articles found missing by their
# natural key, the load reads the stored keys once instead of asking for each
# (it was 2: the lookup and the insert).
LOAD_EACH_QUERIES = 1


def test_a_large_load_still_updates_the_articles_it_finds_stored(tmp_path):
    call_command("loaddata", str(many_articles_fixture(tmp_path, 30, "old")))
    stored = json.loads((tmp_path / "old.json").read_text(encoding="utf-8"))
    for row in stored:
        row["fields"]["title"] = row["fields"]["title"] + " (고침)"
    new = json.loads(
        many_articles_fixture(tmp_path, 25, "new").read_text(encoding="utf-8")
    )
    # The new articles first: the stored keys are read after 20 misses.
    both = tmp_path / "both.json"
    both.write_text(json.dumps(new + stored, ensure_ascii=False), encoding="utf-8")

    call_command("loaddata", str(both), verbosity=0)

    assert Article.objects.count() == 55
    assert Article.objects.filter(title__endswith="(고침)").count() == 30


def entry_indexes() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'search_searchentry' "
            "ORDER BY indexname"
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_large_load_on_postgresql_builds_the_search_index_after_its_rows(
    client, tmp_path
):
    """Inserting each entry into a live RUM index took 25 ms: a load that at
    least doubles the entries table drops its indexes, writes, and creates
    them again as they were, in the load's transaction."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's FTS5 table has no such index.")
    from search.backends.postgresql import PostgreSQLBackend

    before = entry_indexes()
    fixture = many_articles_fixture(tmp_path, PostgreSQLBackend.MANY_AT_LEAST)

    with CaptureQueriesContext(connection) as captured:
        call_command("loaddata", str(fixture), verbosity=0)

    statements = [query["sql"] for query in captured]
    assert any(sql.startswith("DROP INDEX") for sql in statements)
    assert entry_indexes() == before
    page = client.get("/search/", {"q": "북극곰"}).content.decode()
    assert "검색 결과 1건" in page
    assert "<mark>북극곰</mark> 관측 보고서" in page
    assert Article.objects.filter(search_entry__isnull=False).count() == len(
        json.loads(fixture.read_text(encoding="utf-8"))
    )


def test_a_row_repeated_in_one_fixture_is_saved_once(tmp_path):
    call_command("loaddata", str(three_category_fixture(tmp_path, repeat_rows=True)))

    assert CategorizedArticle.objects.count() == 3
    article = Article.objects.get(document_key="three-categories")
    assert sorted(article.categories.names()) == ["경제", "사회", "정치"]


def test_reloading_a_fixture_over_its_own_rows_changes_nothing(tmp_path):
    fixture = three_category_fixture(tmp_path)
    call_command("loaddata", str(fixture), verbosity=0)
    first = list(CategorizedArticle.objects.order_by("pk").values_list("pk", flat=True))

    call_command("loaddata", str(fixture), verbosity=0)

    again = list(CategorizedArticle.objects.order_by("pk").values_list("pk", flat=True))
    assert again == first


def test_fixture_with_a_status_outside_the_enum_is_refused_and_loads_nothing(
    tmp_path,
):
    load("seed")
    fixture = write_fixture(tmp_path / "hacked.json", {"status": "hacked"})
    before = database_rows()

    with pytest.raises(IntegrityError) as refused:
        load(str(fixture))

    assert "hacked.json" in str(refused.value)
    assert "article_status_is_known" in str(refused.value)
    assert database_rows() == before
    assert not Article.objects.filter(status="hacked").exists()


@pytest.mark.parametrize("status", [choice.value for choice in Article.Status])
def test_fixture_with_every_known_status_loads(tmp_path, status):
    fixture = write_fixture(tmp_path / "known.json", {"status": status})

    load(str(fixture))

    assert Article.objects.get().status == status
