"""Korean search at /search/?q=, on SQLite (the fallback) and PostgreSQL (tsvector)."""

import html
import io
import json
import random
import re
import time
import unicodedata
from datetime import timedelta

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Category
from search import analysis, indexing
from search.models import SearchEntry
from search.query import search_articles, tsquery
from tests.factories import make_article, make_author

pytestmark = pytest.mark.django_db

SEED_TITLE = "푸틴 방북 9개월 24년 열쇠말 읽는 사건 회의 중요성 비밀"
GIN_INDEX = "search_entry_document_gin"


def search(client, q, **params):
    return client.get("/search/", {"q": q, **params})


def result_titles(response) -> list[str]:
    page = response.content.decode()
    found = re.findall(r'<h2 class="card__title"><a [^>]*>([^<]*)</a>', page)
    return [html.unescape(title) for title in found]


def quiet_article(**fields) -> Article:
    """A live article whose text mentions nothing the tests search for."""
    defaults = {"excerpt": "", "feature_text": "", "body": "<p>날씨가 맑다.</p>"}
    return make_article(**(defaults | fields))


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
                        "title_terms": " 가짜 짜뉴 뉴스 ",
                        "summary_terms": " 가짜 짜뉴 뉴스 ",
                        "body_terms": " 가짜 짜뉴 뉴스 ",
                        "initials_terms": "",
                        "document": None,
                    },
                },
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )

    call_command("loaddata", str(fixture), verbosity=0)

    assert result_titles(search(client, "가짜뉴스")) == []
    assert result_titles(search(client, "본회의")) == ["국회 본회의 통과"]


# Korean matching


def test_bare_noun_finds_text_where_a_particle_follows_it(client):
    quiet_article(title="서울시는 예산안을 발표했다")

    assert result_titles(search(client, "서울시")) == ["서울시는 예산안을 발표했다"]
    assert result_titles(search(client, "예산")) == ["서울시는 예산안을 발표했다"]


def test_two_syllable_query_does_not_match_its_syllables_apart(client):
    quiet_article(title="큰 방 북쪽 창문", body="<p>북방 정책과 방에서 북을 쳤다.</p>")
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
    assert "남부 지방에 폭우가 쏟아졌다." in page
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
    assert sum(len(p.terms) for p in query.phrases) <= analysis.MAX_QUERY_TERMS


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


def test_hangul_runs_become_overlapping_bigrams_and_latin_words_stay_whole():
    assert analysis.terms("보스토치니 북-러 Putin 9개월") == [
        "보스",
        "스토",
        "토치",
        "치니",
        "북",
        "러",
        "putin",
        "9",
        "개월",
    ]


def test_full_width_latin_and_compatibility_characters_are_folded():
    assert analysis.terms("ＫＢＳ ㈜한국") == ["kbs", "주", "한국"]


def test_initial_terms_are_bigrams_of_each_runs_initial_consonants():
    assert analysis.initial_terms("푸틴 방북 9개월") == ["ㅍㅌ", "ㅂㅂ", "ㄱㅇ"]


# PostgreSQL: the GIN index


def test_gin_index_exists_on_the_search_document(postgresql):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s", [GIN_INDEX]
        )
        (definition,) = cursor.fetchone()

    assert "USING gin (document)" in definition


def test_matching_can_use_the_gin_index(postgresql):
    call_command("loaddata", "seed", verbosity=0)
    query = analysis.parse_query("보스토치니")

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = SearchEntry.objects.filter(document__matches=tsquery(query)).explain()

    assert GIN_INDEX in plan


def test_search_that_runs_out_of_time_asks_for_narrower_words(
    client, postgresql, settings
):
    settings.NEWSROOM_SEARCH_TIMEOUT_MS = 200
    database = connection.settings_dict
    # Another session holds the index table, so the search waits until its
    # time limit cancels it: a stand-in for a query that matches too much.
    with psycopg.connect(
        dbname=database["NAME"],
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        user=database["USER"] or None,
        password=database["PASSWORD"] or None,
    ) as other:
        # Should the time limit fail, the server ends this session after 5 s
        # and the test fails instead of waiting forever.
        other.execute("SET idle_in_transaction_session_timeout = '5s'")
        other.execute("LOCK TABLE search_searchentry IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        response = search(client, "방북")
        waited = time.monotonic() - started

    assert response.status_code == 200
    assert "검색어를 좁혀 주세요" in response.content.decode()
    assert waited < 3
    # The connection is still usable afterwards.
    assert search(client, "방북").status_code == 200


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

    assert GIN_INDEX in plan, plan
    assert [article.title for article in queryset] == [SEED_TITLE]


# Each change builds an entry once

THREE = ["정치", "경제", "사회"]


@pytest.fixture
def builds(monkeypatch):
    """The article ids whose entries were built; the real builder still runs."""
    built = []
    real = indexing.values_for

    def counting(article, using):
        built.append(article.pk)
        return real(article, using)

    monkeypatch.setattr(indexing, "values_for", counting)
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
