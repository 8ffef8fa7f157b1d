import datetime as dt
import os
import re
import subprocess
import sys
import unicodedata
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import workflow
from articles.management.commands import import_posts
from articles.models import (
    Article,
    ArticleRevision,
    ArticleTransition,
    Author,
    Byline,
    CategorizedArticle,
    Category,
    SlugRedirect,
)
from tests.factories import make_article

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR) / "fixtures" / "source" / "000_11b916df22095a78.txt"
SEOUL = ZoneInfo("Asia/Seoul")


def read_seed() -> tuple[dict, str]:
    """The seed's front matter and body, split here without the importer."""
    empty, front_matter, body = SEED.read_text(encoding="utf-8").split("---\n", 2)
    assert empty == ""
    return yaml.safe_load(front_matter), body


def write_document(path: Path, front_matter: str, body="<p>본문입니다.</p>\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front_matter}---\n{body}", encoding="utf-8")
    return path


def run_import(*paths, verbosity=1) -> str:
    out = StringIO()
    call_command(
        "import_posts", *(str(path) for path in paths), stdout=out, verbosity=verbosity
    )
    return out.getvalue()


def run_export(outdir: Path, *args) -> str:
    out = StringIO()
    call_command("export_posts", str(outdir), *args, stdout=out)
    return out.getvalue()


def database_state() -> dict:
    """Row counts and the article columns an import writes."""
    state = {
        model.__name__: model.objects.count()
        for model in (
            Article,
            Category,
            CategorizedArticle,
            Author,
            Byline,
            ArticleRevision,
            ArticleTransition,
        )
    }
    state["articles"] = list(
        Article.objects.order_by("pk").values_list(
            "document_key", "title", "slug", "body", "status", "publish_at"
        )
    )
    return state


def category_names(article: Article) -> set[str]:
    return {category.name for category in article.categories.all()}


# The seed and body formats


def test_seed_document_imports_with_its_front_matter_values():
    front_matter, body = read_seed()

    output = run_import(SEED)

    article = Article.objects.get()
    assert article.document_key == SEED.name
    assert article.title == front_matter["title"]
    # Folded scalars (>) end with a line break; the importer strips it.
    assert front_matter["excerpt"].endswith("\n")
    assert article.excerpt == front_matter["excerpt"].strip()
    assert article.feature_text == front_matter["feature_text"].strip()
    assert article.image_url == front_matter["image"]
    assert category_names(article) == set(front_matter["categories"])
    assert article.body == body
    assert article.body_format == "html"
    assert article.status == Article.Status.PUBLISHED
    assert article.front_matter == {}
    assert "러시아 대통령 푸틴의 북한 방문의 역사적의미</h2>" in article.body_html
    assert "1 created, 0 updated" in output


def test_seed_document_is_readable_on_its_page_after_import(client):
    front_matter, _ = read_seed()
    run_import(SEED)
    article = Article.objects.get()

    response = client.get(f"/articles/{article.slug}/")

    assert response.status_code == 200
    assert front_matter["title"] in response.content.decode()


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        ("budget.md", "<p>첫 줄</p>\n\n**굵게**\n", "markdown"),
        ("budget.markdown", "## 소제목\n", "markdown"),
        ("budget.html", "서울시 예산안\n", "html"),
        ("budget.htm", "서울시 예산안\n", "html"),
        ("budget.txt", "\n\n  <div>서울시 예산안</div>\n", "html"),
        ("budget.txt", "<!-- 주석 -->\n<p>예산</p>\n", "html"),
        ("budget.txt", "## 서울시 예산안\n", "markdown"),
        ("budget.txt", "<https://example.com> 링크로 시작하는 마크다운\n", "markdown"),
        ("budget", "서울시 예산안 <b>발표</b>\n", "markdown"),
    ],
)
def test_body_format_comes_from_extension_then_content(tmp_path, name, body, expected):
    run_import(write_document(tmp_path / name, "title: 서울시 예산안\n", body))

    assert Article.objects.get().body_format == expected


def test_markdown_document_is_rendered_through_markdown(tmp_path):
    path = write_document(
        tmp_path / "2024-06-18-budget.md",
        "title: 서울시 예산안 발표\n",
        "# 예산 심사\n\n서울시는 **내년도 예산안**을 발표했다.\n\n- 복지\n- 교통\n",
    )

    run_import(path)

    article = Article.objects.get()
    assert article.body_format == "markdown"
    assert article.body.startswith("# 예산 심사")
    assert "<strong>내년도 예산안</strong>" in article.body_html
    assert "<li>복지</li>" in article.body_html
    assert "예산 심사</h2>" in article.body_html  # the page title is the only h1


# Categories


@pytest.mark.parametrize(
    "front_matter",
    [
        "categories: 국제 정치, 남북 관계\n",
        "categories:\n  - 국제 정치\n  - 남북 관계\n",
        "category: 국제 정치,남북 관계,\n",
        "category: 국제 정치\ncategories: [남북 관계]\n",
    ],
)
def test_categories_from_list_or_comma_text_keep_their_spaces(tmp_path, front_matter):
    run_import(write_document(tmp_path / "a.html", f"title: 정상회담\n{front_matter}"))

    assert category_names(Article.objects.get()) == {"국제 정치", "남북 관계"}
    assert Category.objects.count() == 2


def test_decomposed_category_name_joins_the_composed_category(tmp_path):
    composed = "국제 정치"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    first = write_document(
        tmp_path / "a.html", f"title: 첫 기사\ncategories: {composed}\n"
    )
    second = write_document(
        tmp_path / "b.html", f"title: 둘째 기사\ncategories: [{decomposed}]\n"
    )

    run_import(first, second)

    category = Category.objects.get()
    assert category.name == composed
    assert category.categorized_articles.count() == 2


# Refused runs


BROKEN_YAML = "---\ntitle: [닫히지 않음\n---\n<p>x</p>\n".encode()
BAD_UTF8 = b"---\ntitle: \xed\x95\x9c\xea\xb8\n---\n<p>x</p>\n"
NUL_ESCAPE = b'---\ntitle: "\\uc81c\\ubaa9\\0"\n---\n'
BAD_DOCUMENTS = {
    "broken-yaml": (
        BROKEN_YAML,
        "broken YAML front matter at line 3: expected ',' or ']'",
    ),
    "no-front-matter": ("그냥 본문입니다.\n".encode(), "no front matter"),
    "no-title": ("---\nexcerpt: 요약만\n---\n<p>x</p>\n".encode(), "no title"),
    "blank-title": (b"---\ntitle: '  '\n---\n<p>x</p>\n", "no title"),
    "list-front-matter": ("---\n- 목록\n- 항목\n---\n".encode(), "mapping"),
    "text-front-matter": ("---\n제목 하나뿐\n---\n".encode(), "mapping"),
    "bad-date": ("---\ntitle: 제목\ndate: 어제쯤\n---\n".encode(), "bad date"),
    "no-such-day": (
        "---\ntitle: 제목\ndate: 2024-02-30\n---\n".encode(),
        "bad date '2024-02-30'",
    ),
    "javascript-image": (
        "---\ntitle: 제목\nimage: javascript:alert(1)\n---\n".encode(),
        "'image' must be an http or https URL",
    ),
    "data-image": (
        "---\ntitle: 제목\nimage: data:image/png;base64,AA\n---\n".encode(),
        "'image' must be an http or https URL",
    ),
    "bad-published": (
        "---\ntitle: 제목\npublished: 아마도\n---\n".encode(),
        "'published' must be true or false",
    ),
    "bad-utf8": (BAD_UTF8, "not valid UTF-8"),
    "nul-in-yaml": (NUL_ESCAPE, "NUL character"),
}


@pytest.mark.parametrize(
    ("content", "problem"), BAD_DOCUMENTS.values(), ids=BAD_DOCUMENTS.keys()
)
def test_bad_document_refuses_the_whole_run_and_names_the_file(
    tmp_path, content, problem
):
    existing = write_document(tmp_path / "old.html", "title: 원래 제목\n")
    run_import(existing)
    write_document(existing, "title: 바뀐 제목\n")  # a good change, listed first
    new_good = write_document(
        tmp_path / "a_new.html", "title: 새 기사\ncategories: 새 분류\n"
    )
    bad = tmp_path / "z_bad.md"
    bad.write_bytes(content)
    before = database_state()

    with pytest.raises(CommandError) as refused:
        run_import(existing, new_good, bad)

    message = str(refused.value)
    assert f"{bad}: " in message
    assert problem in message
    assert str(new_good) not in message
    assert database_state() == before
    assert Article.objects.get().title == "원래 제목"


def test_refused_run_exits_non_zero_and_names_every_bad_file(tmp_path):
    folder = tmp_path / "documents"
    no_title = write_document(folder / "one.html", "excerpt: 요약\n")
    bad_image = write_document(folder / "two.html", "title: 둘\nimage: ftp://x/a.jpg\n")
    good = write_document(folder / "three.html", "title: 셋\n")

    # A real `manage.py` run, on a database file of its own.
    result = subprocess.run(
        [sys.executable, "manage.py", "import_posts", str(folder)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert result.stderr.startswith("CommandError: Nothing was imported")
    assert f"{no_title}: no title" in result.stderr
    assert f"{bad_image}: 'image' must be an http or https URL" in result.stderr
    assert str(good) not in result.stderr


def test_missing_path_is_refused(tmp_path):
    good = write_document(tmp_path / "a.html", "title: 제목\n")

    with pytest.raises(CommandError, match="nowhere.md: no such file or folder"):
        run_import(good, tmp_path / "nowhere.md")

    assert Article.objects.count() == 0


def test_two_documents_with_one_key_are_refused(tmp_path):
    write_document(tmp_path / "2024" / "post.md", "title: 하나\n")
    write_document(tmp_path / "2025" / "post.md", "title: 둘\n")

    with pytest.raises(CommandError, match="same document key 'post.md'"):
        run_import(tmp_path)

    assert Article.objects.count() == 0


# Identity and re-imports


def test_reimport_updates_the_article_instead_of_duplicating_it(tmp_path):
    path = write_document(tmp_path / "a.html", "title: 첫 제목\ncategories: 정치\n")
    run_import(path)
    write_document(path, "title: 고친 제목\ncategories: 경제\n", "<p>고친 본문</p>")

    output = run_import(path)

    article = Article.objects.get()
    assert article.title == "고친 제목"
    assert article.body == "<p>고친 본문</p>"
    assert category_names(article) == {"경제"}
    assert "0 created, 1 updated" in output


def test_reimport_after_an_editor_changed_the_slug_keeps_that_slug(tmp_path):
    path = write_document(tmp_path / "a.html", "title: 정상회담 결과\n")
    run_import(path)
    article = Article.objects.get()
    article.slug = "편집자가-고친-주소"
    article.save()
    write_document(path, "title: 정상회담 결과 (수정)\nslug: 문서-주소\n")

    run_import(path)

    article = Article.objects.get()
    assert article.slug == "편집자가-고친-주소"
    assert article.title == "정상회담 결과 (수정)"


def test_documents_with_the_same_title_get_distinct_slugs(tmp_path):
    make_article(title="서울시 예산안 발표", document_key="written-in-admin")
    for name in ("a.html", "b.html"):
        write_document(tmp_path / name, "title: 서울시 예산안 발표\n")

    run_import(tmp_path)

    slugs = Article.objects.filter(title="서울시 예산안 발표").values_list(
        "document_key", "slug"
    )
    assert dict(slugs) == {
        "written-in-admin": "서울시-예산안-발표",
        "a.html": "서울시-예산안-발표-2",
        "b.html": "서울시-예산안-발표-3",
    }


def test_one_run_never_gives_a_slug_out_twice_or_takes_an_old_address(tmp_path):
    """The run checks its titles' slugs at once; what it gives out it remembers."""
    moved = make_article(title="옮긴 기사", document_key="moved")
    SlugRedirect.objects.create(old_slug="태풍-북상", article=moved)
    titles = {"a.html": "남북 정상회담", "b.html": "남북 정상회담",
              "c.html": "태풍 북상", "d.html": "남북-정상회담"}  # fmt: skip
    for name, title in titles.items():
        write_document(tmp_path / name, f"title: {title}\n")

    run_import(tmp_path)

    slugs = dict(
        Article.objects.exclude(pk=moved.pk).values_list("document_key", "slug")
    )
    assert slugs == {
        "a.html": "남북-정상회담",
        "b.html": "남북-정상회담-2",
        "c.html": "태풍-북상-2",
        "d.html": "남북-정상회담-3",
    }


def test_front_matter_slug_is_used_for_a_new_article(tmp_path):
    run_import(
        write_document(tmp_path / "a.html", "title: 제목\nslug: 남북 정상회담\n")
    )

    assert Article.objects.get().slug == "남북-정상회담"


@pytest.mark.parametrize("key", ["id: 2024-summit-7\n", "permalink: /2024/summit/\n"])
def test_id_or_permalink_identifies_a_renamed_document(tmp_path, key):
    run_import(write_document(tmp_path / "old-name.md", f"title: 첫 판\n{key}"))
    (tmp_path / "old-name.md").unlink()

    run_import(write_document(tmp_path / "new-name.md", f"title: 둘째 판\n{key}"))

    article = Article.objects.get()
    assert article.title == "둘째 판"
    assert article.document_key == yaml.safe_load(key).popitem()[1]


# Dates and status


def test_undated_document_gets_the_import_time_and_keeps_it(tmp_path):
    path = write_document(tmp_path / "undated.html", "title: 날짜 없는 기사\n")
    first_import = dt.datetime(2025, 3, 1, 9, 30, tzinfo=SEOUL)
    with time_machine.travel(first_import, tick=False):
        run_import(path)
    write_document(path, "title: 날짜 없는 기사\ndate: 2020-01-01\n")

    with time_machine.travel(first_import + dt.timedelta(days=30), tick=False):
        run_import(path)

    assert Article.objects.get().publish_at == first_import


def test_reimport_never_moves_a_dated_article(tmp_path):
    path = write_document(tmp_path / "a.html", "title: 기사\ndate: 2024-06-18 10:00\n")
    run_import(path)
    write_document(path, "title: 기사\ndate: 2024-07-01 10:00\n")

    run_import(path)

    assert Article.objects.get().publish_at == dt.datetime(
        2024, 6, 18, 10, tzinfo=SEOUL
    )


@pytest.mark.parametrize(
    ("name", "front_matter", "expected"),
    [
        ("2024-06-18-putin.md", "", dt.datetime(2024, 6, 18, tzinfo=SEOUL)),
        (
            "2024-06-18-putin.md",
            "date: 2024-06-19 10:30:00 +0900\n",
            dt.datetime(2024, 6, 19, 10, 30, tzinfo=SEOUL),
        ),
        (
            "putin.md",
            "date: 2024-06-19T01:30:00Z\n",
            dt.datetime(2024, 6, 19, 1, 30, tzinfo=dt.UTC),
        ),
        (
            "putin.md",
            "date: 2024-06-19 10:30\n",
            dt.datetime(2024, 6, 19, 10, 30, tzinfo=SEOUL),
        ),
        ("putin.md", "date: '2024-06-19'\n", dt.datetime(2024, 6, 19, tzinfo=SEOUL)),
    ],
)
def test_publish_time_from_front_matter_else_file_name(
    tmp_path, name, front_matter, expected
):
    run_import(write_document(tmp_path / name, f"title: 푸틴 방북\n{front_matter}"))

    assert Article.objects.get().publish_at == expected


def test_unpublished_document_imports_as_a_draft_readers_cannot_see(tmp_path, client):
    path = write_document(
        tmp_path / "draft.html",
        "title: 아직 쓰는 기사\ndate: 2024-01-01\npublished: false\n",
    )

    run_import(path)

    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert client.get(article.get_absolute_url()).status_code == 404
    write_document(path, "title: 아직 쓰는 기사\ndate: 2024-01-01\npublished: true\n")
    run_import(path)
    assert client.get(article.get_absolute_url()).status_code == 200


def test_published_import_goes_through_the_workflow_and_leaves_a_record(tmp_path):
    path = write_document(tmp_path / "a.html", "title: 기사\ndate: 2024-06-18 10:00\n")

    run_import(path)

    article = Article.objects.get()
    assert article.first_published_at == dt.datetime(2024, 6, 18, 10, tzinfo=SEOUL)
    transition = ArticleTransition.objects.get(article=article, action="publish")
    assert (transition.from_status, transition.to_status) == ("draft", "published")
    assert transition.created_by_name == "가져오기"
    assert "가져오기" in ArticleRevision.objects.filter(article=article).values_list(
        "note", flat=True
    )


def test_reimport_as_unpublished_withdraws_a_published_article(tmp_path, client):
    path = write_document(tmp_path / "a.html", "title: 기사\ndate: 2024-06-18\n")
    run_import(path)
    write_document(path, "title: 기사\ndate: 2024-06-18\npublished: false\n")

    run_import(path)

    article = Article.objects.get()
    assert article.status == Article.Status.UNPUBLISHED
    assert client.get(f"/articles/{article.slug}/").status_code == 404


def test_reimport_does_not_undo_a_takedown(tmp_path):
    path = write_document(tmp_path / "a.html", "title: 기사\ndate: 2024-06-18\n")
    run_import(path)
    workflow.take_down(
        Article.objects.get(), by=workflow.SYSTEM, notice="법원 결정에 따라 삭제"
    )

    run_import(path)

    assert Article.objects.get().status == Article.Status.TAKEN_DOWN


def test_document_the_workflow_cannot_publish_refuses_the_run(tmp_path):
    path = write_document(
        tmp_path / "a.html", "title: 기사\ndate: 2024-01-01\npublished: false\n"
    )
    run_import(path)
    Article.objects.update(expire_at=dt.datetime(2024, 2, 1, tzinfo=SEOUL))
    write_document(path, "title: 고친 기사\ndate: 2024-01-01\n")
    before = database_state()

    with pytest.raises(CommandError, match=f"{path}: 게재 종료 시각이 이미 지났습니다"):
        run_import(path)

    assert database_state() == before


# Other front matter


def test_unknown_front_matter_keys_are_kept(tmp_path):
    path = write_document(
        tmp_path / "a.md",
        "title: 기사\n"
        "id: 기사-1\n"
        "layout: post\n"
        "tags: [외교, 러시아]\n"
        "last_modified_at: 2024-06-19\n"
        "seo:\n  제목: 검색용 제목\n  noindex: false\n",
    )

    run_import(path)

    assert Article.objects.get().front_matter == {
        "layout": "post",
        "tags": ["외교", "러시아"],
        "last_modified_at": "2024-06-19",
        "seo": {"제목": "검색용 제목", "noindex": False},
    }


def test_alias_bomb_in_front_matter_is_refused(tmp_path):
    lines = ["title: 제목", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    path = tmp_path / "bomb.md"
    path.write_text("---\n" + "\n".join(lines) + "\n---\n", encoding="utf-8")

    with pytest.raises(CommandError, match="bomb.md: front matter is too large"):
        run_import(path)


def test_authors_become_ordered_bylines(tmp_path):
    path = write_document(
        tmp_path / "a.md", "title: 기사\nauthors: [김철수, 이 영희]\n"
    )
    run_import(path)
    write_document(path, "title: 기사\nauthor: 이 영희, 박기자\n")

    run_import(path)

    article = Article.objects.get()
    assert [author.name for author in article.ordered_authors()] == [
        "이 영희",
        "박기자",
    ]
    assert Author.objects.get(name="이 영희").slug == "이-영희"
    assert Author.objects.count() == 3


# Commands: progress, folders, export


def test_folder_import_reads_documents_recursively_and_skips_other_files(tmp_path):
    write_document(tmp_path / "2024" / "06" / "a.md", "title: 하나\n")
    write_document(tmp_path / "b.html", "title: 둘\n")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not text")
    write_document(tmp_path / ".hidden.md", "excerpt: 숨은 파일\n")

    output = run_import(tmp_path)

    assert set(Article.objects.values_list("title", flat=True)) == {"하나", "둘"}
    assert "2 created, 0 updated" in output


def test_long_runs_report_progress(tmp_path, monkeypatch):
    monkeypatch.setattr(import_posts, "PROGRESS_EVERY", 2)
    for n in range(5):
        write_document(tmp_path / f"{n}.html", f"title: 기사 {n}\n")

    output = run_import(tmp_path)
    quiet = run_import(tmp_path, verbosity=0)
    chatty = run_import(tmp_path, verbosity=2)

    assert "2/5 documents imported" in output
    assert "4/5 documents imported" in output
    assert "Imported 5 documents: 5 created, 0 updated." in output
    assert quiet == ""
    assert "[3/5] updated 2.html" in chatty


def test_export_of_the_seed_gives_back_the_document(tmp_path):
    front_matter, body = read_seed()
    run_import(SEED)

    run_export(tmp_path / "out")

    exported = (tmp_path / "out" / SEED.name).read_text(encoding="utf-8")
    empty, exported_front_matter, exported_body = exported.split("---\n", 2)
    exported_data = yaml.safe_load(exported_front_matter)
    assert exported_body == body
    for key, value in front_matter.items():
        # Text values come back without the folded scalar's final line break.
        assert exported_data[key] == (
            value.strip() if isinstance(value, str) else value
        )
    assert exported_data["published"] is True
    assert exported_data["date"] == Article.objects.get().publish_at


def snapshot(article: Article) -> dict:
    fields = [
        "document_key", "title", "slug", "excerpt", "feature_text", "body",
        "body_format", "image_url", "image_alt", "image_caption", "image_credit",
        "status", "publish_at", "front_matter",
    ]  # fmt: skip
    return {
        **{name: getattr(article, name) for name in fields},
        "categories": category_names(article),
        "authors": [author.name for author in article.ordered_authors()],
    }


def snapshots() -> list[dict]:
    return [snapshot(article) for article in Article.objects.order_by("document_key")]


def test_import_export_import_gives_the_same_articles(tmp_path):
    source = tmp_path / "source"
    write_document(
        source / "2024-06-18-summit.md",
        'title: 정상회담 "결과"\n'
        "id: 7\n"
        "categories: 국제 정치, 남북 관계\n"
        "excerpt: >\n  요약: 두 줄로\n  접힌 문단\n"
        "image: https://example.com/사진.jpg\n"
        "image_alt: 회담장 모습\n"
        "authors: [김철수, 이영희]\n"
        "layout: post\n"
        "last_modified_at: 2024-06-19\n",
        "<p>HTML처럼 보이지만 마크다운</p>\n\n**굵게**\n",
    )
    write_document(
        source / "draft.txt", "title: 초안\npublished: false\npermalink: /drafts/1/\n"
    )
    write_document(
        source / "note.html", "title: 메모\n", "본문이 태그로 시작하지 않음\n"
    )
    run_import(source, SEED)
    # Editors' later changes travel too: a new slug, another body format.
    Article.objects.filter(document_key=SEED.name).update(slug="편집자가-고친-주소")
    Article.objects.filter(document_key="note.html").update(body_format="markdown")
    before = snapshots()

    run_export(tmp_path / "out")
    output = run_import(tmp_path / "out")

    assert "0 created, 4 updated" in output
    assert snapshots() == before
    Article.objects.all().delete()
    run_import(tmp_path / "out")
    assert snapshots() == before


def test_export_can_pick_articles_by_slug(tmp_path):
    run_import(SEED, write_document(tmp_path / "a.html", "title: 다른 기사\n"))
    seed_slug = Article.objects.get(document_key=SEED.name).slug

    output = run_export(tmp_path / "out", "--slug", seed_slug)

    assert [path.name for path in (tmp_path / "out").iterdir()] == [SEED.name]
    assert "Exported 1 articles" in output
    with pytest.raises(CommandError, match="없는-기사"):
        run_export(tmp_path / "out", "--slug", "없는-기사")


# Editors' decisions survive a re-import -------------------------------------------


def rework_in_the_admin(article):
    """Unpublish, reopen and rework the article, as an editor does in the admin."""
    from tests.people import make_staff

    editor = make_staff("Editor", username="rework-editor")
    workflow.unpublish(article, by=editor, comment="사실 확인 중")
    workflow.reopen(article, by=editor)
    article.refresh_from_db()
    article.body = "<p>편집자가 다시 쓴 본문</p>"
    workflow.save_article(article, by=editor)
    return editor


def test_reimport_skips_an_article_an_editor_reworked_and_says_why(tmp_path):
    path = write_document(tmp_path / "a.html", "title: 원래 기사\n", "<p>원래 본문</p>")
    run_import(path)
    rework_in_the_admin(Article.objects.get())

    output = run_import(path)

    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT  # not republished
    assert article.body == "<p>편집자가 다시 쓴 본문</p>"  # not the old text
    assert "0 created, 0 updated. 1 skipped." in output
    assert f"skipped {path}" in output and "rework-editor님이" in output


def test_overwrite_edits_imports_over_an_editors_rework(tmp_path):
    path = write_document(tmp_path / "a.html", "title: 원래 기사\n", "<p>원래 본문</p>")
    run_import(path)
    rework_in_the_admin(Article.objects.get())

    out = StringIO()
    call_command("import_posts", str(path), "--overwrite-edits", stdout=out)

    article = Article.objects.get()
    assert article.body == "<p>원래 본문</p>"
    assert "0 created, 1 updated." in out.getvalue()


def test_reimport_after_a_correction_still_updates_the_text(tmp_path):
    path = write_document(tmp_path / "a.html", "title: 기사\n", "<p>첫 본문</p>")
    run_import(path)
    workflow.add_correction(
        Article.objects.get(), by=workflow.SYSTEM, kind="update", text="보탰습니다."
    )
    write_document(path, "title: 기사\n", "<p>고친 본문</p>")

    run_import(path)

    assert Article.objects.get().body == "<p>고친 본문</p>"


def test_importing_one_article_takes_a_pinned_number_of_queries(
    tmp_path, django_assert_num_queries
):
    path = write_document(
        tmp_path / "a.html",
        "title: 쿼리 수를 재는 기사\ncategories: [정치, 경제, 사회]\nauthor: 김기자\n",
    )
    from articles.importing import import_paths

    expected = IMPORT_ONE_QUERIES[connection.vendor == "sqlite"]
    with django_assert_num_queries(expected):
        import_paths([path])


# Measured: 78 on both databases before h5's save-once work and issue 11's
# search backends, 69/70 after them. Now one new article with three categories
# and one byline, created and published in one action (one write, two audit
# entries in one insert, one revision), categories and byline in one insert
# each, its search entry built once: the entry and its terms row (SQLite's
# FTS5 row; PostgreSQL's search_searchterms row since search migration 0005).
# The stored fragments (issue 9) add one: an update marking them not stored;
# the task worker renders them after the commit (rendering them in the run took
# a read and a write).
IMPORT_ONE_QUERIES = (29, 29)


def import_run(folder: Path, count: int, start: int) -> Path:
    for n in range(start, start + count):
        write_document(
            folder / f"{n:03d}.html",
            f"title: {n}번째 기사\ncategories: [정치, 경제, 사회]\nauthor: 김기자\n",
            f"<p>{n}번째 기사의 본문입니다.</p>\n",
        )
    return folder


def test_each_further_article_of_an_import_takes_a_pinned_number_of_queries(
    tmp_path,
):
    """What a run of many documents costs per document, beyond the run's own
    queries: it grew back to 50 once (two actions, taggit one row at a time)."""
    from articles.importing import import_paths

    import_paths([import_run(tmp_path / "first", 1, 0)])  # categories, author
    counts = []
    # Two and twelve: a run of one writes its search entry outside a savepoint.
    for name, count, start in (("two", 2, 1), ("twelve", 12, 3)):
        folder = import_run(tmp_path / name, count, start)
        with CaptureQueriesContext(connection) as queries:
            import_paths([folder])
        counts.append(len(queries))

    assert Article.objects.count() == 15
    assert Article.objects.live().count() == 15
    assert ArticleRevision.objects.count() == 15  # one per imported article
    assert (counts[1] - counts[0]) / 10 == IMPORT_EACH_QUERIES


# Per further document, on both databases: the article insert. Its category
# rows, byline, two audit entries and revision are written with those of the
# run's other documents, one insert per table every 500 documents, and its save
# takes no savepoint of its own (the run is all or nothing); it was 7 with
# those four inserts and the savepoint and its release per document. Articles,
# authors, categories and free slugs are looked up once a run; the revision
# takes the category names and authors the save already has.
IMPORT_EACH_QUERIES = 1


def gathered_run(folder: Path, authors: list[str]) -> list[Path]:
    return [
        write_document(
            folder / f"{n}.html",
            f"title: {n}번째 묶음 기사\ncategories: [정치, 경제]\nauthor: {author}\n",
            f"<p>{n}번째 기사의 본문입니다.</p>\n",
        )
        for n, author in enumerate(authors)
    ]


def test_a_run_flushed_in_parts_keeps_each_documents_rows_and_changes(
    tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    """Five documents written two at a time: every article has its own two
    audit entries, revision, categories and byline, and each action's change
    is sent on commit, in document order, marked as one batch."""
    monkeypatch.setattr(workflow, "GATHER_EVERY", 2)
    paths = gathered_run(tmp_path, ["김기자", "이기자", "김기자", "박기자", "이기자"])
    sent, finished = [], []
    workflow.article_changed.connect(on_changed := lambda **kw: sent.append(kw))
    workflow.batch_finished.connect(on_finished := lambda **kw: finished.append(kw))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run_import(*paths)
    finally:
        workflow.article_changed.disconnect(on_changed)
        workflow.batch_finished.disconnect(on_finished)

    articles = list(Article.objects.order_by("pk"))
    assert [a.title for a in articles] == [f"{n}번째 묶음 기사" for n in range(5)]
    for article, author in zip(
        articles, ["김기자", "이기자", "김기자", "박기자", "이기자"], strict=True
    ):
        entries = article.transitions.order_by("pk")
        assert list(entries.values_list("action", "from_status", "to_status")) == [
            ("create", "draft", "draft"),
            ("publish", "draft", "published"),
        ]
        (revision,) = article.revisions.all()
        assert (revision.note, revision.version) == ("가져오기", article.version)
        assert revision.data["title"] == article.title
        assert revision.data["categories"] == ["경제", "정치"]
        assert [b["name"] for b in revision.data["bylines"]] == [author]
        assert category_names(article) == {"정치", "경제"}
        assert [b.author.name for b in article.bylines.all()] == [author]
    assert Article.objects.live().count() == 5
    assert [change["article"].pk for change in sent] == [a.pk for a in articles]
    assert len({change["batch"].id for change in sent}) == 1
    assert len(finished) == 1 and len(finished[0]["batch"].changes) == 5
    # Found by the search index, built once at the end from the written rows.
    assert Article.objects.filter(search_entry__isnull=False).count() == 5


def refuse_inserts(table: str, column: str, value) -> None:
    """Make the database itself refuse rows of `table` whose `column` is `value`
    (a trigger: what a failing disk or a constraint added later would do)."""
    # DDL takes no parameters: the value as an SQL literal.
    literal = (
        str(value)
        if isinstance(value, int)
        else "'{}'".format(value.replace("'", "''"))
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION '이 행은 받지 않습니다'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_row BEFORE INSERT ON {table} FOR EACH ROW "
                f"WHEN (NEW.{column} = {literal}) EXECUTE FUNCTION refuse_row()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse_row BEFORE INSERT ON {table} "
                f"WHEN NEW.{column} = {literal} "
                "BEGIN SELECT RAISE(ABORT, '이 행은 받지 않습니다'); END"
            )


@pytest.mark.parametrize("refused", ["gathered row", "article row"])
def test_a_document_the_database_refuses_is_named_and_nothing_is_imported(
    tmp_path, monkeypatch, refused
):
    """A database error, in the article's own insert or in the rows written
    for several documents at once, names the document; the run leaves the
    database as it was."""
    monkeypatch.setattr(workflow, "GATHER_EVERY", 2)
    existing = write_document(tmp_path / "old.html", "title: 원래 제목\n")
    run_import(existing)
    write_document(existing, "title: 바뀐 제목\n")  # a good change, listed first
    paths = gathered_run(tmp_path / "new", ["김기자", "이기자", "문제기자", "박기자"])
    bad = paths[2]
    if refused == "gathered row":
        # Its byline is written with the fourth document's rows.
        author = Author.objects.create(name="문제기자", slug="문제기자")
        refuse_inserts("articles_byline", "author_id", author.pk)
    else:
        refuse_inserts("articles_article", "title", "2번째 묶음 기사")
    before = database_state()

    with pytest.raises(CommandError) as failed:
        run_import(existing, *paths)

    message = str(failed.value)
    assert "Nothing was imported: 1 document(s)" in message
    assert f"{bad}: could not be written" in message
    assert "이 행은 받지 않습니다" in message
    assert all(str(path) not in message for path in paths if path != bad)
    assert database_state() == before
    assert Article.objects.get().title == "원래 제목"


def test_reimport_sees_an_admin_save_made_before_saves_were_audited(tmp_path):
    """Saves before the audit log named actions left only a revision."""
    from tests.people import make_staff

    path = write_document(tmp_path / "a.html", "title: 기사\n", "<p>첫 본문</p>")
    run_import(path)
    article = Article.objects.get()
    ArticleTransition.objects.filter(article=article).update(
        action="", created_by_name="시스템"
    )
    Article.objects.filter(pk=article.pk).update(body="<p>예전 관리 화면에서 고침</p>")
    editor = make_staff("Editor", username="old-admin-editor")
    ArticleRevision.objects.create(
        article=article, version=9, data={}, note="저장", created_by=editor,
        created_by_name=editor.get_username(),
    )  # fmt: skip

    output = run_import(path)

    assert Article.objects.get().body == "<p>예전 관리 화면에서 고침</p>"
    assert "old-admin-editor님이" in output


# Images given as paths on the old site (--assets, --site-url) ---------------------

OLD_SITE = "https://old.example.kr/blog"
HARBOUR_BODY = (
    "부산항 새벽 풍경입니다.\n\n"
    '![부산항 지도](/assets/img/map.png "지도")\n\n'
    '<img src="../assets/img/2023/harbour-cover.jpg" alt="표지">\n'
)
FEATURED = {
    # file name -> (the `image` value as written, the file it names or None)
    "2023-05-01-harbour.md": (
        "/assets/img/2023/harbour-cover.jpg",
        "assets/img/2023/harbour-cover.jpg",
    ),
    "2023-05-02-relative.md": ("../assets/img/map.png", "assets/img/map.png"),
    "2023-05-03-external.md": ("https://cdn.example.kr/사진/외부.jpg", None),
    "2023-05-04-missing.md": ("/assets/img/없는-사진.jpg", None),
    "2023-05-05-not-an-image.md": ("/assets/img/깨진-사진.jpg", None),
}


def real_image(path: Path, image_format: str, size=(640, 360)) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (30, 90, 160)).save(path, format=image_format)
    return path


def make_blog(root: Path) -> Path:
    """A small Jekyll site: _posts/ with Korean posts, assets/ with real images."""
    real_image(root / "assets/img/2023/harbour-cover.jpg", "JPEG")
    real_image(root / "assets/img/map.png", "PNG", size=(300, 200))
    (root / "assets/img/깨진-사진.jpg").write_bytes("사진이 아닙니다".encode())
    posts = root / "_posts"
    titles = ["부산항의 새벽", "지도로 보는 항구", "외부 사진 기사", "사진 없는 기사",
              "깨진 사진 기사"]  # fmt: skip
    for (name, (image, _)), title in zip(FEATURED.items(), titles, strict=True):
        body = HARBOUR_BODY if "harbour" in name else f"{title} 본문입니다.\n"
        write_document(
            posts / name,
            f"title: {title}\nimage: {image}\nimage_alt: {title} 사진\n",
            body,
        )
    return root


def run_blog_import(*paths, assets=None, site_url=None) -> tuple[str, str]:
    """Run import_posts as typed; returns its stdout and stderr."""
    out, err = StringIO(), StringIO()
    args = [str(path) for path in paths]
    if assets is not None:
        args += ["--assets", str(assets)]
    if site_url is not None:
        args += ["--site-url", site_url]
    call_command("import_posts", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def article_for(name: str) -> Article:
    return Article.objects.get(document_key=name)


def warning_lines(err: str) -> dict[str, str]:
    """Warned documents (file name) -> their one warning line."""
    lines = [line.strip() for line in err.splitlines() if line.startswith("  ")]
    return {Path(line.split(": ", 1)[0]).name: line for line in lines}


def media_files(settings) -> set[str]:
    """Every stored file: public media and the private originals."""
    found = set()
    for root in (Path(settings.MEDIA_ROOT), Path(settings.NEWSROOM_ORIGINALS_ROOT)):
        if root.exists():
            found |= {
                p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()
            }
    return found


def test_assets_copies_site_path_and_relative_images_as_uploads(
    tmp_path, settings, django_capture_on_commit_callbacks
):
    blog = make_blog(tmp_path / "blog")

    # Renditions are queued on commit (run at once by the suite's task backend).
    with django_capture_on_commit_callbacks(execute=True):
        out, err = run_blog_import(blog / "_posts", assets=blog)

    assert "Imported 5 documents: 5 created" in out
    for name, image_format, size in [
        ("2023-05-01-harbour.md", "JPEG", (640, 360)),
        ("2023-05-02-relative.md", "PNG", (300, 200)),
    ]:
        article = article_for(name)
        stored = Path(settings.NEWSROOM_ORIGINALS_ROOT) / article.image.file.name
        assert article.image_url == ""
        # A random name, like an admin upload; the old file name is not kept.
        assert re.fullmatch(
            r"articles/[0-9a-f]{32}\.(jpg|png)", article.image.file.name
        )
        assert "harbour" not in article.image.file.name
        from PIL import Image

        with Image.open(stored) as image:
            assert (image.format, image.size) == (image_format, size)
        assert (article.image_width, article.image_height) == size
        picture = article.picture
        assert picture is not None
        media = Path(settings.MEDIA_ROOT)
        assert all((media / r.name).exists() for r in picture.webp)
    assert article_for("2023-05-03-external.md").image_url == (
        "https://cdn.example.kr/사진/외부.jpg"
    )


def test_assets_missing_or_undecodable_file_is_a_warning_and_the_rest_imports(
    tmp_path, client
):
    blog = make_blog(tmp_path / "blog")

    out, err = run_blog_import(blog / "_posts", assets=blog)

    assert Article.objects.count() == 5
    warned = warning_lines(err)
    assert "없는-사진.jpg" in warned["2023-05-04-missing.md"]
    assert "no file" in warned["2023-05-04-missing.md"]
    # The admin upload's own message: the same check decided.
    assert "JPEG, PNG, WebP, GIF 이미지만" in warned["2023-05-05-not-an-image.md"]
    for name in ("2023-05-04-missing.md", "2023-05-05-not-an-image.md"):
        article = article_for(name)
        assert not article.image and article.image_url == ""
        assert client.get(article.get_absolute_url()).status_code == 200
    # --assets alone leaves body paths as written, and says so.
    harbour = warned["2023-05-01-harbour.md"]
    assert "body image paths kept as written" in harbour
    assert "'/assets/img/map.png'" in harbour
    assert "'../assets/img/2023/harbour-cover.jpg'" in harbour
    assert article_for("2023-05-01-harbour.md").body == HARBOUR_BODY
    assert set(warned) == {
        "2023-05-01-harbour.md",
        "2023-05-04-missing.md",
        "2023-05-05-not-an-image.md",
    }


def test_site_url_makes_featured_and_body_paths_absolute(tmp_path, client):
    blog = make_blog(tmp_path / "blog")

    out, err = run_blog_import(blog / "_posts", site_url=OLD_SITE + "/")

    assert Article.objects.count() == 5
    harbour = article_for("2023-05-01-harbour.md")
    assert harbour.image_url == f"{OLD_SITE}/assets/img/2023/harbour-cover.jpg"
    assert not harbour.image
    assert article_for("2023-05-02-relative.md").image_url == (
        f"{OLD_SITE}/assets/img/map.png"
    )
    assert harbour.body == (
        "부산항 새벽 풍경입니다.\n\n"
        f'![부산항 지도]({OLD_SITE}/assets/img/map.png "지도")\n\n'
        f'<img src="{OLD_SITE}/assets/img/2023/harbour-cover.jpg" alt="표지">\n'
    )
    page = client.get(harbour.get_absolute_url()).content.decode()
    assert f'src="{OLD_SITE}/assets/img/map.png"' in page
    # Nothing checks that a URL answers, so nothing is warned.
    assert err == ""


def test_site_url_escapes_what_would_break_the_url(tmp_path):
    doc = write_document(
        tmp_path / "posts" / "사진.md",
        "title: 공백 있는 경로\nimage: '/assets/부산 (항구).jpg?v=2'\n",
        "![사진](<img/새 사진.png>)\n",
    )

    run_blog_import(doc, site_url="https://old.example.kr")

    article = Article.objects.get()
    assert article.image_url == (
        "https://old.example.kr/assets/부산%20%28항구%29.jpg?v=2"
    )
    assert article.body == "![사진](<https://old.example.kr/img/새%20사진.png>)\n"


def test_without_assets_or_site_url_each_document_warns_once_and_all_import(tmp_path):
    blog = make_blog(tmp_path / "blog")

    out, err = run_blog_import(blog / "_posts")

    assert "Imported 5 documents: 5 created" in out
    warned = warning_lines(err)
    assert set(warned) == {name for name, (image, _) in FEATURED.items()
                           if not image.startswith("https:")}  # fmt: skip
    assert len([line for line in err.splitlines() if line.startswith("  ")]) == 4
    assert "4 document(s) imported with warnings" in err
    for name, (image, _) in FEATURED.items():
        if not image.startswith("https:"):
            assert repr(image) in warned[name]
            assert "no --assets or --site-url" in warned[name]
            article = article_for(name)
            assert not article.image and article.image_url == ""


MODES = {
    "neither": {},
    "assets": {"assets": True},
    "site-url": {"site_url": OLD_SITE},
    "both": {"assets": True, "site_url": OLD_SITE},
}


@pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
def test_export_writes_back_the_original_image_value_and_body_paths(tmp_path, mode):
    blog = make_blog(tmp_path / "blog")
    options = {**mode, "assets": blog} if mode.get("assets") else mode
    run_blog_import(blog / "_posts", **options)
    before = snapshots()

    run_export(tmp_path / "out")

    for name, (image, _) in FEATURED.items():
        source = (blog / "_posts" / name).read_bytes().decode()
        exported = (tmp_path / "out" / name).read_bytes().decode()
        _, source_yaml, source_body = source.split("---\n", 2)
        _, exported_yaml, exported_body = exported.split("---\n", 2)
        assert exported_body.encode() == source_body.encode()
        assert yaml.safe_load(exported_yaml)["image"].encode() == image.encode()
    # And the exported folder imports as the same articles, copying nothing again.
    stored = {a.document_key: image_name(a) for a in Article.objects.all()}
    run_blog_import(tmp_path / "out", **options)
    assert snapshots() == before
    assert {a.document_key: image_name(a) for a in Article.objects.all()} == stored


def image_name(article) -> str:
    return article.image.file.name if article.image else ""


def test_reimport_without_assets_keeps_the_image_copied_before(tmp_path):
    blog = make_blog(tmp_path / "blog")
    run_blog_import(blog / "_posts", assets=blog)
    name = article_for("2023-05-01-harbour.md").image.file.name

    run_blog_import(blog / "_posts")

    assert article_for("2023-05-01-harbour.md").image.file.name == name


def test_editor_replaced_image_is_exported_instead_of_the_original_path(tmp_path):
    blog = make_blog(tmp_path / "blog")
    run_blog_import(blog / "_posts", assets=blog)
    article = article_for("2023-05-01-harbour.md")
    article.image = None
    article.image_url = "https://photos.example.kr/새-사진.jpg"
    workflow.save_article(article, by=workflow.SYSTEM)

    run_export(tmp_path / "out")

    exported = (tmp_path / "out" / "2023-05-01-harbour.md").read_text()
    assert yaml.safe_load(exported.split("---\n", 2)[1])["image"] == (
        "https://photos.example.kr/새-사진.jpg"
    )


def escaping_documents(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """Documents whose image path leads out of the assets root, by how."""
    outside = real_image(tmp_path / "outside" / "secret.jpg", "JPEG")
    (tmp_path / "blog/assets/img").mkdir(parents=True)
    (tmp_path / "blog/assets/img/link.jpg").symlink_to(outside)
    (tmp_path / "blog/assets/linked").symlink_to(outside.parent)
    return {
        "traversal": ("image: ../../etc/passwd\n", "<p>본문</p>\n"),
        "site-traversal": ("image: /../outside/secret.jpg\n", "<p>본문</p>\n"),
        "symlink-file": ("image: /assets/img/link.jpg\n", "<p>본문</p>\n"),
        "symlink-folder": ("image: /assets/linked/secret.jpg\n", "<p>본문</p>\n"),
        "encoded": ("image: /assets/%2e%2e/%2e%2e/outside/secret.jpg\n", ""),
        "body-traversal": ("", '<p><img src="../../../etc/passwd"></p>\n'),
    }


@pytest.mark.parametrize(
    "how",
    ["traversal", "site-traversal", "symlink-file", "symlink-folder", "encoded",
     "body-traversal"],
)  # fmt: skip
def test_path_out_of_the_assets_root_refuses_the_run(tmp_path, settings, how):
    front_matter, body = escaping_documents(tmp_path)[how]
    blog = make_blog(tmp_path / "blog")
    bad = write_document(
        blog / "_posts" / "2023-06-01-bad.html",
        f"title: 나쁜 경로\n{front_matter}",
        body,
    )
    before = database_state()

    with pytest.raises(CommandError) as refused:
        run_blog_import(blog / "_posts", assets=blog)

    message = str(refused.value)
    assert "Nothing was imported: 1 document(s)" in message
    assert f"{bad}: " in message
    assert "leads out of the --assets folder" in message
    assert database_state() == before
    assert media_files(settings) == set()


def test_run_failing_after_copying_leaves_no_copied_files(tmp_path, settings):
    blog = make_blog(tmp_path / "blog")
    late = blog / "_posts" / "2023-05-09-expired.md"
    write_document(late, "title: 지난 기사\ndate: 2023-05-09\npublished: false\n")
    run_blog_import(late)
    Article.objects.update(expire_at=dt.datetime(2023, 6, 1, tzinfo=SEOUL))
    # Now it asks to be published, which the workflow refuses; it comes last,
    # after the images of the others were copied.
    write_document(late, "title: 지난 기사\ndate: 2023-05-09\n")
    before = database_state()

    with pytest.raises(CommandError, match="게재 종료 시각이 이미 지났습니다"):
        run_blog_import(blog / "_posts", assets=blog)

    assert database_state() == before
    assert media_files(settings) == set()


def test_copied_image_over_the_upload_pixel_limit_is_a_warning(tmp_path):
    from PIL import Image

    blog = tmp_path / "blog"
    (blog / "assets").mkdir(parents=True)
    # 48 million pixels, over the admin's 40 million; 1-bit keeps the file tiny.
    Image.new("1", (8000, 6000)).save(blog / "assets" / "huge.png")
    doc = write_document(
        blog / "_posts" / "큰-사진.md",
        "title: 너무 큰 사진\nimage: /assets/huge.png\nimage_alt: 큰 사진\n",
    )

    out, err = run_blog_import(doc, assets=blog)

    assert "이미지가 너무 큽니다(8,000×6,000 화소)" in warning_lines(err)["큰-사진.md"]
    assert not Article.objects.get().image


def test_copied_image_without_alt_text_imports_and_warns(tmp_path):
    blog = make_blog(tmp_path / "blog")
    doc = write_document(
        blog / "_posts" / "대체-텍스트.md",
        "title: 대체 텍스트 없음\nimage: /assets/img/map.png\n",
    )

    out, err = run_blog_import(doc, assets=blog)

    assert Article.objects.get().image
    assert "no 'image_alt'" in warning_lines(err)["대체-텍스트.md"]


def test_liquid_site_root_in_a_path_is_the_site_root(tmp_path):
    doc = write_document(
        tmp_path / "_posts" / "리퀴드.md",
        "title: 리퀴드 경로\nimage: '{{ site.baseurl }}/assets/img/표지.jpg'\n",
    )

    run_blog_import(doc, site_url="https://old.example.kr/")

    assert (
        Article.objects.get().image_url == "https://old.example.kr/assets/img/표지.jpg"
    )


def test_relative_path_of_a_document_outside_assets_is_a_warning(tmp_path):
    blog = make_blog(tmp_path / "blog")
    doc = write_document(
        tmp_path / "elsewhere" / "바깥.md",
        "title: 바깥 문서\nimage: ../blog/assets/img/map.png\n",
    )

    out, err = run_blog_import(doc, assets=blog)

    assert "not in the --assets folder" in warning_lines(err)["바깥.md"]
    assert not Article.objects.get().image


def test_a_body_that_image_urls_lengthen_past_the_limit_is_refused(tmp_path):
    """The body is checked as read, and again as stored once paths became URLs."""
    from articles.limits import MAX_BODY_CHARACTERS

    image = '<img src="/assets/img/map.png" alt="지도">'
    text = "가" * (MAX_BODY_CHARACTERS - len(image) - len("<p></p>") - 5)
    path = write_document(
        tmp_path / "long.html", "title: 긴 기사\n", f"<p>{text}{image}</p>"
    )
    run_blog_import(path)  # as read, it fits
    Article.objects.all().delete()

    with pytest.raises(CommandError, match=r"long\.html: 본문이 너무 깁니다"):
        run_blog_import(path, site_url=OLD_SITE)

    assert not Article.objects.exists()


SEED_DOCUMENT = Path(settings.BASE_DIR) / "fixtures/source/000_11b916df22095a78.txt"


@pytest.mark.parametrize(
    "front_matter",
    [
        "seed",
        'title: "따옴표 \\"안\\" 제목"\ndate: 2024-03-01 09:30:00 +09:00\n',
        "title: >\n  접힌\n  제목\nexcerpt: |\n  첫 줄\n  둘째 줄\n",
        "categories: [정치, 경제]\ntags:\n  - 하나\n  - {이름: 둘, 값: 2}\n",
        "title: 제목\nupdated: 2024-02-29\nnumbers: [1, 1.5, 0x1f, .inf, ~, yes]\n",
        "title: 'é와 e\u0301'\n<<: {merged: 1}\n",
    ],
)
def test_front_matter_without_aliases_reads_the_same_through_libyaml(front_matter):
    """Front matter with no `*` (so no alias) is read by libyaml, nine times
    faster; it must give what the alias-counting loader gives."""
    from articles.importing import documents

    if front_matter == "seed":
        text = SEED_DOCUMENT.read_text(encoding="utf-8")
        front_matter, _body = documents.split_front_matter(text)
    assert "*" not in front_matter
    assert yaml.__with_libyaml__

    fast = yaml.load(front_matter, Loader=documents._FastLoader)

    assert fast == yaml.load(front_matter, Loader=documents._Loader)
    assert documents._load_yaml(front_matter) == fast


def test_an_impossible_date_is_named_with_its_line_whichever_loader_reads_it(
    tmp_path,
):
    path = write_document(tmp_path / "a.html", "title: 기사\ndate: 2024-02-30\n")

    with pytest.raises(CommandError) as refused:
        run_import(path)

    assert "line 3" in str(refused.value)
    assert "bad date '2024-02-30'" in str(refused.value)
