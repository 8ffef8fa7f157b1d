"""The full-page cache: hits first, then freshness, lifetimes and headers.

Every freshness test first proves the page was a hit (no queries, X-Page-Cache
HIT, an Age header), so it could not pass with no cache at all. The cache is
Django's default one: Redis when REDIS_URL is set (as in production), local
memory otherwise; the suite runs both ways.
"""

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from articles import pagecache, previews, workflow
from articles.models import Article, Category
from tests.factories import make_article, make_author

pytestmark = pytest.mark.django_db

SEOUL_NINE = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 09:00 in Seoul


@pytest.fixture
def page_cache(settings):
    settings.NEWSROOM_PAGE_CACHE = True
    settings.NEWSROOM_CACHE_HEADERS = True
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 600
    settings.NEWSROOM_BROWSER_MAX_AGE = 0
    cache.clear()
    yield
    cache.clear()


def get(client, url, **headers):
    return client.get(url, headers=headers)


def test_second_anonymous_request_is_a_hit_that_runs_no_query(
    client, page_cache, django_assert_num_queries
):
    article = make_article(title="서울시 예산안 단독 보도")
    first = get(client, "/")
    assert first.status_code == 200
    assert first["X-Page-Cache"] == "MISS"
    with django_assert_num_queries(0):
        second = get(client, "/")
    assert second["X-Page-Cache"] == "HIT"
    assert int(second["Age"]) >= 0
    assert second.content == first.content
    assert article.title in second.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/", "/feeds/rss/", "/sitemap.xml", "/robots.txt", "/search/?q=예산"],
)
def test_public_pages_of_every_kind_are_served_from_the_cache(
    client, page_cache, url, django_assert_num_queries
):
    make_article(title="예산 기사")
    assert get(client, url)["X-Page-Cache"] == "MISS"
    with django_assert_num_queries(0):
        assert get(client, url)["X-Page-Cache"] == "HIT"


def test_editor_with_a_session_never_reads_or_writes_the_cache(
    client, page_cache, editor
):
    make_article(title="편집자가 보는 기사")
    staff = Client()
    staff.force_login(editor)
    answer = get(staff, "/")
    assert "X-Page-Cache" not in answer and "xkey" not in answer
    assert get(client, "/")["X-Page-Cache"] == "MISS", "the editor stored a page"
    assert get(client, "/")["X-Page-Cache"] == "HIT"
    assert "X-Page-Cache" not in get(staff, "/"), "the editor read the cache"


def test_any_csrf_cookie_or_authorization_bypasses_the_cache(client, page_cache):
    make_article()
    get(client, "/")
    assert get(client, "/")["X-Page-Cache"] == "HIT"
    other = Client()
    other.cookies["csrftoken"] = "x" * 32
    assert "X-Page-Cache" not in get(other, "/")
    assert "X-Page-Cache" not in get(Client(), "/", Authorization="Basic eDp5")


def test_share_links_and_admin_pages_are_never_cached(client, page_cache, editor):
    draft = make_article(title="공유 링크 초안", status=Article.Status.DRAFT)
    link = previews.create_share_link(draft, by=editor)
    path = previews.share_path(link)
    for _ in range(2):
        answer = get(client, path)
        assert answer.status_code == 200
        assert "X-Page-Cache" not in answer and "xkey" not in answer
    assert "X-Page-Cache" not in get(client, "/admin/login/")


def test_not_found_is_not_cached(client, page_cache):
    for _ in range(2):
        answer = get(client, "/articles/없는-기사/")
        assert answer.status_code == 404
        assert "X-Page-Cache" not in answer


def test_response_carries_surrogate_keys_of_what_it_shows(client, page_cache):
    politics = Category.objects.create(name="정치")
    reporter = make_author("이기자")
    article = make_article(title="국회 본회의", categories=["정치"], authors=[reporter])
    other = make_article(title="예산 심사", categories=["정치"])

    front = get(client, "/")["xkey"].split()
    assert {"front", "nav", f"article-{article.pk}", f"article-{other.pk}"} <= set(
        front
    )
    page = get(client, article.get_absolute_url())["xkey"].split()
    # Its own key, and the key of the related article it lists; not its
    # categories', or every publication in them would purge every article page.
    assert {f"article-{article.pk}", f"article-{other.pk}"} <= set(page)
    assert f"category-{politics.pk}" not in page
    category = get(client, politics.get_absolute_url())["xkey"].split()
    assert f"category-{politics.pk}" in category
    author = get(client, reporter.get_absolute_url())["xkey"].split()
    assert f"author-{reporter.pk}" in author
    local = timezone.localtime(article.publish_at)
    month = get(client, f"/archive/{local:%Y}/{local:%m}/")["xkey"].split()
    assert f"archive-{local:%Y-%m}" in month
    year = get(client, f"/archive/{local:%Y}/")["xkey"].split()
    assert {f"archive-{local:%Y}", "archives"} <= set(year)
    assert "feeds" in get(client, "/feeds/atom/")["xkey"].split()
    assert "sitemaps" in get(client, "/sitemap.xml")["xkey"].split()
    assert "search" in get(client, "/search/?q=국회")["xkey"].split()


def test_front_page_carries_the_keys_of_its_sections(client, page_cache):
    """The sections are rendered once per copy of the site lists; the page
    still names their categories, so a section's rename purges it."""
    section = Category.objects.create(name="경제", is_section=True)
    story = make_article(title="수출 6개월 연속 증가", categories=["경제"])
    make_article(title="톱 기사")

    for _ in range(2):  # rendered, then kept
        cache.clear()
        keys = set(get(client, "/")["xkey"].split())
        assert {f"category-{section.pk}", f"article-{story.pk}"} <= keys


def test_cache_control_is_short_for_browsers_and_long_for_shared_caches(
    client, page_cache, settings
):
    make_article()
    answer = get(client, "/")
    assert answer["Cache-Control"] == "public, max-age=0, s-maxage=600"
    settings.NEWSROOM_BROWSER_MAX_AGE = 3600  # asked for too much: a minute at most
    cache.clear()
    assert get(client, "/")["Cache-Control"] == "public, max-age=60, s-maxage=600"


def test_etag_and_last_modified_answer_304_on_hit_and_on_miss(client, page_cache):
    make_article()
    first = get(client, "/")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    hit = get(client, "/", If_None_Match=etag)
    assert hit.status_code == 304 and hit.content == b""
    assert hit["X-Page-Cache"] == "HIT" and "s-maxage" in hit["Cache-Control"]
    assert get(client, "/", If_Modified_Since=modified).status_code == 304
    assert get(client, "/", If_None_Match='"other"').status_code == 200
    cache.clear()
    miss = get(client, "/", If_None_Match=etag)
    assert miss["X-Page-Cache"] == "MISS" and miss.status_code == 304


def test_invalidating_a_key_makes_the_next_request_render_again(client, page_cache):
    from articles import invalidation

    article = make_article(title="첫 제목")
    get(client, article.get_absolute_url())
    assert get(client, article.get_absolute_url())["X-Page-Cache"] == "HIT"
    Article.objects.filter(pk=article.pk).update(title="고친 제목")
    # Still the cached page: the hit is real.
    assert "첫 제목" in get(client, article.get_absolute_url()).content.decode()
    invalidation.invalidate({f"article-{article.pk}"})
    fresh = get(client, article.get_absolute_url())
    assert fresh["X-Page-Cache"] == "MISS" and "고친 제목" in fresh.content.decode()


def test_an_unrelated_key_leaves_the_page_cached(client, page_cache):
    from articles import invalidation

    article = make_article()
    get(client, article.get_absolute_url())
    invalidation.invalidate({"category-999999", "author-999999"})
    assert get(client, article.get_absolute_url())["X-Page-Cache"] == "HIT"


def test_hit_carries_the_security_headers_of_a_rendered_page(client, page_cache):
    make_article(title="보안 머리글 기사")
    miss = get(client, "/")
    hit = get(client, "/")
    assert hit["X-Page-Cache"] == "HIT"
    for name in (
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Content-Security-Policy",
    ):
        assert hit[name] == miss[name], name
    assert "frame-ancestors 'none'" in hit["Content-Security-Policy"]
    assert "Set-Cookie" not in hit and "Vary" not in hit


def test_page_checked_after_an_unrelated_change_is_still_purged_by_its_own(
    client, page_cache
):
    """A hit after another key's invalidation checks the page's keys once and
    remembers it was fresh; that memory must not outlive the page's own purge."""
    from articles import invalidation

    article = make_article(title="처음 제목")
    url = article.get_absolute_url()
    get(client, url)
    assert get(client, url)["X-Page-Cache"] == "HIT"
    invalidation.invalidate({"category-999999"})
    for _ in range(2):
        assert get(client, url)["X-Page-Cache"] == "HIT"
    Article.objects.filter(pk=article.pk).update(title="바뀐 제목")
    invalidation.invalidate({f"article-{article.pk}"})
    fresh = get(client, url)
    assert fresh["X-Page-Cache"] == "MISS" and "바뀐 제목" in fresh.content.decode()


def test_a_lost_epoch_falls_back_to_the_tokens(client, page_cache):
    """The cache may evict the epoch (a full Redis): hits then check every
    token, and the next invalidation still purges."""
    from articles import invalidation

    article = make_article(title="에포크 기사")
    url = article.get_absolute_url()
    get(client, url)
    cache.delete(pagecache.EPOCH_KEY)
    assert get(client, url)["X-Page-Cache"] == "HIT"
    Article.objects.filter(pk=article.pk).update(title="에포크 뒤 기사")
    invalidation.invalidate({f"article-{article.pk}"})
    fresh = get(client, url)
    assert (
        fresh["X-Page-Cache"] == "MISS" and "에포크 뒤 기사" in fresh.content.decode()
    )


def test_page_invalidated_while_it_rendered_is_not_stored(client, page_cache):
    """A render that read the database before a commit must not outlive its purge."""
    article = make_article()
    key = f"article-{article.pk}"
    # A purge stamped in the future of the request's start stands for one that
    # landed while the view was rendering.
    cache.set(pagecache.token_key(key), pagecache.now_token() + 60_000_000, None)
    assert get(client, article.get_absolute_url())["X-Page-Cache"] == "MISS"
    assert get(client, article.get_absolute_url())["X-Page-Cache"] == "MISS"


# The clamp: scheduled changes are never late -------------------------------------


def test_next_scheduled_change_is_the_nearest_publish_or_expiry_ahead():
    make_article(publish_at=SEOUL_NINE - timedelta(days=1))
    make_article(publish_at=SEOUL_NINE + timedelta(hours=2))
    make_article(
        publish_at=SEOUL_NINE - timedelta(days=1),
        expire_at=SEOUL_NINE + timedelta(hours=1),
    )
    make_article(status=Article.Status.DRAFT, publish_at=SEOUL_NINE + timedelta(1))
    changes = Article.objects.next_scheduled_change
    assert changes(SEOUL_NINE) == SEOUL_NINE + timedelta(hours=1)
    assert changes(SEOUL_NINE + timedelta(hours=1)) == SEOUL_NINE + timedelta(hours=2)
    assert changes(SEOUL_NINE + timedelta(hours=2)) is None


def test_draft_scheduled_time_does_not_shorten_lifetimes(page_cache):
    make_article(status=Article.Status.DRAFT, publish_at=SEOUL_NINE)
    with time_machine.travel(SEOUL_NINE - timedelta(seconds=30), tick=False):
        assert pagecache.lifetime() == 600


def test_lifetime_and_s_maxage_end_at_the_next_scheduled_publication(
    client, page_cache
):
    scheduled = make_article(title="아홉 시 기사", publish_at=SEOUL_NINE)
    with time_machine.travel(SEOUL_NINE - timedelta(hours=2), tick=False):
        assert pagecache.lifetime() == 600
    cache.clear()
    with time_machine.travel(SEOUL_NINE - timedelta(seconds=90), tick=False):
        answer = get(client, "/feeds/rss/")
        assert answer["Cache-Control"] == "public, max-age=0, s-maxage=90"
        assert scheduled.title not in answer.content.decode()
    with time_machine.travel(SEOUL_NINE - timedelta(seconds=1), tick=False):
        assert pagecache.lifetime() == 1
    with time_machine.travel(SEOUL_NINE, tick=False):
        # The cached schedule is spent: the next change is looked up again.
        assert pagecache.next_scheduled_change() is None
        assert pagecache.lifetime() == 600
        assert scheduled.title in get(client, "/feeds/rss/").content.decode()


def test_lifetime_ends_at_the_next_expiry(page_cache):
    make_article(
        publish_at=SEOUL_NINE - timedelta(days=1),
        expire_at=SEOUL_NINE + timedelta(minutes=3),
    )
    with time_machine.travel(SEOUL_NINE, tick=False):
        assert pagecache.lifetime() == 180
        assert pagecache.cache_control(pagecache.lifetime()) == (
            "public, max-age=0, s-maxage=180"
        )


def test_a_page_due_to_change_this_second_is_not_stored(client, page_cache):
    make_article(publish_at=SEOUL_NINE)
    with time_machine.travel(SEOUL_NINE - timedelta(milliseconds=400), tick=False):
        first = get(client, "/")
        assert first["Cache-Control"] == "public, max-age=0, s-maxage=0"
        assert get(client, "/")["X-Page-Cache"] == "MISS"


def test_scheduled_article_appears_on_a_cached_front_page_at_its_time(
    client, page_cache
):
    """Real time: the schedule lies a few seconds ahead; nothing purges at 09:00."""
    make_article(title="먼저 나온 기사")
    due = timezone.now() + timedelta(seconds=3)
    make_article(title="곧 나올 예약 기사", publish_at=due)
    first = get(client, "/")
    assert "곧 나올 예약 기사" not in first.content.decode()
    seconds = int(first["Cache-Control"].rsplit("s-maxage=", 1)[1])
    assert 1 <= seconds <= 3
    hit = get(client, "/")
    assert hit["X-Page-Cache"] == "HIT"
    assert "곧 나올 예약 기사" not in hit.content.decode()
    time.sleep(max(0, (due - timezone.now()).total_seconds()) + 0.2)
    after = get(client, "/")
    assert "곧 나올 예약 기사" in after.content.decode()


@pytest.fixture
def redis_page_cache(settings, page_cache):
    """The page cache in a real Redis, as in production (its own key prefix)."""
    from django.core.cache import caches

    from .services import REDIS_URL, redis_is_up, require

    require(redis_is_up(), f"Redis at {REDIS_URL}")
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pagecache-worker-copy-test",
        }
    }
    caches.close_all()
    cache.clear()
    yield
    cache.clear()
    caches.close_all()


def front_entry_key():
    from django.test import RequestFactory

    return pagecache.entry_key(RequestFactory().get("/"))


def test_a_worker_serves_its_own_copy_of_a_hot_page_and_still_hears_changes(
    client, redis_page_cache, editor, django_capture_on_commit_callbacks
):
    article = make_article(title="속보 첫 기사")
    assert get(client, "/")["X-Page-Cache"] == "MISS"
    assert get(client, "/")["X-Page-Cache"] == "HIT"

    # Redis loses the page but keeps its id: the worker's copy still answers,
    # so a hit did not fetch the page itself.
    cache.delete(front_entry_key())
    answer = get(client, "/")
    assert answer["X-Page-Cache"] == "HIT"
    assert "속보 첫 기사" in answer.content.decode()

    # A change still makes the next request a miss that shows it.
    article.title = "속보 고친 기사"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.save_article(article, by=editor, expected_version=article.version)
    answer = get(client, "/")
    assert answer["X-Page-Cache"] == "MISS"
    assert "속보 고친 기사" in answer.content.decode()


def test_another_workers_new_rendering_replaces_the_copy(client, redis_page_cache):
    make_article(title="속보 첫 기사")
    get(client, "/")
    assert get(client, "/")["X-Page-Cache"] == "HIT"

    # As another worker storing a new rendering: a new entry under a new id.
    key = front_entry_key()
    entry = dict(cache.get(key))
    entry["content"] = entry["content"].replace(
        "속보 첫 기사".encode(), "다른 프로세스가 만든 기사".encode()
    )
    entry["id"] += 1
    cache.set_many({key: entry, pagecache.id_key(key): entry["id"]}, 600)

    answer = get(client, "/")
    assert answer["X-Page-Cache"] == "HIT"
    assert "다른 프로세스가 만든 기사" in answer.content.decode()


def test_hits_go_on_after_redis_drops_the_connection(client, redis_page_cache):
    """A hit reads on a connection the worker keeps (newsroom/redis_cache.py):
    when Redis closes it (a restart, a timeout), the next hit reconnects."""
    import redis

    from .services import REDIS_URL

    make_article(title="속보 첫 기사")
    get(client, "/")
    assert get(client, "/")["X-Page-Cache"] == "HIT"
    admin = redis.Redis.from_url(REDIS_URL)
    db = admin.connection_pool.connection_kwargs.get("db", 0)
    kept = [
        c for c in admin.client_list() if c["cmd"] == "mget" and str(c["db"]) == str(db)
    ]
    assert kept
    for connection in kept:
        admin.client_kill_filter(_id=connection["id"])

    answer = get(client, "/")
    assert answer["X-Page-Cache"] == "HIT"
    assert "속보 첫 기사" in answer.content.decode()
