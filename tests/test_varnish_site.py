"""The site behind a real Varnish: the shipped VCL in front of a live server.

deploy/varnish/varnishctl starts varnishd (as make serve does) in front of
pytest-django's live_server, the app purges it through
NEWSROOM_VARNISH_PURGE_URLS, and every change is made through the workflow and
read back through Varnish. The app's own page cache is off here, so what is
cached, and what is fresh, is Varnish's doing alone.
"""

import http.client
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles import workflow
from articles.models import Article
from tests.factories import make_article

from .services import require

ROOT = Path(__file__).resolve().parent.parent
VARNISHCTL = ROOT / "deploy" / "varnish" / "varnishctl"
Status = Article.Status


@pytest.fixture
def varnish(live_server, tmp_path, settings):
    require(
        bool(shutil.which("varnishd") or Path("/usr/sbin/varnishd").exists())
        and bool(list(Path("/usr/lib").glob("*/varnish/vmods/libvmod_xkey.so"))),
        "varnishd with the xkey vmod (apt-get install varnish varnish-modules)",
    )
    settings.NEWSROOM_PAGE_CACHE = False
    settings.NEWSROOM_CACHE_HEADERS = True
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 600
    cache.clear()
    backend = urlsplit(live_server.url).netloc
    ctl = [sys.executable, str(VARNISHCTL)]
    started = subprocess.run(
        [*ctl, "start", "--backend", backend, "--run-dir", str(tmp_path),
         "--purger", "127.0.0.1"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    port = int(started.stdout.strip())
    settings.NEWSROOM_VARNISH_PURGE_URLS = [f"http://127.0.0.1:{port}/"]
    yield port
    subprocess.run([*ctl, "stop", "--run-dir", str(tmp_path)], timeout=60)
    cache.clear()


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response, body


def hit(port, path):
    """Fetch `path` until Varnish holds it, and return the cached page."""
    get(port, path)
    response, body = get(port, path)
    assert response.getheader("X-Cache") == "HIT", path
    assert int(response.getheader("Age")) >= 0
    return body


def test_every_workflow_change_is_visible_through_varnish_on_the_next_request(
    transactional_db, varnish, superuser
):
    kept = make_article(title="바니시 앞의 기사")
    draft = make_article(title="바니시 속보", status=Status.DRAFT, publish_at=None)
    article_url = kept.get_absolute_url()

    front = hit(varnish, "/")
    assert "바니시 앞의 기사" in front and "바니시 속보" not in front
    assert "바니시 앞의 기사" in hit(varnish, article_url)

    workflow.publish(draft, by=superuser)
    response, front = get(varnish, "/")
    assert response.getheader("X-Cache") == "MISS"
    assert "바니시 속보" in front

    hit(varnish, article_url)
    edited = Article.objects.get(pk=kept.pk)
    edited.title = "바니시 앞의 기사 (수정)"
    workflow.save_article(edited, by=superuser)
    assert "바니시 앞의 기사 (수정)" in get(varnish, article_url)[1]

    hit(varnish, "/")
    workflow.take_down(edited, by=superuser, notice="법원 결정에 따른 삭제")
    response, _ = get(varnish, article_url)
    assert response.status == 410
    assert "바니시 앞의 기사" not in get(varnish, "/")[1]
    assert "바니시 앞의 기사" not in get(varnish, "/feeds/rss/")[1]


def test_an_article_scheduled_seconds_ahead_appears_through_varnish_at_its_time(
    transactional_db, varnish, superuser
):
    make_article(title="이미 나온 기사")
    hit(varnish, "/")
    scheduled = make_article(title="예약 속보", status=Status.DRAFT, publish_at=None)
    due = timezone.now() + timedelta(seconds=4)
    workflow.publish(scheduled, by=superuser, at=due)

    first, page = get(varnish, "/")
    assert "예약 속보" not in page
    seconds = int(first.getheader("Cache-Control").rsplit("s-maxage=", 1)[1])
    assert 1 <= seconds <= 4
    assert "예약 속보" not in hit(varnish, "/")
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 0.3)
    response, page = get(varnish, "/")
    assert "예약 속보" in page
    assert response.getheader("X-Cache") == "MISS"
