"""Every workflow action invalidates the pages that show the article, once.

Each test first proves the page was served from the cache (X-Page-Cache HIT,
still showing the old state), then runs the action through the workflow and
checks the next request shows the change. The PURGE requests go to real HTTP
servers standing in for Varnish, which record what they were sent.
"""

import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache

from articles import invalidation, workflow
from articles.models import Article, Category
from tests.factories import make_article, make_author

pytestmark = pytest.mark.django_db
Status = Article.Status


@pytest.fixture
def page_cache(settings):
    settings.NEWSROOM_PAGE_CACHE = True
    settings.NEWSROOM_CACHE_HEADERS = True
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


class Recorder(BaseHTTPRequestHandler):
    def do_PURGE(self):
        if self.server.delay:
            time.sleep(self.server.delay)
        self.server.purges.append(set(self.headers["xkey-purge"].split()))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def varnishes(settings):
    """Two PURGE recorders listed in NEWSROOM_VARNISH_PURGE_URLS."""
    servers = []
    for _ in range(2):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        server.purges, server.delay = [], 0
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    settings.NEWSROOM_VARNISH_PURGE_URLS = [
        f"http://127.0.0.1:{server.server_port}/" for server in servers
    ]
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def cached(client, url):
    """GET `url` twice and return the second answer, which must be a hit."""
    client.get(url)
    answer = client.get(url)
    assert answer["X-Page-Cache"] == "HIT", url
    return answer.content.decode()


def fresh(client, url):
    answer = client.get(url)
    if answer.status_code == 200:
        assert answer["X-Page-Cache"] == "MISS", url
    return answer


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run a workflow action and its on-commit signal, as a committed save does."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def test_publishing_shows_the_article_on_the_next_request(
    client, page_cache, editor, act
):
    make_article(title="이미 나온 기사")
    draft = make_article(title="막 게재한 속보", status=Status.DRAFT, publish_at=None)
    assert "막 게재한 속보" not in cached(client, "/")
    assert "막 게재한 속보" not in cached(client, "/feeds/rss/")
    act(workflow.publish, draft, by=editor)
    assert "막 게재한 속보" in fresh(client, "/").content.decode()
    assert "막 게재한 속보" in fresh(client, "/feeds/rss/").content.decode()
    assert fresh(client, draft.get_absolute_url()).status_code == 200


def test_an_edit_shows_on_its_page_the_front_page_and_its_category(
    client, page_cache, editor, act
):
    politics = Category.objects.create(name="정치")
    article = make_article(title="국회 예산 심사", categories=["정치"])
    pages = ["/", article.get_absolute_url(), politics.get_absolute_url()]
    for url in pages:
        assert "국회 예산 심사" in cached(client, url)
    article = Article.objects.get(pk=article.pk)
    article.title = "국회 예산 심사 마무리"
    act(workflow.save_article, article, by=editor)
    for url in pages:
        assert "국회 예산 심사 마무리" in fresh(client, url).content.decode(), url


def test_a_correction_shows_on_the_article_page(client, page_cache, editor, act):
    article = make_article(title="시장 발언 보도")
    url = article.get_absolute_url()
    assert "정정 보도문 본문" not in cached(client, url)
    act(
        workflow.add_correction,
        article,
        by=editor,
        kind="correction",
        text="정정 보도문 본문",
    )
    assert "정정 보도문 본문" in fresh(client, url).content.decode()


def test_take_down_removes_the_article_everywhere_at_once(
    client, page_cache, superuser, act
):
    Category.objects.create(name="사회")
    reporter = make_author("박기자")
    keep = make_article(title="남는 기사", categories=["사회"], authors=[reporter])
    gone = make_article(title="삭제할 기사", categories=["사회"], authors=[reporter])
    category = Category.objects.get(name="사회").get_absolute_url()
    pages = [
        "/",
        category,
        reporter.get_absolute_url(),
        keep.get_absolute_url(),  # lists it among related articles
        "/feeds/rss/",
        "/sitemap-articles.xml",
        "/search/?q=삭제할",
    ]
    address = gone.get_absolute_url()
    for url in pages:
        page = cached(client, url)
        assert "삭제할 기사" in page or address in page, url
    assert client.get(gone.get_absolute_url()).status_code == 200
    act(workflow.take_down, gone, by=superuser, notice="법원 결정에 따른 삭제")
    assert fresh(client, gone.get_absolute_url()).status_code == 410
    for url in pages:
        page = fresh(client, url).content.decode()
        assert "삭제할 기사" not in page and address not in page, url


def test_unpublishing_drops_the_article_from_the_archives(
    client, page_cache, editor, act
):
    make_article(title="같은 달 다른 기사")
    article = make_article(title="게재 취소할 기사")
    from django.utils import timezone

    local = timezone.localtime(article.publish_at)
    month = f"/archive/{local:%Y}/{local:%m}/"
    assert "게재 취소할 기사" in cached(client, month)
    act(workflow.unpublish, article, by=editor)
    assert "게재 취소할 기사" not in fresh(client, month).content.decode()


def test_a_category_removed_from_an_article_drops_it_from_that_category(
    client, page_cache, editor, act
):
    for name in ("경제", "정치"):
        Category.objects.create(name=name)
    make_article(title="경제에 남는 기사", categories=["경제"])
    moved = make_article(title="옮겨 갈 기사", categories=["경제"])
    economy = Category.objects.get(name="경제").get_absolute_url()
    assert "옮겨 갈 기사" in cached(client, economy)
    moved = Article.objects.get(pk=moved.pk)
    act(
        workflow.SaveArticle(editor).run,
        moved,
        expected_version=moved.version,
        categories=["정치"],
    )
    assert "옮겨 갈 기사" not in fresh(client, economy).content.decode()
    politics = Category.objects.get(name="정치").get_absolute_url()
    assert "옮겨 갈 기사" in client.get(politics).content.decode()


def test_saving_a_draft_leaves_every_cached_page_alone(
    client, page_cache, editor, act, varnishes
):
    make_article(title="공개 기사")
    draft = make_article(title="쓰는 중인 초안", status=Status.DRAFT, publish_at=None)
    cached(client, "/")
    draft = Article.objects.get(pk=draft.pk)
    draft.title = "계속 쓰는 초안"
    act(workflow.save_article, draft, by=editor)
    assert client.get("/")["X-Page-Cache"] == "HIT"
    assert [server.purges for server in varnishes] == [[], []]


def test_each_action_sends_one_purge_per_varnish_with_every_key(
    page_cache, editor, act, varnishes
):
    Category.objects.create(name="국제")
    reporter = make_author("최기자")
    draft = make_article(
        title="국제 속보",
        status=Status.DRAFT,
        publish_at=None,
        categories=["국제"],
        authors=[reporter],
    )
    act(workflow.publish, draft, by=editor)
    draft.refresh_from_db()
    category = Category.objects.get(name="국제")
    local = draft.publish_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Seoul"))
    expected = {
        f"article-{draft.pk}",
        f"category-{category.pk}",
        f"author-{reporter.pk}",
        f"archive-{local:%Y}",
        f"archive-{local:%Y-%m}",
        "archives",
        "front",
        "feeds",
        "sitemaps",
        "search",
        "nav",
    }
    for server in varnishes:
        assert server.purges == [expected]


def test_a_batch_sends_one_purge_with_the_union_of_its_keys(
    page_cache, editor, act, varnishes
):
    first = make_article(title="일괄 게재 1", status=Status.DRAFT, publish_at=None)
    second = make_article(title="일괄 게재 2", status=Status.DRAFT, publish_at=None)

    def publish_both():
        with workflow.batch("일괄 게재"):
            workflow.publish(first, by=editor)
            workflow.publish(second, by=editor)

    act(publish_both)
    for server in varnishes:
        assert len(server.purges) == 1
        assert {f"article-{first.pk}", f"article-{second.pk}"} <= server.purges[0]


def test_changes_inside_one_collection_purge_once(page_cache, varnishes):
    with invalidation.collecting():
        invalidation.invalidate({"article-1", "front"})
        invalidation.invalidate({"article-2", "front"})
    for server in varnishes:
        assert server.purges == [{"article-1", "article-2", "front"}]


def test_an_editors_request_purges_once_however_many_changes_it_makes(
    transactional_db, client, page_cache, varnishes, superuser
):
    """Two articles unpublished by one bulk admin action: one purge per server.

    transactional_db: each action commits inside the request, as in production.
    """
    first, second = make_article(title="일괄 1"), make_article(title="일괄 2")
    client.force_login(superuser)
    response = client.post(
        "/admin/articles/article/",
        {"action": "unpublish_selected", "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code in {200, 302}
    assert set(Article.objects.values_list("status", flat=True)) == {Status.UNPUBLISHED}
    for server in varnishes:
        assert len(server.purges) == 1
        assert {f"article-{first.pk}", f"article-{second.pk}"} <= server.purges[0]


def test_a_varnish_that_is_down_never_fails_the_save(
    client, page_cache, editor, act, settings, caplog
):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    settings.NEWSROOM_VARNISH_PURGE_URLS = [f"http://127.0.0.1:{closed}/"]
    draft = make_article(title="장애 중 게재", status=Status.DRAFT, publish_at=None)
    cached(client, "/")
    with caplog.at_level(logging.WARNING, logger="articles.invalidation"):
        act(workflow.publish, draft, by=editor)
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert f"127.0.0.1:{closed}" in caplog.text and "purge" in caplog.text
    # The page cache was still invalidated.
    assert "장애 중 게재" in fresh(client, "/").content.decode()


def test_a_varnish_that_hangs_costs_at_most_the_purge_timeout(
    page_cache, varnishes, settings, caplog
):
    settings.NEWSROOM_VARNISH_PURGE_TIMEOUT = 0.3
    varnishes[0].delay = 3
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="articles.invalidation"):
        failed = invalidation.purge({"front"})
    assert time.monotonic() - started < 1.5
    assert failed == [settings.NEWSROOM_VARNISH_PURGE_URLS[0]]
    assert varnishes[1].purges == [{"front"}]


def test_no_purge_urls_means_no_purge(page_cache, settings):
    settings.NEWSROOM_VARNISH_PURGE_URLS = []
    assert invalidation.purge({"front"}) == []
