"""Benchmark Korean search on PostgreSQL or SQLite at 10,000 and 100,000 articles.

Not a test. It creates its own scratch database (PostgreSQL: ``h6_bench_search``
on the server DATABASE_URL names; SQLite: a file under /tmp), migrates it, adds
synthetic Korean articles with ``bulk_create``, builds the search index as
``manage.py rebuild_search_index`` does, then for each query class prints
recall and the p50 and p95 of "count + first page" (what the results view
runs: the bounded match ids and the page's articles with their prefetches),
page 50 against page 1, and the cached suggestion endpoint. The database is
dropped at the end unless --keep is given.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/search_benchmark.py --articles 100000
    .venv/bin/python benchmarks/search_benchmark.py --sqlite --articles 10000

Recall is measured against a sequential substring scan (LIKE, no index) over
every entry's compact document: it checks that the bigram index never drops a
candidate. (tests/test_search.py checks the compact form itself against an
independent ground truth.)

The synthetic text: pseudo-nouns of two to four syllables, picked with a Zipf
distribution and followed by particles, so common terms match many articles and
rare ones few; planted sentences carry names, hyphenated terms, digits and
Latin acronyms at known shares.
"""

import argparse
import hashlib
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

SEED_SENTENCES = {
    "푸틴 대통령의 방북이 관심을 끌고 있다.": 0.02,
    "북-러 관계의 재설정과 협력 확대에 중점을 두고 있다.": 0.01,
    "보스토치니 우주기지에서 정상회담이 열렸다.": 0.003,
    "러시아 대통령의 방북은 24년 만이다.": 0.005,
    "한-미 정상은 관세를 논의했다.": 0.01,
    "COVID-19 백신 접종률이 올랐다.": 0.008,
    "NATO 정상회의가 3분기에 열린다.": 0.006,
    "서울 시청 앞에서 집회가 열렸다.": 0.004,
    "김정은 위원장과 윤석열 대통령이 만났다.": 0.003,
    "희귀한낱말사전이 발견됐다.": 0.00004,
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
    parser.add_argument("--sqlite", action="store_true", help="SQLite, not PostgreSQL")
    parser.add_argument("--database", default="h6_bench_search")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds")
    parser.add_argument("--keep", action="store_true", help="do not drop the DB")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time a database kept by an earlier --keep run (no fill, no build)",
    )
    parser.add_argument(
        "--seed-only", action="store_true", help="fill and index, time nothing"
    )
    return parser.parse_args()


def server_url(database: str) -> str:
    url = urlparse(os.environ.get("DATABASE_URL", ""))
    if url.scheme not in {"postgres", "postgresql"}:
        sys.exit("Set DATABASE_URL to a PostgreSQL server (postgres://...).")
    return urlunparse(url._replace(path=f"/{database}"))


def sqlite_path(options) -> Path:
    return Path("/tmp") / f"{options.database}.sqlite3"


def recreate_database(options) -> None:
    if options.sqlite:
        sqlite_path(options).unlink(missing_ok=True)
        return
    with psycopg.connect(server_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{options.database}"')
        admin.execute(f'CREATE DATABASE "{options.database}"')


def drop_database(options) -> None:
    if options.sqlite:
        for suffix in ["", "-wal", "-shm", "-journal"]:
            Path(f"{sqlite_path(options)}{suffix}").unlink(missing_ok=True)
        return
    with psycopg.connect(server_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{options.database}"')


def setup_django(options) -> None:
    if options.sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_path(options)}"
    else:
        os.environ["DATABASE_URL"] = server_url(options.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ.setdefault(
        "DJANGO_SECRET_KEY", "benchmark-only-not-a-real-secret-0123456"
    )
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    import django

    django.setup()


def main() -> None:
    options = parse_args()
    if "bench" not in options.database:
        sys.exit("The scratch database name must contain 'bench'.")
    if options.reuse:
        options.keep = True
    else:
        say(f"Creating scratch database {options.database}")
        recreate_database(options)
    try:
        run(options)
    finally:
        from django.db import connections

        connections.close_all()
        if not options.keep:
            drop_database(options)
            say(f"Dropped scratch database {options.database}")


def sizes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for label, relation in [
            ("articles_article (table + TOAST + indexes)", "articles_article"),
            ("search_searchentry (table + TOAST + indexes)", "search_searchentry"),
            ("search_searchterms (table + TOAST + indexes)", "search_searchterms"),
            ("search_searchterms heap alone", "search_searchterms"),
            ("terms index search_terms_index", "search_terms_index"),
        ]:
            size = "pg_relation_size" if "alone" in label else "pg_total_relation_size"
            cursor.execute(f"SELECT pg_size_pretty({size}(%s::regclass))", [relation])
            say(f"  {label}: {cursor.fetchone()[0]}")


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


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def query_classes(maker) -> dict[str, list[str]]:
    two = [n for n in maker.nouns[20:3000] if len(n) == 2]
    longer = [n for n in maker.nouns[20:3000] if len(n) >= 3]
    from search.analysis import initial_consonants

    return {
        "2-syllable noun": two[:2] + two[200:202] + [two[-1] + "를"],
        "3+ syllable noun": longer[:2] + longer[200:202] + [longer[-1] + "가"],
        "hyphenated": ["북-러", "한-미"],
        "names": ["푸틴", "보스토치니", "김정은", "윤석열"],
        "Korean + digits": ["24년", "3분기", "covid-19"],
        "Latin in Korean": ["nato", "covid"],
        "multi-word": ["푸틴 방북", "관세 한-미", f"{two[0]} {two[1]}"],
        "loose spacing": ["서울시청", "서울 시청"],
        "initials": ["ㅂㅂ", initial_consonants(two[0])],
        "rare (<0.01%)": ["희귀한낱말사전"],
        "common (>50%)": [maker.nouns[0], maker.nouns[1], "가"],
    }


def seed(options, connection) -> None:
    from search import indexing

    say(f"Filling {options.articles} synthetic articles (bulk_create)")
    start = time.perf_counter()
    fill(options.articles, options.body_chars)
    say(f"  took {time.perf_counter() - start:.1f} s")

    say("Building the search index (rebuild_in_shadow, as rebuild_search_index)")
    start = time.perf_counter()
    written = indexing.rebuild_in_shadow(batch_size=1000)
    say(f"  {written} entries in {time.perf_counter() - start:.1f} s")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE search_searchentry")
            cursor.execute("VACUUM ANALYZE search_searchterms")
            cursor.execute("VACUUM ANALYZE articles_article")
        else:
            cursor.execute("ANALYZE")


def run(options) -> None:
    setup_django(options)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from articles.models import Article
    from search.analysis import parse_query
    from search.backends import backend_for
    from search.models import SearchEntry
    from search.query import COUNT_LIMIT, matching, ranked_ids, time_limit

    # Through override_settings: only its setting_changed signal resets the
    # storages already set up (no collectstatic manifest here).
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        }
    ).enable()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    backend = backend_for()
    say(f"Backend: {backend.index_kind()}")

    if options.reuse:
        # The nouns depend on the seed alone, so the query classes are the same.
        maker = TextMaker()
        say(f"Reusing {Article.objects.count()} articles")
    else:
        seed(options, connection)
        maker = TextMaker()
    if options.seed_only:
        return
    per_page = settings.NEWSROOM_ARTICLES_PER_PAGE
    live = Article.objects.live

    def count_and_page(query, page=1, sort="relevance"):
        # As the view runs it: inside the search's time limit (and planner
        # settings), the bounded match ids, then the page's articles.
        with time_limit(connection.alias):
            ids, more, _estimate = ranked_ids(live(), query, sort)
            chosen = ids[(page - 1) * per_page : page * per_page]
            articles = list(Article.objects.filter(pk__in=chosen).for_listing())
        return len(ids), more, len(articles)

    def check(query) -> tuple[float, bool, str]:
        """Recall of the index path, whether the served date-sorted ids are
        exactly the newest matches by a scan, and a digest of them."""
        found = set(matching(live(), query).values_list("pk", flat=True))
        scan = live()
        for phrase in query.phrases:
            scan = scan.filter(search_entry__document__contains=phrase.match)
        newest = list(scan.order_by("-publish_at", "-pk").values_list("pk", flat=True))
        truth = set(newest)
        with time_limit(connection.alias):
            served, _more, _estimate = ranked_ids(live(), query, "date")
        exact = served == newest[: len(served)] and (
            len(served) == len(newest) or len(served) == COUNT_LIMIT
        )
        digest = hashlib.sha1(repr(served).encode()).hexdigest()[:6]
        return (1.0 if not truth else len(found & truth) / len(truth)), exact, digest

    say("Load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    classes = query_classes(maker)
    parsed = {q: parse_query(q) for queries in classes.values() for q in queries}
    say("\nChecks (recall of the index; served ids == newest matches by a scan):")
    for name, queries in classes.items():
        for q in queries:
            count, more, _ = count_and_page(parsed[q])
            share, exact, digest = check(parsed[q])
            say(
                f"  {name:<18} {q:<14} {count:>5}{'+' if more else ' '} "
                f"recall {share:.3f} exact {exact} ids {digest}"
            )

    say(
        f"\nPer query class: {options.rounds} rounds, each {options.runs} timed "
        "runs of each query after a warm-up; median of the rounds [min-max]"
    )
    per_round: dict[str, list[tuple[float, float]]] = {}
    for _round in range(options.rounds):
        everything = []
        for name, queries in classes.items():
            durations = []
            for q in queries:
                count_and_page(parsed[q])
                for _ in range(options.runs):
                    begin = time.perf_counter()
                    count_and_page(parsed[q])
                    durations.append((time.perf_counter() - begin) * 1000)
            everything += durations
            per_round.setdefault(name, []).append(
                (statistics.median(durations), percentile(durations, 0.95))
            )
        per_round.setdefault("all", []).append(
            (statistics.median(everything), percentile(everything, 0.95))
        )
    say(f"{'class':<18} {'p50 ms':>22} {'p95 ms':>22}")
    for name, rounds in per_round.items():
        cells = []
        for values in zip(*rounds, strict=True):
            cells.append(
                f"{statistics.median(values):.1f} [{min(values):.1f}-{max(values):.1f}]"
            )
        say(f"{name:<18} {cells[0]:>22} {cells[1]:>22}")

    say("\nPagination (count + page), median ms:")
    for q in [maker.nouns[0], maker.nouns[50], "방북"]:
        query = parse_query(q)
        for sort in ["relevance", "date"]:
            page_ms = {}
            for number in [1, 50]:
                count_and_page(query, number, sort)
                runs = []
                for _ in range(options.runs):
                    begin = time.perf_counter()
                    count_and_page(query, number, sort)
                    runs.append((time.perf_counter() - begin) * 1000)
                page_ms[number] = statistics.median(runs)
            say(
                f"  {q:<10} {sort:<9} page 1 {page_ms[1]:6.1f}  page 50 "
                f"{page_ms[50]:6.1f}  ratio {page_ms[50] / page_ms[1]:.2f}"
            )

    client = Client(HTTP_HOST="localhost")
    say(
        "\nWhole results page through the test client (template included, "
        "uncached: a parameter the view ignores makes each URL new to the "
        "page cache), ms:"
    )
    fresh = itertools.count()
    for q in ["방북", maker.nouns[0], "푸틴 방북"]:
        client.get("/search/", {"q": q, "run": next(fresh)})
        runs = []
        for _ in range(options.runs):
            begin = time.perf_counter()
            response = client.get("/search/", {"q": q, "run": next(fresh)})
            runs.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200, response.status_code
        say(f"  {q:<10} p50 {statistics.median(runs):6.1f}  max {max(runs):6.1f}")

    say(
        "\nSuggestions (/search/suggest/), ms: the first request (uncached), "
        "then cached"
    )
    for q in ["방", "방북", "ㅂㅂ", maker.nouns[3][:1]]:
        begin = time.perf_counter()
        client.get("/search/suggest/", {"q": q})
        first = (time.perf_counter() - begin) * 1000
        runs = []
        for _ in range(options.runs * 3):
            begin = time.perf_counter()
            client.get("/search/suggest/", {"q": q})
            runs.append((time.perf_counter() - begin) * 1000)
        say(
            f"  {q:<10} uncached {first:6.2f}  cached p50 "
            f"{statistics.median(runs):6.2f}  max {max(runs):6.2f}"
        )
    say("Load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    say(f"\nEntries: {SearchEntry.objects.count()}")
    if connection.vendor == "postgresql":
        sizes()


if __name__ == "__main__":
    main()
