"""Korean search at /search/?q=, on SQLite (FTS5) and PostgreSQL (RUM or GIN)."""

import html
import io
import json
import os
import random
import re
import sys
import time
import unicodedata
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Category
from search import analysis, indexing
from search.backends import backend_for
from search.backends.postgresql import TERMS_INDEX, TERMS_TABLE, tsquery_literal
from search.models import SearchEntry, SearchTerms
from search.query import search_articles
from tests.factories import make_article, make_author

pytestmark = pytest.mark.django_db

SEED_TITLE = "푸틴 방북 9개월 24년 열쇠말 읽는 사건 회의 중요성 비밀"


def search(client, q, **params):
    return client.get("/search/", {"q": q, **params})


def result_titles(response) -> list[str]:
    page = response.content.decode()
    found = re.findall(r'<h2 class="card__title"><a [^>]*>(.*?)</a>', page)
    return [html.unescape(re.sub("</?mark>", "", title)) for title in found]


def quiet_article(**fields) -> Article:
    """A live article whose text mentions nothing the tests search for."""
    defaults = {"excerpt": "", "feature_text": "", "body": "<p>날씨가 맑다.</p>"}
    return make_article(**(defaults | fields))


@pytest.fixture(autouse=True)
def no_term_statistics_from_other_tests():
    """Search caches the index's statistics for minutes; each test reads its own."""
    from search.backends import postgresql as backend

    backend._term_stats.clear()
    yield
    backend._term_stats.clear()


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only: runs in the suite's PostgreSQL pass "
            "(DATABASE_URL=postgres://...)."
        )


# The seed article, loaded the way `make run` loads it


@pytest.mark.parametrize("q", ["방북", "푸틴", "북-러", "보스토치니"])
def test_seed_loaded_with_loaddata_is_found_by_korean_queries(client, q):
    call_command("loaddata", "seed", verbosity=0)

    response = search(client, q)

    assert response.status_code == 200
    assert result_titles(response) == [SEED_TITLE]


def test_seed_is_found_by_a_body_only_phrase_and_its_category(client):
    call_command("loaddata", "seed", verbosity=0)

    # "천연가스" appears only in the body; "News" is the seed's category.
    assert result_titles(search(client, "천연가스")) == [SEED_TITLE]
    assert result_titles(search(client, "news")) == [SEED_TITLE]


def test_an_attribute_holding_a_bracket_does_not_leak_into_the_body_text(client):
    # The sanitiser keeps ">" inside a quoted attribute as it is.
    quiet_article(
        title="링크 기사",
        body_format="html",
        body='<p><a href="https://example.com/" title="x>감춘낱말">보이는 글</a></p>',
    )

    assert result_titles(search(client, "보이는")) == ["링크 기사"]
    assert result_titles(search(client, "감춘낱말")) == []
    assert "감춘낱말" not in analysis.body_text(Article.objects.get().body_html)


def test_loading_the_seed_twice_keeps_one_search_result(client):
    call_command("loaddata", "seed", verbosity=0)
    call_command("loaddata", "seed", verbosity=0)

    assert result_titles(search(client, "방북")) == [SEED_TITLE]
    assert SearchEntry.objects.count() == 1


def test_search_entry_in_a_fixture_is_rebuilt_from_its_article(client, tmp_path):
    fixture = tmp_path / "forged.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "articles.article",
                    "pk": 4242,
                    "fields": {
                        "title": "국회 본회의 통과",
                        "slug": "국회-본회의-통과",
                        "document_key": "forged-entry",
                        "body": "<p>법안이 통과됐다.</p>",
                        "body_format": "html",
                        "status": "published",
                        "publish_at": "2024-01-01T00:00:00Z",
                        "created_at": "2024-01-01T00:00:00Z",
                        "updated_at": "2024-01-01T00:00:00Z",
                    },
                },
                {
                    "model": "search.searchentry",
                    "pk": 4242,
                    "fields": {
                        "title": "가짜뉴스",
                        "summary": "가짜뉴스",
                        "document": "|가짜뉴스|",
                    },
                },
                {
                    "model": "search.searchterms",
                    "pk": 4242,
                    "fields": {
                        "publish_at": "2024-01-01T00:00:00Z",
                        "terms": "'가' '가짜' '뉴' '뉴스' '스' '짜' '짜뉴'",
                    },
                },
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )

    call_command("loaddata", str(fixture), verbosity=0)

    assert result_titles(search(client, "가짜뉴스")) == []
    # A two-syllable word is decided by the index terms alone.
    assert result_titles(search(client, "가짜")) == []
    assert result_titles(search(client, "본회의")) == ["국회 본회의 통과"]
    assert result_titles(search(client, "국회")) == ["국회 본회의 통과"]


# Korean matching


def test_bare_noun_finds_text_where_a_particle_follows_it(client):
    quiet_article(title="서울시는 예산안을 발표했다")

    assert result_titles(search(client, "서울시")) == ["서울시는 예산안을 발표했다"]
    assert result_titles(search(client, "예산")) == ["서울시는 예산안을 발표했다"]


def test_two_syllable_query_does_not_match_its_syllables_apart(client):
    quiet_article(
        title="큰 방의 북쪽 창문", body="<p>북방 정책과 방에서 북을 쳤다.</p>"
    )
    quiet_article(title="보스 스토리 토치 치니", body="<p>보스는 토치를 들었다.</p>")

    assert result_titles(search(client, "방북")) == []
    assert result_titles(search(client, "보스토치니")) == []


def test_all_words_of_a_query_must_match(client):
    call_command("loaddata", "seed", verbosity=0)

    assert result_titles(search(client, "푸틴 방북")) == [SEED_TITLE]
    assert result_titles(search(client, "푸틴 강원도")) == []


def test_latin_words_match_case_insensitively_and_as_prefixes(client):
    quiet_article(title="Putin's visit and COVID-19", body="<p>외신 보도.</p>")

    for q in ["putin", "PUTIN", "Put", "covid", "covid-19"]:
        assert result_titles(search(client, q)) == ["Putin's visit and COVID-19"], q
    assert result_titles(search(client, "visitor")) == []


def test_decomposed_query_finds_composed_text(client):
    call_command("loaddata", "seed", verbosity=0)
    decomposed = unicodedata.normalize("NFD", "보스토치니")
    assert decomposed != "보스토치니"

    response = search(client, decomposed)

    assert result_titles(response) == [SEED_TITLE]
    # The query is shown back composed, as the reader typed it.
    assert 'value="보스토치니"' in response.content.decode()


def test_composed_query_finds_text_saved_decomposed(client):
    quiet_article(title=unicodedata.normalize("NFD", "한강 불꽃축제 개막"))

    assert result_titles(search(client, "불꽃축제")) == ["한강 불꽃축제 개막"]


def test_initial_consonant_query_finds_a_title(client):
    call_command("loaddata", "seed", verbosity=0)
    quiet_article(title="서울시 예산안 발표")

    assert result_titles(search(client, "ㅂㅂ")) == [SEED_TITLE]
    assert result_titles(search(client, "ㅍㅌ")) == [SEED_TITLE]
    assert result_titles(search(client, "ㅅㅇㅅ ㅇㅅㅇ")) == ["서울시 예산안 발표"]
    assert result_titles(search(client, "ㅎㅎ")) == []


def test_initial_consonants_typed_as_conjoining_jamo_also_match(client):
    call_command("loaddata", "seed", verbosity=0)
    # U+1107 HANGUL CHOSEONG PIEUP, as some keyboards and NFD text produce it.
    assert result_titles(search(client, "\u1107\u1107")) == [SEED_TITLE]


# Ranking


def test_title_hits_rank_above_summary_hits_above_body_hits(client):
    now = timezone.now()
    # The body-only article is the newest and says the word most often, so
    # neither recency nor frequency can put it first.
    quiet_article(
        title="본문에만 나오는 기사",
        body="<p>" + "태풍 북상 소식. " * 30 + "</p>",
        publish_at=now - timedelta(minutes=1),
    )
    quiet_article(
        title="요약에만 나오는 기사",
        excerpt="태풍이 올라온다.",
        publish_at=now - timedelta(minutes=2),
    )
    quiet_article(
        title="리드문에만 나오는 기사",
        feature_text="밤사이 태풍이 지나간다.",
        publish_at=now - timedelta(minutes=3),
    )
    quiet_article(title="태풍 경보 발령", publish_at=now - timedelta(days=30))

    assert result_titles(search(client, "태풍")) == [
        "태풍 경보 발령",
        "요약에만 나오는 기사",
        "리드문에만 나오는 기사",
        "본문에만 나오는 기사",
    ]


def test_category_name_counts_as_summary_text(client):
    now = timezone.now()
    quiet_article(
        title="본문 기사",
        body="<p>경제 뉴스.</p>",
        publish_at=now - timedelta(minutes=1),
    )
    quiet_article(
        title="분류 기사", categories=["경제"], publish_at=now - timedelta(minutes=5)
    )

    assert result_titles(search(client, "경제")) == ["분류 기사", "본문 기사"]


def test_equal_tier_results_are_newest_first(client):
    now = timezone.now()
    quiet_article(title="폭설 첫째", publish_at=now - timedelta(hours=3))
    quiet_article(title="폭설 셋째", publish_at=now - timedelta(hours=1))
    quiet_article(title="폭설 둘째", publish_at=now - timedelta(hours=2))

    assert result_titles(search(client, "폭설")) == [
        "폭설 셋째",
        "폭설 둘째",
        "폭설 첫째",
    ]


# Only what readers may see


def hidden_article_cases():
    now = timezone.now()
    cases = [
        pytest.param({"status": status}, id=status)
        for status in Article.Status.values
        if status != Article.Status.PUBLISHED
    ]
    cases += [
        pytest.param({"publish_at": now + timedelta(hours=1)}, id="scheduled"),
        pytest.param({"publish_at": None}, id="no-publish-time"),
        pytest.param(
            {
                "publish_at": now - timedelta(days=2),
                "expire_at": now - timedelta(days=1),
            },
            id="expired",
        ),
    ]
    return cases


@pytest.mark.parametrize("fields", hidden_article_cases())
def test_articles_readers_may_not_see_never_appear(client, fields):
    quiet_article(title="공개된 폭염 기사")
    quiet_article(title="숨은 폭염 기사", **fields)

    response = search(client, "폭염")

    assert result_titles(response) == ["공개된 폭염 기사"]
    assert "숨은" not in response.content.decode()


# The page


def test_empty_query_shows_a_friendly_page_without_results(client):
    quiet_article(title="아무 기사")

    for params in [{}, {"q": ""}, {"q": "   "}]:
        response = client.get("/search/", params)
        page = response.content.decode()
        assert response.status_code == 200
        assert "찾고 싶은 낱말을 입력하세요" in page
        assert 'class="article-list"' not in page
        assert 'role="search"' in page


def test_query_without_searchable_characters_finds_nothing(client):
    quiet_article(title="아무 기사")

    response = search(client, "!!! ???")

    assert response.status_code == 200
    assert result_titles(response) == []
    assert "검색 결과 없음" in response.content.decode()


def test_no_results_page_says_so_in_korean(client):
    quiet_article(title="아무 기사")

    response = search(client, "없는낱말")

    assert response.status_code == 200
    assert "검색 결과 없음" in response.content.decode()


def test_result_card_shows_title_link_excerpt_and_date(client):
    article = quiet_article(
        title="폭우 피해 속출",
        excerpt="남부 지방에 폭우가 쏟아졌다.",
        publish_at=timezone.now() - timedelta(days=1),
    )
    local = timezone.localtime(article.publish_at)

    page = search(client, "폭우").content.decode()

    assert f'href="{article.get_absolute_url()}"' in page
    assert "남부 지방에 <mark>폭우</mark>가 쏟아졌다." in page
    assert "<mark>폭우</mark> 피해 속출" in page
    assert f"{local.year}년 {local.month}월 {local.day}일" in page
    assert "검색 결과 1건" in page


def test_query_is_echoed_escaped(client):
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'

    response = search(client, hostile)
    page = response.content.decode()

    assert response.status_code == 200
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_huge_query_is_bounded(client):
    quiet_article(title="가나다라 기사")

    with CaptureQueriesContext(connection) as queries:
        response = search(client, "가나다라 " * 2000)

    assert response.status_code == 200
    value = re.search(r'name="q" value="([^"]*)"', response.content.decode())[1]
    assert len(value) <= analysis.MAX_QUERY_CHARS
    longest = max(len(query["sql"]) for query in queries.captured_queries)
    assert longest < 20_000


def test_parsed_query_never_exceeds_its_bounds():
    query = analysis.parse_query(" ".join(f"낱말{n}" for n in range(500)))

    assert len(query.text) <= analysis.MAX_QUERY_CHARS
    assert len(query.phrases) <= analysis.MAX_QUERY_WORDS
    assert all(len(p.terms) <= analysis.MAX_PHRASE_TERMS for p in query.phrases)
    long_word = analysis.parse_query("가" * 100)
    assert len(long_word.phrases[0].terms) <= analysis.MAX_PHRASE_TERMS


def test_search_form_is_in_the_site_header(client):
    page = client.get("/").content.decode()
    header = page[page.index("<header") : page.index("</header>")]

    assert 'role="search"' in header
    assert 'action="/search/"' in header
    assert 'name="q"' in header
    label = re.search(r'<label[^>]* for="([^"]+)"', header)
    assert label and f'id="{label[1]}"' in header


# Pagination


@pytest.fixture
def three_results(settings):
    settings.NEWSROOM_ARTICLES_PER_PAGE = 2
    now = timezone.now()
    for n in range(3):
        quiet_article(title=f"가뭄 기사 {n}", publish_at=now - timedelta(hours=n + 1))


def test_results_are_paginated_and_links_keep_the_query(client, three_results):
    first = search(client, "가뭄")
    second = search(client, "가뭄", page="2")

    assert result_titles(first) == ["가뭄 기사 0", "가뭄 기사 1"]
    assert result_titles(second) == ["가뭄 기사 2"]
    assert "검색 결과 3건" in first.content.decode()
    assert 'href="?q=%EA%B0%80%EB%AD%84&amp;page=2"' in first.content.decode()


@pytest.mark.parametrize("page", ["3", "0", "-1", "abc", "1.5", "9" * 30])
def test_page_out_of_range_or_not_a_number_is_404(client, three_results, page):
    assert search(client, "가뭄", page=page).status_code == 404


def test_query_count_does_not_grow_with_results(client):
    sport = Category.objects.create(name="스포츠")
    author = make_author("이기자")
    quiet_article(title="야구 결승전", categories=[sport], authors=[author])

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = search(client, "야구")
        assert response.status_code == 200
        return len(queries), len(result_titles(response))

    backend_for().share_bound(analysis.parse_query("야구"))  # read once a while
    one = count_queries()
    for n in range(5):
        quiet_article(
            title=f"야구 소식 {n}",
            categories=[sport, f"분류{n}"],
            authors=[author, make_author(f"기자{n}")],
        )
    six = count_queries()

    assert one[1] == 1 and six[1] == 6
    assert six[0] == one[0]


# Keeping the index up to date


def test_edited_title_is_searched_by_its_new_words(client):
    article = quiet_article(title="지진 발생")

    article.title = "해일 경보"
    article.save()

    assert result_titles(search(client, "지진")) == []
    assert result_titles(search(client, "해일")) == ["해일 경보"]


def test_category_changes_reach_the_index(client):
    article = quiet_article(title="어느 기사")

    article.categories.add("문화예술")
    assert result_titles(search(client, "문화예술")) == ["어느 기사"]

    category = Category.objects.get(name="문화예술")
    category.name = "공연전시"
    category.save()
    assert result_titles(search(client, "문화예술")) == []
    assert result_titles(search(client, "공연전시")) == ["어느 기사"]

    article.categories.remove("공연전시")
    assert result_titles(search(client, "공연전시")) == []


def test_deleting_a_categorised_article_leaves_no_entry_behind():
    article = quiet_article(title="삭제될 기사", categories=["정치", "사회"])

    article.delete()

    assert not SearchEntry.objects.exists()
    # PostgreSQL checks deferred foreign keys only at commit: check them now.
    connection.check_constraints()


def test_deleting_a_category_removes_it_from_the_index(client):
    quiet_article(title="어느 기사", categories=["국제"])

    Category.objects.get(name="국제").delete()

    assert result_titles(search(client, "국제")) == []
    assert result_titles(search(client, "어느")) == ["어느 기사"]
    connection.check_constraints()


def test_a_huge_article_still_saves_and_is_found_by_its_opening_words(client):
    # Random syllables make nearly every bigram distinct: the worst case for
    # the size of PostgreSQL's tsvector, which must stay under 1 MB.
    chooser = random.Random(7)
    noise = "".join(chr(chooser.randrange(0xAC00, 0xD7A4)) for _ in range(200_000))
    quiet_article(
        title="아주 긴 기사",
        excerpt=noise,
        feature_text=noise[::-1],
        body=f"<p>첫머리 요약. {noise}</p>",
    )

    assert result_titles(search(client, "첫머리")) == ["아주 긴 기사"]


def test_rebuild_command_indexes_rows_written_without_signals(client):
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            title=f"대량 입력 기사 {n}",
            slug=f"bulk-{n}",
            document_key=f"bulk-{n}",
            body_html="<p>장마가 시작됐다.</p>",
            status=Article.Status.PUBLISHED,
            publish_at=now - timedelta(hours=1),
        )
        for n in range(3)
    )
    assert result_titles(search(client, "장마")) == []

    call_command("rebuild_search_index", batch_size=2, stdout=io.StringIO())

    assert len(result_titles(search(client, "장마"))) == 3


# Text analysis (no database)


def test_compact_form_unifies_case_width_separators_and_hangul_spacing():
    assert analysis.compact("서울 시청") == "서울시청"
    assert analysis.compact("북-러·협력") == "북러협력"
    assert analysis.compact("ＫＢＳ ㈜한국") == "kbs 주한국"
    assert analysis.compact("COVID-19  백신") == "covid 19 백신"
    assert analysis.compact("Putin's 방북") == "putin s 방북"


def test_terms_are_unigrams_and_bigrams_never_across_a_gap():
    assert analysis.terms("방북|ab") == {"방", "북", "방북", "a", "b", "ab"}
    assert "북a" not in analysis.terms("방북 ab")


def test_initials_of_each_hangul_run():
    assert analysis.initials("푸틴 방북 9개월") == "ㅍㅌㅂㅂ ㄱㅇ"


@pytest.mark.parametrize(
    ("word", "stripped"),
    [
        ("관세를", "관세"),
        ("관세가", "관세"),
        ("대통령의", "대통령"),
        ("서울에서", "서울"),
        ("정부로", "정부"),
        # Fewer than two syllables would remain.
        ("사이", None),
        ("국가", None),
        ("북을", None),
        # The never-strip list.
        ("고양이", None),
        ("한반도", None),
        ("민주주의", None),
        # Not a particle, or not Hangul.
        ("관세", None),
        ("covid", None),
    ],
)
def test_a_listed_particle_is_stripped_only_when_two_syllables_remain(word, stripped):
    assert analysis.strip_particle(word) == stripped


def test_the_never_strip_words_all_end_in_a_listed_particle():
    # Otherwise the list would document nothing.
    for word in analysis.NEVER_STRIP:
        assert any(word.endswith(p) for p in analysis.PARTICLES), word


# PostgreSQL: the RUM or GIN index


def rum_installed() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        return cursor.fetchone() is not None


def test_terms_index_is_rum_where_installed_and_gin_when_forced(postgresql):
    from django.conf import settings

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s", [TERMS_INDEX]
        )
        (definition,) = cursor.fetchone()

    if rum_installed() and not settings.NEWSROOM_SEARCH_FORCE_GIN:
        # Publish times kept beside the terms: candidates come newest first.
        assert "USING rum (terms rum_tsvector_addon_ops, publish_at)" in definition
        assert backend_for().index_kind() == "postgresql, rum"
    else:
        assert "USING gin (terms)" in definition
        assert backend_for().index_kind() == "postgresql, gin"


def test_forcing_gin_builds_a_gin_index(postgresql, settings):
    from search.backends.postgresql import create_index

    settings.NEWSROOM_SEARCH_FORCE_GIN = True
    forced = create_index(connection, table=TERMS_TABLE, name="search_terms_forced")
    assert forced == "gin"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
            ["search_terms_forced"],
        )
        assert "USING gin (terms)" in cursor.fetchone()[0]


def test_matching_can_use_the_terms_index(postgresql):
    call_command("loaddata", "seed", verbosity=0)
    query = analysis.parse_query("보스토치니")

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = SearchTerms.objects.filter(
            terms__matches=tsquery_literal(query)
        ).explain()

    assert TERMS_INDEX in plan


@contextmanager
def index_locked_by_another_session():
    """Another PostgreSQL session holds the search index table until the block
    ends. Should a time limit under test fail, the server ends that session
    after 5 s and the test fails instead of waiting forever."""
    database = connection.settings_dict
    with psycopg.connect(
        dbname=database["NAME"],
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        user=database["USER"] or None,
        password=database["PASSWORD"] or None,
    ) as other:
        other.execute("SET idle_in_transaction_session_timeout = '5s'")
        other.execute("LOCK TABLE search_searchentry IN ACCESS EXCLUSIVE MODE")
        yield


def test_search_that_runs_out_of_time_says_so_and_frees_the_connection(
    client, postgresql, settings
):
    settings.NEWSROOM_SEARCH_TIMEOUT_MS = 200
    # Another session holds the index table, so the search waits until its
    # time limit cancels it: a stand-in for a query that matches too much.
    with index_locked_by_another_session():
        started = time.monotonic()
        response = search(client, "방북")
        waited = time.monotonic() - started

    assert response.status_code == 200
    assert "잠시 후 다시 찾아 주세요" in response.content.decode()
    assert waited < 3
    # The connection is still usable afterwards.
    assert search(client, "방북").status_code == 200


def test_a_search_inside_a_transaction_leaves_its_settings_behind(client, postgresql):
    quiet_article(title="폭염 특보")

    # The test runs in a transaction, as a request would with ATOMIC_REQUESTS.
    assert result_titles(search(client, "폭염")) == ["폭염 특보"]

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan')")
        assert cursor.fetchone() == ("on",)
        cursor.execute("SELECT current_setting('statement_timeout')")
        assert cursor.fetchone() == ("0",)


def test_whole_search_query_can_use_the_gin_index(postgresql):
    call_command("loaddata", "seed", verbosity=0)
    for n in range(20):
        quiet_article(title=f"평범한 기사 {n}")
    queryset = search_articles(Article.objects.live(), analysis.parse_query("방북"))

    # With sequential scans, plain index scans and nested loops off, the planner
    # can reach the entries only through a bitmap scan on "@@": the GIN index.
    # (benchmarks/search_benchmark.py shows the plan it picks at 100,000 rows.)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_nestloop = off")
        plan = queryset.explain()

    assert TERMS_INDEX in plan, plan
    assert [article.title for article in queryset] == [SEED_TITLE]


# Recall: a corpus with planted answers, ground truth by substring scan

RECALL_WORDS = ["관세", "서울시청", "시청", "고양이", "사이", "북", "보스토치니"]
RECALL_FILLER = "정부 발표 시장 반응 오늘 내일 회의 결과 도시 계획 날씨 소식".split()
PARTICLE_ENDINGS = ["", "를", "가", "는", "의", "에서", "도"]


def planted_corpus(count=120, seed=11):
    """Articles whose fields hold the recall words in many spellings.

    A word may be split by a space, a hyphen or a middle dot (loose Korean
    spacing), followed by a particle, written in full-width or decomposed
    form, or sit in any field or a category name.
    """
    chooser = random.Random(seed)

    def spelled(word):
        if len(word) > 1 and chooser.random() < 0.3:
            cut = chooser.randrange(1, len(word))
            word = word[:cut] + chooser.choice([" ", "-", "·", "  "]) + word[cut:]
        if chooser.random() < 0.1:
            word = unicodedata.normalize("NFD", word)
        return word + chooser.choice(PARTICLE_ENDINGS)

    def text(words):
        picked = chooser.sample(RECALL_FILLER, 4)
        if chooser.random() < 0.35:
            picked.insert(chooser.randrange(5), spelled(chooser.choice(words)))
        return " ".join(picked)

    fields = []
    for n in range(count):
        category = text(RECALL_WORDS)[:30] if chooser.random() < 0.2 else None
        fields.append(
            {
                "title": f"{text(RECALL_WORDS)} {n}",
                "excerpt": text(RECALL_WORDS),
                "feature_text": text(RECALL_WORDS),
                "body": f"<p>{text(RECALL_WORDS)}</p><p>{text(RECALL_WORDS)}</p>",
                "categories": [category] if category else [],
            }
        )
    # Written here, not drawn: the two spellings the spacing rule is about, and
    # words that only look alike.
    fields += [
        {"title": "서울 시청 앞 집회", "body": "<p>집회.</p>"},
        {"title": "서울시청 광장", "body": "<p>광장.</p>"},
        {"title": "고양 시민", "body": "<p>고양시 소식.</p>"},
        {"title": "관 세관 세계", "body": "<p>세관.</p>"},
    ]
    return [quiet_article(**f) for f in fields]


def squeezed(text: str) -> str:
    """Ground truth's view of a text: composed, folded, no separators at all.

    For a query of Hangul only this is the documented rule (separators between
    Hangul characters do not count), written independently of search.analysis.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFC", text))
    return re.sub(r"[\W_]", "", folded.casefold())


def truth(articles, needle: str) -> set[int]:
    found = set()
    for article in articles:
        texts = [
            article.title,
            article.excerpt,
            article.feature_text,
            re.sub(r"<[^>]+>", " ", article.body_html),
            *article.categories.values_list("name", flat=True),
        ]
        if any(needle in squeezed(t) for t in texts):
            found.add(article.pk)
    return found


def found_ids(q: str) -> set[int]:
    query = analysis.parse_query(q)
    return set(
        search_articles(Article.objects.live(), query).values_list("pk", flat=True)
    )


def test_every_article_holding_the_query_is_found_and_nothing_else():
    articles = planted_corpus()

    for word in RECALL_WORDS:
        expected = truth(articles, word)
        assert expected, f"the corpus should plant {word!r}"
        assert found_ids(word) == expected, word


def test_loose_spacing_both_ways():
    articles = planted_corpus()
    together = truth(articles, "서울시청")

    assert {a.title for a in Article.objects.filter(pk__in=found_ids("서울시청"))} >= {
        "서울 시청 앞 집회",
        "서울시청 광장",
    }
    # Two words: each must match, so every article holding both is found,
    # the spelled-together ones included.
    assert found_ids("서울 시청") >= together
    assert found_ids("서울-시청") == together


def test_a_particle_typed_finds_the_bare_noun_and_other_particles():
    articles = planted_corpus()
    bare = truth(articles, "관세")

    # "관세를" is searched as "관세를" or "관세": everything holding "관세".
    assert found_ids("관세를") == bare
    assert found_ids("관세가") == bare
    assert found_ids("관세") == bare


def test_never_strip_words_are_not_cut_down():
    articles = planted_corpus()

    # "고양이" is not "고양" + "이": "고양 시민" must not be found.
    assert found_ids("고양이") == truth(articles, "고양이")
    assert "고양 시민" not in {
        a.title for a in Article.objects.filter(pk__in=found_ids("고양이"))
    }
    # "사이" keeps two syllables only unstripped.
    assert found_ids("사이") == truth(articles, "사이")


def test_both_a_noun_with_a_particle_and_the_bare_noun_in_the_text(client):
    quiet_article(title="관세가 오른다")
    quiet_article(title="관세를 내린다")
    quiet_article(title="세관 검사")

    for q in ["관세", "관세를", "관세가"]:
        assert sorted(result_titles(search(client, q))) == [
            "관세가 오른다",
            "관세를 내린다",
        ], q


def test_single_syllable_matches_anywhere_in_a_word(client):
    quiet_article(title="남북 대화")
    quiet_article(title="북한 소식")

    assert sorted(result_titles(search(client, "북"))) == ["남북 대화", "북한 소식"]


def test_an_overlong_document_is_still_found_by_its_later_words(client):
    chooser = random.Random(3)
    noise = "".join(chr(chooser.randrange(0xAC00, 0xD7A4)) for _ in range(60_000))
    quiet_article(title="긴 기사", body=f"<p>{noise} 맨끝낱말</p>")

    assert result_titles(search(client, "맨끝낱말")) == ["긴 기사"]


# The results page: highlighting, sorting, filters, counts


def test_matched_words_are_marked_after_escaping(client):
    quiet_article(
        title="<b>관세</b> 인상 & 서울 시청",
        excerpt="오늘 <i>관세를</i> 올렸다.",
    )

    page = search(client, "관세 서울시청").content.decode()

    assert (
        "&lt;b&gt;<mark>관세</mark>&lt;/b&gt; 인상 &amp; <mark>서울 시청</mark>" in page
    )
    assert "&lt;i&gt;<mark>관세</mark>를&lt;/i&gt;" in page
    assert "<b>" not in page.split("<main", 1)[1]


def test_a_result_is_the_article_card_with_its_title_and_snippet_marked(client):
    author = make_author("박기자")
    article = quiet_article(
        title="폭우 피해 <속출>",
        excerpt="남부 지방에 폭우가 쏟아졌다.",
        image_url="https://img.example/폭우.jpg",
        categories=["사회 & 날씨"],
        authors=[author],
    )

    page = search(client, "폭우").content.decode()
    card = page.split('<ol class="article-list">', 1)[1].split("</ol>", 1)[0]

    assert card.count('<article class="card">') == 1
    category = Category.objects.get(name="사회 & 날씨")
    url = article.get_absolute_url()
    assert f'<a href="{url}"><mark>폭우</mark> 피해 &lt;속출&gt;</a>' in card
    assert f'<a href="{category.get_absolute_url()}">사회 &amp; 날씨</a>' in card
    assert "박기자</a>" in card and 'src="https://img.example/폭우.jpg"' in card
    assert (
        '<p class="card__summary search__snippet">남부 지방에 <mark>폭우</mark>가'
        in card
    )
    assert card.count("card__summary") == 1


def test_a_title_that_looks_like_card_markup_stays_text_in_the_result(client):
    quiet_article(
        title='폭우</a></h2><p class="card__summary">가짜 요약</p>',
        excerpt="진짜 요약",
    )

    page = search(client, "폭우").content.decode()

    assert (
        "<mark>폭우</mark>&lt;/a&gt;&lt;/h2&gt;&lt;p class=&quot;card__summary&quot;"
        "&gt;가짜 요약&lt;/p&gt;</a></h2>" in page
    )
    assert '<p class="card__summary search__snippet">진짜 요약</p>' in page
    assert result_titles(search(client, "가짜")) == [
        '폭우</a></h2><p class="card__summary">가짜 요약</p>'
    ]


def test_a_result_whose_stored_card_is_stale_is_rendered_now(client):
    article = quiet_article(title="폭우 특보", excerpt="비가 온다.")
    # A row written by an UPDATE that bypassed the fragments (an older deploy).
    Article.objects.filter(pk=article.pk).update(
        fragments_key="old", card_html="<p>옛 카드</p>"
    )

    page = search(client, "폭우").content.decode()

    assert "옛 카드" not in page
    assert result_titles(search(client, "폭우")) == ["폭우 특보"]
    assert "<mark>폭우</mark> 특보" in page


def test_snippet_comes_from_where_the_word_occurs_in_the_body(client):
    quiet_article(
        title="어느 기사",
        body="<p>"
        + "앞부분 이야기. " * 40
        + "여기서 태풍이 온다. "
        + "뒷부분. " * 40
        + "</p>",
    )

    page = search(client, "태풍").content.decode()
    snippet = re.search(r'class="card__summary search__snippet">(.*?)</p>', page, re.S)

    assert snippet and "<mark>태풍</mark>이 온다" in snippet[1]
    assert len(html.unescape(re.sub("<[^>]+>", "", snippet[1]))) < 200


def test_sort_by_date_puts_the_newest_first(client):
    now = timezone.now()
    quiet_article(title="가뭄 특집", publish_at=now - timedelta(days=3))
    quiet_article(title="새 소식", excerpt="가뭄 이야기", publish_at=now)

    assert result_titles(search(client, "가뭄")) == ["가뭄 특집", "새 소식"]
    assert result_titles(search(client, "가뭄", sort="date")) == [
        "새 소식",
        "가뭄 특집",
    ]
    # An unknown sort is relevance.
    assert result_titles(search(client, "가뭄", sort="x")) == ["가뭄 특집", "새 소식"]


def test_a_new_publish_time_alone_moves_the_article_in_date_order(client):
    now = timezone.now()
    older = quiet_article(title="가뭄 특집", publish_at=now - timedelta(days=3))
    quiet_article(title="가뭄 소식", publish_at=now - timedelta(days=1))

    # As a rescheduling saves it: the publish time and nothing the entry holds.
    older.publish_at = now - timedelta(hours=1)
    older.save(update_fields=["publish_at"])

    assert result_titles(search(client, "가뭄", sort="date")) == [
        "가뭄 특집",
        "가뭄 소식",
    ]


def test_date_order_breaks_equal_publish_times_by_newest_article(client):
    now = timezone.now()
    same = now - timedelta(days=1)
    tied = [quiet_article(title=f"폭염 {n}", publish_at=same) for n in range(3)]
    quiet_article(title="폭염 속보", publish_at=now - timedelta(hours=1))
    quiet_article(title="폭염 지난 소식", publish_at=now - timedelta(days=2))

    assert result_titles(search(client, "폭염", sort="date")) == [
        "폭염 속보",
        *[article.title for article in reversed(tied)],
        "폭염 지난 소식",
    ]


def test_filter_by_category_and_date_range(client):
    now = timezone.now()
    sport = Category.objects.create(name="스포츠", slug="sport")
    quiet_article(
        title="야구 개막", categories=[sport], publish_at=now - timedelta(days=40)
    )
    quiet_article(
        title="야구 결승", categories=[sport], publish_at=now - timedelta(days=1)
    )
    quiet_article(title="야구 예산", publish_at=now - timedelta(days=1))
    since = (timezone.localdate() - timedelta(days=10)).isoformat()

    assert sorted(result_titles(search(client, "야구", category="sport"))) == [
        "야구 개막",
        "야구 결승",
    ]
    assert sorted(result_titles(search(client, "야구", **{"from": since}))) == [
        "야구 결승",
        "야구 예산",
    ]
    assert result_titles(
        search(client, "야구", category="sport", **{"from": since})
    ) == ["야구 결승"]
    old = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert result_titles(search(client, "야구", to=old)) == ["야구 개막"]


def test_a_date_that_is_not_one_is_ignored_and_said_so(client):
    quiet_article(title="야구 개막")

    response = search(client, "야구", **{"from": "2024-13-45"})

    assert result_titles(response) == ["야구 개막"]
    assert "연-월-일로 입력하세요" in response.content.decode()


def test_past_the_count_limit_the_page_says_more_than_and_shows_newest(
    client, monkeypatch
):
    monkeypatch.setattr("search.query.COUNT_LIMIT", 3)
    monkeypatch.setattr("search.views.COUNT_LIMIT", 3)
    now = timezone.now()
    quiet_article(title="폭염 특보", publish_at=now - timedelta(days=9))
    for n in range(4):
        quiet_article(
            title=f"소식 {n}",
            excerpt="폭염 이야기",
            publish_at=now - timedelta(hours=n),
        )

    response = search(client, "폭염")
    page = response.content.decode()

    assert response.status_code == 200
    assert "추정치" in page
    assert "최신순으로 보여 줍니다" in page
    assert result_titles(response) == ["소식 0", "소식 1", "소식 2"]


def shown_estimate(response) -> int:
    found = re.search(r"검색 결과 약 ([\d,]+)건", response.content.decode())
    assert found, "the page gives no estimated total"
    return int(found.group(1).replace(",", ""))


def analyse_for_the_planner():
    # The estimate on PostgreSQL is the planner's, from ANALYZE's statistics
    # (autovacuum keeps them in production).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE articles_article")


@pytest.mark.parametrize("probe", [5, 1000], ids=["newest-window", "index"])
def test_past_the_count_limit_the_page_estimates_the_total_and_says_so(
    client, monkeypatch, probe
):
    # One article in three of 60 holds the word: about 20, exactly 20, and
    # the page may show only the first 3. Either path: the newest window
    # (a very common word) or the index.
    monkeypatch.setattr("search.query.COUNT_LIMIT", 3)
    monkeypatch.setattr("search.views.COUNT_LIMIT", 3)
    monkeypatch.setattr("search.query.PROBE", probe)
    monkeypatch.setattr("search.query.WINDOW_SHARE", 0.2 if probe == 5 else 1.0)
    now = timezone.now()
    for n in range(60):
        quiet_article(
            title=f"폭염 {n}" if n % 3 == 0 else f"소나기 {n}",
            publish_at=now - timedelta(hours=n + 1),
        )
    analyse_for_the_planner()

    response = search(client, "폭염")

    assert 14 <= shown_estimate(response) <= 28
    assert "추정치" in response.content.decode()
    assert result_titles(response) == ["폭염 0", "폭염 3", "폭염 6"]


def test_an_exact_count_is_shown_without_any_estimate(client):
    for n in range(3):
        quiet_article(title=f"폭염 {n}")

    page = search(client, "폭염").content.decode()

    assert "검색 결과 3건" in page
    assert "약 " not in page and "추정치" not in page


def test_a_very_common_word_is_answered_from_the_newest_articles(client, monkeypatch):
    # Scaled down: "very common" is 4 of the 5 newest, 3 results the limit.
    monkeypatch.setattr("search.query.COUNT_LIMIT", 3)
    monkeypatch.setattr("search.views.COUNT_LIMIT", 3)
    monkeypatch.setattr("search.query.PROBE", 5)
    now = timezone.now()
    for n, title in enumerate(["폭염 1", "소나기", "폭염 2", "폭염 3", "폭염 4"]):
        quiet_article(title=title, publish_at=now - timedelta(hours=n))
    quiet_article(title="폭염 옛날", publish_at=now - timedelta(days=30))

    response = search(client, "폭염")

    assert "추정치" in response.content.decode()
    assert result_titles(response) == ["폭염 1", "폭염 2", "폭염 3"]


def test_when_the_newest_articles_mislead_the_older_matches_are_still_found(
    client, monkeypatch
):
    # The 5 newest all match, then a gap: the window from them holds too few.
    monkeypatch.setattr("search.query.COUNT_LIMIT", 6)
    monkeypatch.setattr("search.views.COUNT_LIMIT", 6)
    monkeypatch.setattr("search.query.PROBE", 5)
    now = timezone.now()
    for n in range(5):
        quiet_article(title=f"폭염 새 {n}", publish_at=now - timedelta(hours=n))
    for n in range(20):
        quiet_article(title=f"소나기 {n}", publish_at=now - timedelta(days=1, hours=n))
    for n in range(5):
        quiet_article(title=f"폭염 옛 {n}", publish_at=now - timedelta(days=9, hours=n))

    response = search(client, "폭염")

    assert "추정치" in response.content.decode()
    assert result_titles(response) == [
        *(f"폭염 새 {n}" for n in range(5)),
        "폭염 옛 0",
    ]


def test_search_page_query_count_is_pinned(client, settings):
    settings.NEWSROOM_ARTICLES_PER_PAGE = 2
    for n in range(5):
        quiet_article(title=f"가뭄 기사 {n}", categories=[f"분류{n}"])
    call_command("loaddata", "seed", verbosity=0)
    client.get("/")  # anything cached on first use
    search(client, "장마")  # and the index's statistics, read once

    with CaptureQueriesContext(connection) as base:
        client.get("/search/")
    category = Category.objects.get(name="분류0").slug
    for params in [{}, {"page": "2"}, {"sort": "date"}, {"category": category}]:
        with CaptureQueriesContext(connection) as queries:
            response = search(client, "가뭄", **params)
        assert response.status_code == 200
        # The page's own queries on top of what every page costs: the match
        # ids and the articles with their stored cards (search.results), and
        # on SQLite the test of the newest articles (is the word very
        # common?), on PostgreSQL the time limit.
        # (Savepoints exist only because each test runs in a transaction.)
        own = sum("SAVEPOINT" not in q["sql"] for q in queries.captured_queries) - len(
            base
        )
        assert own == 3, [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("path", ["newest-window", "index"])
def test_estimated_total_page_query_count_is_pinned(client, monkeypatch, path):
    # Past COUNT_LIMIT the estimate adds its own queries, a fixed number.
    monkeypatch.setattr("search.query.COUNT_LIMIT", 3)
    monkeypatch.setattr("search.views.COUNT_LIMIT", 3)
    monkeypatch.setattr("search.query.PROBE", 5 if path == "newest-window" else 1000)
    monkeypatch.setattr(
        "search.query.WINDOW_SHARE", 0.2 if path == "newest-window" else 1.0
    )
    now = timezone.now()
    for n in range(30):
        quiet_article(
            title=f"폭염 {n}" if n % 3 == 0 else f"소나기 {n}",
            publish_at=now - timedelta(hours=n + 1),
        )
    client.get("/")  # anything cached on first use
    search(client, "장마")  # and the index's statistics, read once
    with CaptureQueriesContext(connection) as base:
        client.get("/search/")

    with CaptureQueriesContext(connection) as queries:
        response = search(client, "폭염")

    assert "추정치" in response.content.decode()
    own = sum("SAVEPOINT" not in q["sql"] for q in queries.captured_queries) - len(base)
    # SQLite: the newest articles tested, then either a larger newest window
    # and the number of articles, or the match ids and the number of articles
    # since the oldest of them and in all; the page's articles. PostgreSQL
    # never tests the newest articles one by one: its time limit, the match
    # ids, the planner's estimates of the two numbers, the page's articles.
    expected = 4 if path == "newest-window" else 5
    if connection.vendor == "postgresql":
        expected = 5
    assert own == expected, [q["sql"] for q in queries.captured_queries]


@pytest.fixture
def term_statistics(postgresql):
    """ANALYZE the index (rolled back with the test), forgetting the
    statistics search read before."""
    from search.backends import postgresql as backend

    def analyse():
        backend._term_stats.clear()
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TERMS_TABLE}")

    return analyse


def test_postgresql_answers_common_and_rare_words_from_the_terms_index(
    client, term_statistics
):
    now = timezone.now()
    for n in range(30):
        quiet_article(
            title="가뭄 소식" if n == 7 else f"장마 소식 {n}",
            publish_at=now - timedelta(hours=n + 1),
        )
    term_statistics()
    client.get("/")  # anything cached on first use
    search(client, "장마")  # the statistics, read once

    with CaptureQueriesContext(connection) as rare:
        rare_titles = result_titles(search(client, "가뭄"))
    with CaptureQueriesContext(connection) as common:
        common_titles = result_titles(search(client, "장마"))

    def windows(queries):
        return sum("search_hit" in q["sql"] for q in queries.captured_queries)

    assert rare_titles == ["가뭄 소식"]
    assert len(common_titles) == 20 and common_titles[0] == "장마 소식 0"
    # No article is tested one by one, however common the word.
    assert windows(rare) == windows(common) == 0


def test_a_common_word_in_a_date_range_far_back_finds_its_old_matches(
    client, monkeypatch
):
    # Scaled down: 3 results the limit. Where the index keeps statistics the
    # newest candidates of a common word are tried first, and none of them
    # lie in the range.
    monkeypatch.setattr("search.query.COUNT_LIMIT", 3)
    monkeypatch.setattr("search.views.COUNT_LIMIT", 3)
    now = timezone.now()
    for n in range(30):
        quiet_article(title=f"장마 새 소식 {n}", publish_at=now - timedelta(hours=n))
    old = now - timedelta(days=400)
    for n in range(2):
        quiet_article(title=f"장마 옛 소식 {n}", publish_at=old - timedelta(hours=n))
    if connection.vendor == "postgresql":
        from search.backends import postgresql as backend

        backend._term_stats.clear()
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TERMS_TABLE}")

    response = search(
        client,
        "장마",
        sort="date",
        **{"from": (old - timedelta(days=1)).date().isoformat()},
        to=(old + timedelta(days=1)).date().isoformat(),
    )

    assert result_titles(response) == ["장마 옛 소식 0", "장마 옛 소식 1"]


# Suggestions for the header box


def test_suggestions_give_titles_and_categories_as_json(client):
    quiet_article(title="관세 협상 타결", categories=["관세정책"])
    quiet_article(title="날씨 소식")
    quiet_article(title="숨은 관세 기사", status=Article.Status.DRAFT)

    data = client.get("/search/suggest/", {"q": "관세"}).json()

    assert [t["title"] for t in data["titles"]] == ["관세 협상 타결"]
    assert data["titles"][0]["url"].startswith("/")
    assert [c["name"] for c in data["categories"]] == ["관세정책"]


def test_suggestions_leave_out_a_category_with_no_live_article(client):
    draft = Article.Status.DRAFT
    quiet_article(title="날씨 소식", categories=["무역정책"])
    quiet_article(title="숨은 소식", categories=["무역비밀"], status=draft)

    data = client.get("/search/suggest/", {"q": "무역"}).json()

    assert [c["name"] for c in data["categories"]] == ["무역정책"]


def test_suggestions_match_initial_consonants(client):
    quiet_article(title="관세 협상 타결")

    data = client.get("/search/suggest/", {"q": "ㄱㅅ"}).json()

    assert [t["title"] for t in data["titles"]] == ["관세 협상 타결"]


def test_suggestions_are_cached(client):
    quiet_article(title="관세 협상 타결")
    client.get("/search/suggest/", {"q": "협상"})

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/suggest/", {"q": "협상"})

    assert response.status_code == 200
    assert len(queries) == 0
    assert "max-age" in response["Cache-Control"]


# Committed rows: the articles' own write locks would hold the other
# session's table lock back.
@pytest.mark.django_db(transaction=True)
def test_suggestions_that_run_out_of_time_offer_categories_only(
    client, postgresql, settings
):
    settings.NEWSROOM_SEARCH_SUGGEST_TIMEOUT_MS = 200
    quiet_article(title="날씨 소식", categories=["관세협상정책"])
    # Few rows, so autovacuum has no cause to analyse the committed table
    # (its statistics would outlive the test and steer later ones).
    quiet_article(title="관세협상 타결", publish_at=timezone.now() - timedelta(days=1))
    # Another session holds the index table: the titles wait until the
    # suggestions' own time limit, far shorter than a search's.
    with index_locked_by_another_session():
        started = time.monotonic()
        response = client.get("/search/suggest/", {"q": "관세협상"})
        waited = time.monotonic() - started

    data = response.json()
    assert response.status_code == 200
    assert waited < 2
    assert data["titles"] == [] and data["timed_out"] is True
    assert [c["name"] for c in data["categories"]] == ["관세협상정책"]
    assert response["Cache-Control"] == "public, max-age=5"


def test_suggestions_for_a_common_word_are_its_newest_titles(client):
    now = timezone.now()
    for n in range(60):
        quiet_article(title=f"장마 {n}", publish_at=now - timedelta(hours=n + 1))

    data = client.get("/search/suggest/", {"q": "장마"}).json()

    assert [t["title"] for t in data["titles"]] == [f"장마 {n}" for n in range(8)]


def test_suggestions_for_an_empty_query_are_empty(client):
    assert client.get("/search/suggest/").json() == {
        "q": "",
        "titles": [],
        "categories": [],
    }


def test_header_box_works_as_a_plain_form_and_offers_suggestions(client):
    page = client.get("/").content.decode()
    header = page[page.index("<header") : page.index("</header>")]
    box = re.search(r'<input class="search-form__input"[^>]*>', header)[0]
    datalist = re.search(r'list="([^"]+)"', box)[1]

    # Without JavaScript: a GET form to /search/ with a q field.
    assert 'action="/search/" method="get"' in header
    assert f'<datalist id="{datalist}"></datalist>' in header
    assert 'data-suggest-url="/search/suggest/"' in box
    # The script is a static file (CSP script-src 'self'), served as such.
    assert '<script src="/static/search/suggest.js" defer></script>' in page


# Rebuilding the index


def test_rebuild_keeps_serving_the_old_index_until_the_new_one_is_complete(client):
    article = quiet_article(title="지진 소식")
    other = quiet_article(title="여진 소식")
    # update() sends no signal: the index still says "지진".
    Article.objects.filter(pk=article.pk).update(title="해일 소식")
    seen_during_build = []

    def progress(done, total):
        seen_during_build.append(
            (
                result_titles(search(client, "지진")),
                result_titles(search(client, "해일")),
            )
        )

    from search import indexing

    indexing.rebuild_in_shadow(batch_size=1, progress=progress)

    # The page shows the article as it is; the old index still finds it by
    # its old word, and not yet by its new one.
    assert seen_during_build == [(["해일 소식"], [])] * 2
    assert result_titles(search(client, "지진")) == []
    assert result_titles(search(client, "해일")) == ["해일 소식"]
    assert result_titles(search(client, "여진")) == [other.title]


def test_rebuild_includes_articles_saved_during_the_build(client):
    first = quiet_article(title="첫 기사")
    quiet_article(title="둘째 기사")

    def progress(done, total):
        if done == 1:
            first.title = "고친 기사"
            first.save()

    from search import indexing

    indexing.rebuild_in_shadow(batch_size=1, progress=progress)

    assert result_titles(search(client, "고친")) == ["고친 기사"]
    assert result_titles(search(client, "첫")) == []


def test_rebuild_command_shows_progress():
    quiet_article(title="어느 기사")
    out = io.StringIO()

    call_command("rebuild_search_index", batch_size=1, stdout=out)

    assert "1/1 (100%)" in out.getvalue()
    assert "검색 색인 1건을 만들었습니다." in out.getvalue()


def test_background_rebuild_refuses_without_a_task_queue():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="none is configured"):
        call_command("rebuild_search_index", background=True, stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_background_rebuild_by_a_real_worker_serves_the_old_index_until_done(
    client, settings
):
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only (set DATABASE_URL=postgres://...): the worker is "
            "another process, and the in-memory SQLite test database is invisible "
            "to it"
        )
    import subprocess

    from django_tasks_db.models import DBTaskResult

    from tests.task_queue import DATABASE_BACKEND, ROOT

    settings.TASKS = DATABASE_BACKEND
    for n in range(150):
        quiet_article(title=f"지진 소식 {n}")
    # update() sends no signal: the old index says "지진", the articles "해일".
    Article.objects.update(title="해일 소식")
    page = ("해일 소식",) * 20
    # Each search answers from one index, old or new: the old word finds a
    # whole page or nothing, the new word nothing or a whole page.
    old, new = {"지진": page, "해일": ()}, {"지진": (), "해일": page}

    def answer(q):
        return tuple(result_titles(search(client, q)))

    call_command(
        "rebuild_search_index", background=True, batch_size=1, stdout=io.StringIO()
    )
    assert DBTaskResult.objects.get().status == "READY"
    assert {q: answer(q) for q in old} == old

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
         "--no-reload", "--verbosity", "0"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen = []  # (building?, query, answer) while the worker runs
    while worker.poll() is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('search_searchentry_shadow')")
            building = cursor.fetchone()[0] is not None
        seen += [(building, q, answer(q)) for q in old]
    _, stderr = worker.communicate(timeout=60)

    assert worker.returncode == 0, stderr
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    # While the shadow index was being built, readers got the whole old
    # answer; no search ever saw a part of either index.
    assert {(True, q, answered) for q, answered in old.items()} <= set(seen)
    assert all(answered in {old[q], new[q]} for _, q, answered in seen)
    assert {q: answer(q) for q in new} == new


def test_after_a_rebuild_the_index_and_its_foreign_key_are_in_place(client):
    article = quiet_article(title="재구성 기사")
    from search import indexing

    indexing.rebuild_in_shadow()

    assert result_titles(search(client, "재구성")) == ["재구성 기사"]
    article.delete()
    assert not SearchEntry.objects.exists()
    assert not SearchTerms.objects.exists()
    connection.check_constraints()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_indexes WHERE indexname = %s", [TERMS_INDEX]
            )
            assert cursor.fetchone()


# Each change builds an entry once

THREE = ["정치", "경제", "사회"]


@pytest.fixture
def builds(monkeypatch):
    """The article ids whose entries were built; the real builder still runs."""
    built = []
    real = indexing.analyse_article

    def counting(article, category_names):
        built.append(article.pk)
        return real(article, category_names)

    monkeypatch.setattr(indexing, "analyse_article", counting)
    return built


def test_one_categories_set_builds_the_entry_once_however_many_it_adds(builds):
    article = quiet_article(title="어느 기사")
    builds.clear()

    article.categories.set(THREE)
    assert builds == [article.pk]

    article.categories.set(["정치"])  # removes two
    assert builds == [article.pk, article.pk]


def test_saving_an_article_and_its_three_categories_builds_once_when_deferred(
    client, builds
):
    with indexing.deferred():
        article = make_article(
            title="세 갈래 기사", categories=["정치", "경제", "사회"]
        )
        assert builds == []

    assert builds == [article.pk]
    assert result_titles(search(client, "경제")) == ["세 갈래 기사"]


def test_importing_a_document_with_three_categories_builds_its_entry_once(
    client, builds, tmp_path
):
    (tmp_path / "세갈래.html").write_text(
        "---\ntitle: 세 갈래 기사\ncategories: [정치, 경제, 사회]\n---\n"
        "<p>국회와 시장, 거리의 이야기.</p>\n",
        encoding="utf-8",
    )

    call_command("import_posts", str(tmp_path), verbosity=0)

    article = Article.objects.get()
    assert builds == [article.pk]
    assert result_titles(search(client, "사회")) == ["세 갈래 기사"]


def test_a_status_only_change_builds_nothing(builds):
    article = quiet_article(title="게재 취소될 기사")
    builds.clear()

    article.status = Article.Status.UNPUBLISHED
    article.save(update_fields=["status", "updated_at"])

    assert builds == []


def test_loading_the_seed_builds_its_entry_once(client, builds):
    call_command("loaddata", "seed", verbosity=0)

    assert builds == [Article.objects.get().pk]
    assert result_titles(search(client, "방북")) == [SEED_TITLE]


def test_loading_articles_with_three_categories_builds_each_entry_once(
    client, builds, tmp_path
):
    rows = [
        {"model": "articles.category", "fields": {"name": name, "slug": slug}}
        for name, slug in (
            ("정치", "politics"),
            ("경제", "economy"),
            ("사회", "society"),
        )
    ]
    for key in ("one", "two"):
        rows.append(
            {
                "model": "articles.article",
                "fields": {
                    "title": f"세 갈래 기사 {key}",
                    "slug": key,
                    "document_key": key,
                    "body": "<p>본문</p>",
                    "body_format": "html",
                    "status": "published",
                    "publish_at": "2024-01-01T00:00:00Z",
                    "created_at": "2024-01-01T00:00:00Z",
                    "updated_at": "2024-01-01T00:00:00Z",
                },
            }
        )
        rows.extend(
            {
                "model": "articles.categorizedarticle",
                "fields": {"content_object": [key], "tag": [name]},
            }
            for name in THREE
        )
    fixture = tmp_path / "three.json"
    fixture.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")

    call_command("loaddata", str(fixture), verbosity=0)

    assert sorted(builds) == sorted(Article.objects.values_list("pk", flat=True))
    assert len(builds) == 2
    assert len(result_titles(search(client, "경제"))) == 2


def test_a_failed_deferred_block_builds_nothing(builds):
    with pytest.raises(RuntimeError), transaction.atomic():
        with indexing.deferred():
            quiet_article(title="실패할 기사")
            raise RuntimeError

    assert builds == []
    assert not SearchEntry.objects.exists()
