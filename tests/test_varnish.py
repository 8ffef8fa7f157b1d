"""The shipped VCL, run in a real varnishd started by deploy/varnish/varnishctl.

The backend is a small stub http.server that counts the requests it answers, so
a hit is proved by the backend not being asked again (and by Varnish's own
X-Cache and Age headers), never assumed from a header alone.
"""

import http.client
import shutil
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from .services import require

ROOT = Path(__file__).resolve().parent.parent
VARNISHCTL = ROOT / "deploy" / "varnish" / "varnishctl"
PAGE = "<p>서울시 예산안 발표</p>".encode()

# path -> response headers; everything else answers 404.
ROUTES = {
    "/articles/서울/": {
        "Cache-Control": "max-age=0, s-maxage=300",
        "xkey": "article-1 category-3 front",
    },
    "/categories/정치/": {
        "Cache-Control": "max-age=0, s-maxage=300",
        "Surrogate-Key": "category-7",
    },
    "/unmarked/": {},
    "/private/": {"Cache-Control": "private, max-age=300"},
    "/admin/login/": {"Cache-Control": "max-age=0, s-maxage=300"},
    "/static/css/site.0123456789ab.css": {
        "Cache-Control": "max-age=315360000, public, immutable"
    },
    "/static/robots-art.txt": {"Cache-Control": "max-age=60, public"},
}


class Backend(BaseHTTPRequestHandler):
    seen: Counter

    def do_GET(self):
        path = unquote(self.path)
        self.seen[path] += 1
        headers = ROUTES.get(path)
        self.send_response(200 if headers is not None else 404)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def backend():
    handler = type("CountingBackend", (Backend,), {"seen": Counter()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler.seen
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def varnish(backend, tmp_path_factory):
    require(
        bool(shutil.which("varnishd") or Path("/usr/sbin/varnishd").exists())
        and bool(list(Path("/usr/lib").glob("*/varnish/vmods/libvmod_xkey.so"))),
        "varnishd with the xkey vmod (apt-get install varnish varnish-modules)",
    )
    server, _ = backend
    run_dir = tmp_path_factory.mktemp("varnish")
    ctl = [sys.executable, str(VARNISHCTL)]
    started = subprocess.run(
        [*ctl, "start", "--backend", f"127.0.0.1:{server.server_port}",
         "--run-dir", str(run_dir), "--purger", "127.0.0.1"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    port = int(started.stdout.strip())
    yield port
    stopped = subprocess.run(
        [*ctl, "stop", "--run-dir", str(run_dir)], capture_output=True, timeout=60
    )
    assert stopped.returncode == 0
    status = subprocess.run([*ctl, "status", "--run-dir", str(run_dir)])
    assert status.returncode == 1, "varnishctl stop left its varnishd running"


def request(port, path, method="GET", headers=None, source="127.0.0.1"):
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    connection.request(method, quote(path), headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_second_anonymous_request_is_a_hit_the_backend_never_sees(varnish, backend):
    _, seen = backend
    first, _ = request(varnish, "/articles/서울/")
    second, body = request(varnish, "/articles/서울/")
    assert first.getheader("X-Cache") == "MISS"
    assert second.getheader("X-Cache") == "HIT"
    assert second.getheader("Age") is not None
    assert body == PAGE
    assert seen["/articles/서울/"] == 1


def test_surrogate_keys_never_reach_clients(varnish):
    response, _ = request(varnish, "/articles/서울/")
    other, _ = request(varnish, "/categories/정치/")
    for answer in (response, other):
        assert answer.getheader("xkey") is None
        assert answer.getheader("Surrogate-Key") is None


def test_session_cookie_passes_to_the_backend_every_time(varnish, backend):
    _, seen = backend
    request(varnish, "/articles/서울/")  # cached for anonymous readers
    before = seen["/articles/서울/"]
    cookie = {"Cookie": "csrftoken=abc; sessionid=editor-session"}
    first, _ = request(varnish, "/articles/서울/", headers=cookie)
    second, _ = request(varnish, "/articles/서울/", headers=cookie)
    assert first.getheader("X-Cache") == second.getheader("X-Cache") == "PASS"
    assert seen["/articles/서울/"] == before + 2


def test_analytics_cookies_do_not_defeat_the_cache(varnish, backend):
    _, seen = backend
    request(varnish, "/articles/서울/")
    before = seen["/articles/서울/"]
    response, _ = request(varnish, "/articles/서울/", headers={"Cookie": "_ga=GA1.2"})
    assert response.getheader("X-Cache") == "HIT"
    assert seen["/articles/서울/"] == before


def test_admin_is_never_cached_even_when_the_response_allows_it(varnish, backend):
    _, seen = backend
    for _ in range(2):
        response, _ = request(varnish, "/admin/login/")
        assert response.getheader("X-Cache") == "PASS"
    assert seen["/admin/login/"] == 2


@pytest.mark.parametrize("path", ["/unmarked/", "/private/"])
def test_responses_the_app_did_not_mark_shareable_are_not_cached(
    varnish, backend, path
):
    _, seen = backend
    request(varnish, path)
    response, _ = request(varnish, path)
    assert response.getheader("X-Cache") != "HIT"
    assert seen[path] == 2


def test_xkey_purge_makes_the_next_request_a_miss(varnish, backend):
    _, seen = backend
    request(varnish, "/articles/서울/")
    hit, _ = request(varnish, "/articles/서울/")
    assert hit.getheader("X-Cache") == "HIT"
    before = seen["/articles/서울/"]

    purged, body = request(
        varnish, "/", method="PURGE", headers={"xkey-purge": "sport article-1"}
    )
    assert purged.status == 200, body

    after, _ = request(varnish, "/articles/서울/")
    assert after.getheader("X-Cache") == "MISS"
    assert seen["/articles/서울/"] == before + 1


def test_purge_by_surrogate_key_header_name_used_by_other_caches(varnish, backend):
    """A backend sending Surrogate-Key (Fastly's name) is purgeable by xkey too."""
    _, seen = backend
    request(varnish, "/categories/정치/")
    before = seen["/categories/정치/"]
    request(varnish, "/", method="PURGE", headers={"xkey-purge": "category-7"})
    response, _ = request(varnish, "/categories/정치/")
    assert response.getheader("X-Cache") == "MISS"
    assert seen["/categories/정치/"] == before + 1


def test_purge_from_an_address_outside_the_acl_is_refused(varnish, backend):
    _, seen = backend
    request(varnish, "/articles/서울/")
    request(varnish, "/articles/서울/")
    before = seen["/articles/서울/"]
    # 127.0.0.2 is loopback too, but only 127.0.0.1 was rendered into the ACL.
    refused, _ = request(
        varnish,
        "/",
        method="PURGE",
        headers={"xkey-purge": "article-1"},
        source="127.0.0.2",
    )
    assert refused.status == 403
    response, _ = request(varnish, "/articles/서울/")
    assert response.getheader("X-Cache") == "HIT"
    assert seen["/articles/서울/"] == before


def test_hashed_static_files_are_kept_and_cookies_ignored(varnish, backend):
    _, seen = backend
    path = "/static/css/site.0123456789ab.css"
    request(varnish, path)
    response, _ = request(varnish, path, headers={"Cookie": "sessionid=editor"})
    assert response.getheader("X-Cache") == "HIT"
    assert seen[path] == 1


def test_unhashed_static_files_are_purged_with_the_static_key(varnish, backend):
    _, seen = backend
    path = "/static/robots-art.txt"
    request(varnish, path)
    assert request(varnish, path)[0].getheader("X-Cache") == "HIT"
    request(varnish, "/", method="PURGE", headers={"xkey-purge": "static"})
    assert request(varnish, path)[0].getheader("X-Cache") == "MISS"
    assert seen[path] == 2


def test_render_refuses_a_purger_that_is_not_an_address():
    result = subprocess.run(
        [sys.executable, str(VARNISHCTL), "render", "--backend", "127.0.0.1:8000",
         "--purger", "everyone"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1
    assert "'everyone' is not an IP address or network" in result.stderr
