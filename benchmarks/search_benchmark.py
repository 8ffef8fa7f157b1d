"""Benchmark Korean search on PostgreSQL with 100,000 synthetic articles.

Not a test. It creates its own database (``newsroom_bench`` by default) on the
server that DATABASE_URL names, migrates it, loads the seed article, adds
synthetic Korean articles with ``bulk_create``, builds the search index the way
``manage.py rebuild_search_index`` does, then times the search page's queries
(count + first page, as the view runs them, and the whole page through the
test client) and prints EXPLAIN ANALYZE plans. The database is dropped at the
end unless --keep is given.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/search_benchmark.py [--articles 100000]

The synthetic text: pseudo-nouns of two to four syllables, picked with a Zipf
distribution and followed by particles, so common terms match many articles and
rare ones few; a small share of articles (0.3 % to 2 %) carries a sentence of
the seed article, so the seed queries match hundreds to a few thousand
articles. Two worst cases are timed as well: the most frequent pseudo-noun and
the one-syllable prefix query ``북``. "count+page" runs the search's queries
without the view's time limit; "whole page" is the view, whose statements are
cancelled after NEWSROOM_SEARCH_TIMEOUT_MS (3 s), and includes what every page
renders (the "(no query)" line).
"""

import argparse
import itertools
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = ["방북", "푸틴", "북-러", "보스토치니", "ㅂㅂ", "푸틴 방북", "북"]
SEED_SENTENCES = {
    "푸틴 대통령의 방북이 관심을 끌고 있다.": 0.02,
    "북-러 관계의 재설정과 협력 확대에 중점을 두고 있다.": 0.01,
    "보스토치니 우주기지에서 정상회담이 열렸다.": 0.003,
    "러시아 대통령의 방북은 24년 만이다.": 0.005,
}
PARTICLES = [
    "",
    "",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "의",
    "에",
    "에서",
    "으로",
    "과",
    "도",
]
SYLLABLES = (
    "가각간갈감강개거건검게겨격결경계고곡공과관광교구국군권귀규그극근글금기긴길김"
    "나난남내노녀논농뇌누눈뉴능다단달담당대더덕도독동두드득등라락란람래량러력련령"
    "로록론료루류률리린림마만말망매머면명모목몽무문물미민바박반발방배백버번법변별"
    "병보복본부북분불비빈사산살상새생서석선설성세소속손송수숙순술숭스습승시식신실"
    "심아안알암압앙애야약양어억언업에여역연열염영예오옥온와완왕외요용우운원월위유"
    "육윤은음읍의이인일임입자작장재저적전절점정제조족존종주준중지직진질집차착찬참"
    "창채책처천철청체초총최추축출충취측치친칙타탁탄탈탐태택터토통투특파판패편평폐"
    "포표품풍피필하학한할함합항해핵행향허헌혁현협형혜호혼홍화확환활황회효후훈휴흥"
)


def say(*parts, end="\n", flush=False) -> None:
    sys.stdout.write(" ".join(str(part) for part in parts) + end)
    if flush:
        sys.stdout.flush()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--body-chars", type=int, default=1500)
    parser.add_argument("--database", default="newsroom_bench")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="do not drop the DB")
    return parser.parse_args()


def server_url(database: str) -> str:
    url = urlparse(os.environ.get("DATABASE_URL", ""))
    if url.scheme not in {"postgres", "postgresql"}:
        sys.exit("Set DATABASE_URL to a PostgreSQL server (postgres://...).")
    return urlunparse(url._replace(path=f"/{database}"))


def recreate_database(name: str) -> None:
    with psycopg.connect(server_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with psycopg.connect(server_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def setup_django(database: str) -> None:
    os.environ["DATABASE_URL"] = server_url(database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ.setdefault(
        "DJANGO_SECRET_KEY", "benchmark-only-not-a-real-secret-0123456"
    )
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    import django

    django.setup()


class TextMaker:
    def __init__(self, seed: int = 20240617):
        self.random = random.Random(seed)
        nouns = set()
        while len(nouns) < 30_000:
            size = self.random.choice([2, 2, 2, 3, 3, 4])
            nouns.add("".join(self.random.choices(SYLLABLES, k=size)))
        self.nouns = sorted(nouns)
        self.random.shuffle(self.nouns)
        self.cum_weights = list(
            itertools.accumulate(1 / (rank + 10) for rank in range(len(self.nouns)))
        )

    def words(self, count: int) -> list[str]:
        nouns = self.random.choices(self.nouns, cum_weights=self.cum_weights, k=count)
        return [noun + self.random.choice(PARTICLES) for noun in nouns]

    def sentence(self) -> str:
        return " ".join(self.words(self.random.randint(5, 12))) + "."

    def paragraph(self, chars: int) -> str:
        sentences, size = [], 0
        while size < chars:
            sentences.append(self.sentence())
            size += len(sentences[-1]) + 1
        return " ".join(sentences)

    def body(self, chars: int) -> str:
        paragraphs = [self.paragraph(300) for _ in range(max(1, chars // 300))]
        for sentence, share in SEED_SENTENCES.items():
            if self.random.random() < share:
                where = self.random.randrange(len(paragraphs))
                paragraphs[where] = f"{paragraphs[where]} {sentence}"
        return "".join(f"<p>{text}</p>\n" for text in paragraphs)


def fill(total: int, body_chars: int) -> TextMaker:
    from django.utils import timezone

    from articles.models import Article, CategorizedArticle, Category

    maker = TextMaker()
    categories = [
        Category.objects.get_or_create(name=name, defaults={"slug": slug})[0]
        for name, slug in [
            ("정치", "politics"),
            ("경제", "economy"),
            ("사회", "society"),
        ]
    ]
    now = timezone.now()
    batch_size = 2000
    for start in range(0, total, batch_size):
        articles = []
        for n in range(start, min(start + batch_size, total)):
            title = " ".join(maker.words(maker.random.randint(4, 8)))
            if maker.random.random() < 0.002:
                title = "푸틴 방북 " + title
            excerpt = maker.paragraph(120)
            body = maker.body(body_chars)
            articles.append(
                Article(
                    title=title[:200],
                    slug=f"bench-{n}",
                    document_key=f"bench-{n}",
                    excerpt=excerpt,
                    feature_text=excerpt if n % 2 else maker.paragraph(120),
                    body=body,
                    body_format="html",
                    # bulk_create skips pre_save: the synthetic body is safe HTML.
                    body_html=body,
                    status="published" if n % 20 else "draft",
                    publish_at=now - timedelta(minutes=maker.random.randint(1, 10**6)),
                )
            )
        created = Article.objects.bulk_create(articles)
        CategorizedArticle.objects.bulk_create(
            CategorizedArticle(content_object=article, tag=categories[i % 3])
            for i, article in enumerate(created)
        )
        say(f"  {start + len(articles):>7} articles", end="\r", flush=True)
    say()
    return maker


def timed(function, runs: int) -> tuple[float, float, object]:
    function()  # warm the cache: the numbers are for a running site
    durations, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        durations.append((time.perf_counter() - start) * 1000)
    return statistics.median(durations), max(durations), result


def sizes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for label, relation in [
            ("articles_article (table + TOAST + indexes)", "articles_article"),
            ("search_searchentry (table + TOAST + indexes)", "search_searchentry"),
            ("GIN index search_entry_document_gin", "search_entry_document_gin"),
        ]:
            cursor.execute(
                "SELECT pg_size_pretty(pg_total_relation_size(%s::regclass))",
                [relation],
            )
            say(f"  {label}: {cursor.fetchone()[0]}")


def main() -> None:
    options = parse_args()
    say(f"Creating database {options.database}")
    recreate_database(options.database)
    try:
        run(options)
    finally:
        from django.db import connections

        connections.close_all()
        if not options.keep:
            drop_database(options.database)
            say(f"Dropped database {options.database}")


def run(options) -> None:
    setup_django(options.database)
    from django.conf import settings
    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article
    from search import indexing
    from search.analysis import parse_query
    from search.query import search_articles

    # Serve static files from source: no collectstatic run for a benchmark.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    call_command("migrate", verbosity=0)
    call_command("loaddata", "seed", verbosity=0)

    say(f"Filling {options.articles} synthetic articles (bulk_create)")
    start = time.perf_counter()
    maker = fill(options.articles, options.body_chars)
    say(f"  took {time.perf_counter() - start:.1f} s")

    say("Building the search index (indexing.rebuild, as rebuild_search_index)")
    start = time.perf_counter()
    written = indexing.rebuild(batch_size=1000)
    say(f"  {written} entries in {time.perf_counter() - start:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE search_searchentry")
        cursor.execute("VACUUM ANALYZE articles_article")
    sizes()

    per_page = 20
    client = Client(HTTP_HOST="localhost")
    say(f"\nQuery timings, median and max of {options.runs} runs after one warm-up")
    say(
        f"{'query':<12} {'matches':>8} {'count+page ms':>15} {'of it SQL':>10} "
        f"{'whole page ms':>15}"
    )
    baseline, _, _ = timed(lambda: client.get("/search/"), options.runs)
    say(f"{'(no query)':<12} {'':>8} {'':>15} {'':>10} {baseline:>8.1f}")
    # Pseudo-nouns from rare to the commonest: cost grows with the matches.
    for q in [*QUERIES, maker.nouns[400], maker.nouns[50], maker.nouns[0]]:
        query = parse_query(q)

        def count_and_page(query=query):
            with CaptureQueriesContext(connection) as queries:
                articles = search_articles(Article.objects.live(), query)
                page = Paginator(articles.for_listing(), per_page).page(1)
                ids = [article.pk for article in page]
            sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
            return page.paginator.count, ids, sql_ms

        median, worst, (count, _ids, sql_ms) = timed(count_and_page, options.runs)
        page_median, page_worst, response = timed(
            lambda q=q: client.get("/search/", {"q": q}), options.runs
        )
        assert response.status_code == 200
        timed_out = "검색어를 좁혀 주세요" in response.content.decode()
        say(
            f"{q:<12} {count:>8} {median:>8.1f} ({worst:>4.0f}) {sql_ms:>10.1f} "
            f"{page_median:>8.1f} ({page_worst:>4.0f})"
            + (" time limit reached" if timed_out else "")
        )

    for q in ["방북", "푸틴"]:
        articles = search_articles(Article.objects.live(), parse_query(q))
        say(f"\nEXPLAIN ANALYZE, first page of {q!r}:")
        say(articles[:per_page].explain(analyze=True, buffers=True))
        say(f"\nEXPLAIN ANALYZE, count of {q!r}:")
        with connection.cursor() as cursor:
            sql, params = articles.order_by().values("pk").query.sql_with_params()
            cursor.execute(
                f"EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM ({sql}) AS hits",
                params,
            )
            say("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
