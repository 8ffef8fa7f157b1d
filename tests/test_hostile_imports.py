"""Hostile documents for import_posts: each is refused with a message naming the file
(and the key), nothing is imported, and every articles/search table keeps its rows.

The memory-hungry ones (huge files, YAML bombs) run `manage.py import_posts` in a
child process limited to 512 MB of address space and two minutes, on a migrated
SQLite copy of its own: an importer that expanded a bomb or read a file whole would
fail its test, not the machine running the suite.
"""

import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.importing import documents
from articles.limits import MAX_BODY_CHARACTERS
from articles.models import Article
from tests.test_limits import database_rows

MEMORY_LIMIT = 512 * 1024 * 1024
CHILD_TIMEOUT = 120


def write(path: Path, front_matter: str, body="<p>본문입니다.</p>\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front_matter}---\n{body}", encoding="utf-8")
    return path


def refused(*paths, **options) -> str:
    with pytest.raises(CommandError) as refusal:
        call_command(
            "import_posts", *(str(p) for p in paths), stdout=StringIO(), **options
        )
    return str(refusal.value)


# Wrong types for every front-matter key --------------------------------------------

WRONG_TYPES = {
    "title": ("title: [첫째, 둘째]\n", "'title' must be text, not a list"),
    "excerpt": ("title: 제목\nexcerpt: {요약: 값}\n", "'excerpt' must be text"),
    "feature_text": ("title: 제목\nfeature_text: [1]\n", "'feature_text' must be text"),
    "image_alt": ("title: 제목\nimage_alt: [설명]\n", "'image_alt' must be text"),
    "image_caption": ("title: 제목\nimage_caption: {}\n", "'image_caption' must be"),
    "image_credit": ("title: 제목\nimage_credit: [사진]\n", "'image_credit' must be"),
    "id": ("title: 제목\nid: [1, 2]\n", "'id' must be text"),
    "permalink": ("title: 제목\npermalink: {a: b}\n", "'permalink' must be text"),
    "slug": ("title: 제목\nslug: [주소]\n", "'slug' must be text"),
    "categories": ("title: 제목\ncategories: {정치: 1}\n", "'categories' must be a"),
    "categories-item": (
        "title: 제목\ncategories: [[정치]]\n",
        "'categories' must list",
    ),
    "category": ("title: 제목\ncategory: 12\n", "'category' must be a list"),
    "author": ("title: 제목\nauthor: {이름: 김기자}\n", "'author' must be a list"),
    "authors": ("title: 제목\nauthors: [true]\n", "'authors' must list names"),
    "image": ("title: 제목\nimage: [a.jpg]\n", "'image' must be an http or https"),
    "image-number": ("title: 제목\nimage: 42\n", "'image' must be an http or https"),
    "date": ("title: 제목\ndate: true\n", "'date' must be a date"),
    "date-number": ("title: 제목\ndate: 20240617\n", "'date' must be a date"),
    "date-list": ("title: 제목\ndate: [2024-06-17]\n", "'date' must be a date"),
    "published": ("title: 제목\npublished: 1\n", "'published' must be true or false"),
    "published-text": ("title: 제목\npublished: 'yes'\n", "'published' must be"),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("front_matter", "problem"), WRONG_TYPES.values(), ids=WRONG_TYPES.keys()
)
def test_wrong_type_for_a_key_names_the_file_and_the_key(
    tmp_path, front_matter, problem
):
    bad = write(tmp_path / "bad.md", front_matter)
    rows = database_rows()

    message = refused(bad)

    assert f"{bad}: " in message
    assert problem in message
    assert "Traceback" not in message
    assert database_rows() == rows


# Impossible and out-of-range dates -------------------------------------------------

BAD_DATES = {
    "year-one": ("date: 0001-01-01\n", "bad date '0001-01-01' in 'date'"),
    "year-one-text": ("date: '0001-01-01'\n", "bad date '0001-01-01"),
    "year-one-time": (
        "date: 0001-01-01 00:00:00 +09:00\n",
        "bad date '0001-01-01T00:00:00+09:00' in 'date'",
    ),
    "last-year": ("date: 9999-12-31 23:59:59\n", "bad date '9999-12-31T23:59:59"),
    "before-1800": ("date: 1799-12-31\n", "the year must lie between 1800 and 2200"),
    "after-2200": ("date: 2201-01-01\n", "the year must lie between 1800 and 2200"),
    "no-such-day": ("date: 2024-02-30\n", "bad date '2024-02-30'"),
    "no-such-month": ("date: 2024-13-01\n", "bad date"),
    "no-such-hour": ("date: '2024-06-17 25:00'\n", "bad date: '2024-06-17 25:00'"),
    "words": ("date: 어제쯤\n", "bad date: '어제쯤'"),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("line", "problem"), BAD_DATES.values(), ids=BAD_DATES.keys())
def test_impossible_or_out_of_range_date_names_the_file_and_the_key(
    tmp_path, line, problem
):
    good = write(tmp_path / "a_good.md", "title: 멀쩡한 기사\ndate: 2024-06-17\n")
    bad = write(tmp_path / "z_bad.md", f"title: 날짜가 이상한 기사\n{line}")
    rows = database_rows()

    message = refused(good, bad)

    assert f"{bad}: " in message
    assert problem in message
    assert str(good) not in message
    assert database_rows() == rows


@pytest.mark.django_db
def test_out_of_range_date_in_the_file_name_says_so(tmp_path):
    bad = write(tmp_path / "0001-01-01-old.md", "title: 아주 오래된 기사\n")

    message = refused(bad)

    assert f"{bad}: bad date '0001-01-01' in the file name" in message
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_dates_at_the_ends_of_the_range_import(tmp_path):
    first = write(tmp_path / "a.md", "title: 가장 이른 기사\ndate: 1800-01-01\n")
    last = write(tmp_path / "b.md", "title: 가장 늦은 기사\ndate: 2200-12-31\n")

    call_command("import_posts", str(first), str(last), stdout=StringIO())

    years = sorted(a.publish_at.year for a in Article.objects.all())
    assert years in ([1799, 2200], [1800, 2200])  # 1800-01-01 KST is 1799 in UTC


# One bad file in a hundred ---------------------------------------------------------


def bad_documents(root: Path) -> dict[str, tuple[bytes, str]]:
    return {
        "not-utf8": (
            b"---\ntitle: \xed\x95\x9c\xea\xb8\n---\n<p>x</p>\n",
            "not valid UTF-8",
        ),
        "wrong-type": (b"---\ntitle: {}\n---\n", "'title' must be text"),
        "year-one": (
            "---\ntitle: 제목\ndate: 0001-01-01\n---\n".encode(),
            "bad date '0001-01-01' in 'date'",
        ),
        "alias-bomb": (
            billion_laughs().encode(),
            "front matter is too large: more than 50 YAML aliases",
        ),
        "traversal": (
            "---\ntitle: 제목\nimage: ../../../etc/passwd\n---\n".encode(),
            "leads out of the --assets folder",
        ),
        "body-too-deep": (
            ("---\ntitle: 제목\n---\n" + "<div>" * 40).encode(),
            "32단계까지만",
        ),
        "nul": ("---\ntitle: 제목\n---\n본문\x00".encode(), "NUL character"),
    }


def hundred_documents(folder: Path) -> list[Path]:
    return [
        write(
            folder / f"{n:03}-기사.md",
            f"title: 기사 {n}번\ncategories: [정치, 분류{n % 7}]\nauthor: 기자{n % 5}\n"
            f"date: 2024-06-{n % 28 + 1:02} 09:00:00 +09:00\n",
            f"{n}번 기사의 **본문**입니다.\n",
        )
        for n in range(99)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind",
    ["not-utf8", "wrong-type", "year-one", "alias-bomb", "traversal",
     "body-too-deep", "nul"],
)  # fmt: skip
def test_one_bad_file_in_a_hundred_refuses_the_run(tmp_path, kind):
    site = tmp_path / "site"
    folder = site / "_posts"
    hundred_documents(folder)
    content, problem = bad_documents(site)[kind]
    bad = folder / "050-나쁜-기사.md"
    bad.write_bytes(content)
    rows = database_rows()

    message = refused(folder, assets=site)

    assert "Nothing was imported: 1 document(s) have problems." in message
    assert f"{bad}: " in message
    assert problem in message
    assert database_rows() == rows


@pytest.mark.django_db
def test_the_ninety_nine_good_files_import_on_their_own(tmp_path):
    """The control for the test above: without the bad file the run goes through."""
    folder = tmp_path / "site" / "_posts"
    hundred_documents(folder)

    call_command("import_posts", str(folder), stdout=StringIO())

    assert Article.objects.count() == 99


# Memory-hungry documents, in a child process with a memory limit -------------------


def billion_laughs(levels=9, width=10) -> str:
    lines = ["title: 웃음 폭탄", 'lol0: &lol0 "하하"']
    for n in range(1, levels + 1):
        refs = ", ".join([f"*lol{n - 1}"] * width)
        lines.append(f"lol{n}: &lol{n} [{refs}]")
    return "---\n" + "\n".join(lines) + "\n---\n<p>본문</p>\n"


def few_alias_bomb() -> str:
    """Under the alias limit: 5 levels of 9 aliases expand to 59,049 values."""
    return billion_laughs(levels=5, width=9)


def merge_key_bomb() -> str:
    """Each level merges the last one 5 times: PyYAML copies 5^n key-value pairs."""
    keys = ", ".join(f"k{i}: {i}" for i in range(10))
    lines = ["title: 병합 폭탄", f"m0: &m0 {{{keys}}}"]
    for n in range(1, 10):
        lines.append(f"m{n}: &m{n} {{<<: [{', '.join([f'*m{n - 1}'] * 5)}]}}")
    return "---\n" + "\n".join(lines) + "\n---\n<p>본문</p>\n"


def deep_yaml() -> str:
    return "---\ntitle: 깊은 목록\nx: " + "[" * 20_000 + "]" * 20_000 + "\n---\n"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A migrated SQLite database holding one article, for each child to copy."""
    database = tmp_path_factory.mktemp("hostile") / "migrated.sqlite3"
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    existing = write(
        database.parent / "seed" / "existing.md", "title: 먼저 있던 기사\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "import_posts", str(existing)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    return database


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def sqlite_rows(database: Path) -> dict[str, int]:
    """Row counts of every articles and search table in the file."""
    with sqlite3.connect(database) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND (name LIKE 'articles%' OR name LIKE 'search%')"
            )
        ]
        return {
            t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables
        }


def import_in_child(migrated: Path, tmp_path: Path, *paths: Path):
    """Run import_posts under the memory limit; the row counts before and after."""
    database = tmp_path / "child.sqlite3"
    shutil.copy(migrated, database)
    before = sqlite_rows(database)
    result = subprocess.run(
        [sys.executable, "manage.py", "import_posts", *(str(p) for p in paths)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        preexec_fn=_limit_memory,
    )
    return result, before, sqlite_rows(database)


def sparse_file(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk: a document header, then zeros."""
    with path.open("wb") as handle:
        handle.write("---\ntitle: 거대한 파일\n---\n".encode())
        handle.truncate(size)
    return path


HUNGRY = {
    "billion-laughs": (
        lambda folder: write_text(folder / "laughs.md", billion_laughs()),
        "front matter is too large: more than 50 YAML aliases",
    ),
    "few-alias-bomb": (
        lambda folder: write_text(folder / "few.md", few_alias_bomb()),
        "front matter is too large (or refers to itself)",
    ),
    "deep-yaml": (
        lambda folder: write_text(folder / "deep.md", deep_yaml()),
        "front matter is nested too deeply",
    ),
    "huge-front-matter": (
        lambda folder: write_text(
            folder / "front.md",
            "---\ntitle: 큰 머리말\n" + "x: " + "가" * 30_000 + "\n---\n",
        ),
        "front matter is too large: more than 65,536 bytes",
    ),
    "five-megabyte-body": (
        lambda folder: write_text(
            folder / "five.html",
            "---\ntitle: 큰 본문\n---\n" + "<div>" * 1_000_000,
        ),
        f"larger than the import limit of {documents.MAX_DOCUMENT_BYTES:,} bytes",
    ),
    "body-over-the-limit": (
        lambda folder: write_text(
            folder / "long.md",
            "---\ntitle: 긴 본문\n---\n" + "가" * (MAX_BODY_CHARACTERS + 1),
        ),
        f"본문은 {MAX_BODY_CHARACTERS:,}자까지",
    ),
    "sparse-eight-gigabytes": (
        lambda folder: sparse_file(folder / "huge.md", 8 * 1024**3),
        f"larger than the import limit of {documents.MAX_DOCUMENT_BYTES:,} bytes",
    ),
}


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("make", "problem"), HUNGRY.values(), ids=HUNGRY.keys())
def test_memory_hungry_document_is_refused_within_the_memory_limit(
    migrated_sqlite, tmp_path, make, problem
):
    good = write(tmp_path / "docs" / "a_good.md", "title: 멀쩡한 기사\n")
    bad = make(tmp_path / "docs")

    result, before, after = import_in_child(migrated_sqlite, tmp_path, good, bad)

    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr.startswith("CommandError: Nothing was imported")
    assert f"{bad}: " in result.stderr
    assert problem in result.stderr
    assert "Traceback" not in result.stderr
    assert str(good) not in result.stderr
    assert after == before
    assert before["articles_article"] == 1


def test_merge_keys_repeated_at_every_level_import_without_multiplying(
    migrated_sqlite, tmp_path
):
    document = write_text(tmp_path / "docs" / "merge.md", merge_key_bomb())

    result, before, after = import_in_child(migrated_sqlite, tmp_path, document)

    assert result.returncode == 0, result.stderr[-2000:]
    assert after["articles_article"] == before["articles_article"] + 1
    with sqlite3.connect(tmp_path / "child.sqlite3") as db:
        (kept,) = db.execute(
            "SELECT front_matter FROM articles_article WHERE title = '병합 폭탄'"
        ).fetchone()
    assert len(kept) < 5_000  # m9 holds the ten keys once, not 10 x 5^9


def test_the_child_process_memory_limit_is_real(tmp_path):
    """The control: a child that does allocate a gigabyte fails under the limit."""
    result = subprocess.run(
        [sys.executable, "-c", "b = bytearray(1024**3)"],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        preexec_fn=_limit_memory,
    )
    assert result.returncode != 0
    assert "MemoryError" in result.stderr
