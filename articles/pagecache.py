"""The full-page cache for anonymous readers, and the headers shared caches obey.

`PageCacheMiddleware` sits just inside WhiteNoise. For an anonymous GET of a
public page (the URL names in PUBLIC_PAGES; no session, CSRF or messages cookie,
no Authorization header) it answers from the page cache (Django's default
cache: Redis when REDIS_URL is set, local memory otherwise) before any other
middleware or view runs, and stores the 200 answers it had to render. Admin
pages, previews and share links are not public pages, so they never read or
write it.

Every public 200 answer carries:
- `xkey`: its surrogate keys (`article-<id>` for every article it shows,
  `category-<id>`, `author-<id>`, `front`, `feeds`, `sitemaps`, `search`,
  `archive-<yyyy>`, `archive-<yyyy>-<mm>`, `archives`, `nav`), which Varnish
  purges by (deploy/varnish/newsroom.vcl) and this cache invalidates by;
- `Cache-Control: public, max-age=<browser>, s-maxage=<lifetime>`, where the
  lifetime never reaches past the next scheduled publication or expiry of any
  article (the site lists' valid_until, articles/sitecache.py), so a page
  cached at 08:59 for an article due at 09:00 is fetched again at 09:00. The
  clamp is site-wide rather than per page: any scheduled article can enter the
  navigation, the front page and the feeds, and one cached value costs nothing
  per request. Browsers get NEWSROOM_BROWSER_MAX_AGE (0 by default, at most 60):
  a browser's cache cannot be purged, so a take-down must not wait on it;
- `ETag` and `Last-Modified`, and a 304 to a matching conditional request;
- `Age` and `X-Page-Cache: HIT` when served from this cache (`MISS` otherwise).

Invalidation by key: each key has a token in the cache (the time, in
microseconds, it was last invalidated: articles.invalidation). An entry
remembers the tokens of its keys as they were when it was stored, and is a
miss as soon as any of them differs.
An entry is not stored when one of its keys was invalidated while the page was
rendering, so a page read before a commit is never kept after its purge.

A hit costs one round trip of two keys, however many keys the page carries
(the front page has dozens): every invalidation also gives the cache a new
*epoch* (a random number) in the same atomic write as its tokens. An entry
records the epoch read together with its tokens when it was stored; while the
epoch is still that one, no key has been invalidated since and the tokens need
no check. Once it has moved, the entry's tokens are read and compared (a second
round trip), and this process remembers that the entry was still fresh at the
new epoch, so it checks each entry once per invalidation, not once per hit.
"""

import hashlib
import random
import time
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DatabaseError
from django.db.models import Model, QuerySet
from django.http import HttpResponse
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe

from .prepared import PlainRow

# URL name -> the keys every answer of it carries, besides those of its content.
PUBLIC_PAGES = {
    "articles:list": ("front",),
    "articles:detail": (),
    "articles:category": (),
    "articles:author": (),
    "articles:archive-year": ("archives",),
    "articles:archive-month": (),
    "search:results": ("search",),
    "feed-rss": ("feeds",),
    "feed-atom": ("feeds",),
    "category-feed-rss": ("feeds",),
    "category-feed-atom": ("feeds",),
    "sitemap-index": ("sitemaps",),
    "sitemap": ("sitemaps",),
    "robots": ("site",),
}
# Every page shows the navigation (categories with a live article).
EVERY_PAGE = ("nav",)
# Cookies that mean a person the site knows: they bypass the cache both ways.
PERSONAL_COOKIES = ("messages",)
# Headers never stored with a page.
UNSHARED_HEADERS = {"set-cookie", "age", "x-page-cache"}
# A request without these can only get the full answer.
CONDITIONAL_HEADERS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)
KEY_HEADER = "xkey"
# v2: entries carry their epoch and an id (see lookup()).
ENTRY_PREFIX = "page:v2:"
TOKEN_PREFIX = "pagekey:"


EPOCH_KEY = "pagekey-epoch"

# Per process: entry key -> (entry id, epoch) at which its tokens were found
# unchanged, so the next hits at that epoch skip the check.
_fresh_at: dict[str, tuple[int, int]] = {}
FRESH_AT_LIMIT = 20_000


def id_key(key: str) -> str:
    """Where an entry's id is stored beside it (an int: read unpickled)."""
    return f"{key}:id"


class WorkerCopies:
    """This process's copies of the pages it served most recently, up to
    NEWSROOM_PAGE_CACHE_WORKER_MB (128 by default; 0 turns them off).

    With Redis every hit fetched the whole page, 15-50 KB, into every worker
    for every request. A worker now keeps the entries it read or stored, and
    a hit on one it holds asks Redis only for the entry's id and the epoch:
    the same id is the same rendering, so freshness is decided exactly as
    before (the epoch and, past it, the entry's tokens). Another worker's new
    rendering has a new id and is fetched. Not with the local-memory cache,
    which is this process's memory already.
    """

    def __init__(self):
        self.entries: dict[str, dict] = {}
        self.size = 0

    def limit(self) -> int:
        backend = settings.CACHES["default"]["BACKEND"]
        if backend.endswith("LocMemCache"):
            return 0
        return settings.NEWSROOM_PAGE_CACHE_WORKER_MB << 20

    def get(self, key: str) -> dict | None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.entries[key] = entry  # now the most recent
        return entry

    def keep(self, key: str, entry: dict) -> None:
        limit = self.limit()
        if len(entry["content"]) > limit:
            return
        if key in self.entries:
            self.size -= len(self.entries.pop(key)["content"])
        while self.entries and self.size + len(entry["content"]) > limit:
            # Dicts keep insertion order: the oldest copy goes first.
            oldest = next(iter(self.entries))
            self.size -= len(self.entries.pop(oldest)["content"])
        self.entries[key] = entry
        self.size += len(entry["content"])


_worker_copies = WorkerCopies()


def enabled() -> bool:
    return getattr(settings, "NEWSROOM_PAGE_CACHE", True)


def headers_enabled() -> bool:
    return getattr(settings, "NEWSROOM_CACHE_HEADERS", True)


def max_lifetime() -> int:
    return int(getattr(settings, "NEWSROOM_PAGE_CACHE_SECONDS", 600))


def browser_max_age() -> int:
    return max(0, min(60, int(getattr(settings, "NEWSROOM_BROWSER_MAX_AGE", 0))))


def token_key(key: str) -> str:
    return f"{TOKEN_PREFIX}{key}"


def token_timeout() -> int:
    """How long a key's token is kept: beyond the life of any entry that read it.

    A token that has gone makes every entry holding it a miss, so a finite
    timeout is safe and keeps a shared Redis from filling with old keys.
    """
    return 2 * max_lifetime() + 60


def next_scheduled_change(now: datetime | None = None) -> datetime | None:
    """The next publish or expiry time of any article.

    The site lists carry it (valid_until), read with them and invalidated with
    them on every article change; a page has usually read them already this
    request, so the clamp costs no cache read of its own.
    """
    from .sitecache import site_lists

    return site_lists(now or timezone.now()).valid_until


def lifetime(now: datetime | None = None) -> int:
    """Seconds a public page may be kept by shared caches from `now`: at most
    NEWSROOM_PAGE_CACHE_SECONDS, never past the next scheduled change."""
    now = now or timezone.now()
    seconds = max_lifetime()
    upcoming = next_scheduled_change(now)
    if upcoming is not None:
        seconds = min(seconds, int((upcoming - now).total_seconds()))
    return max(0, seconds)


def cache_control(seconds: int) -> str:
    browser = min(browser_max_age(), seconds)
    return f"public, max-age={browser}, s-maxage={seconds}"


def content_keys(context) -> set[str]:
    """Surrogate keys for the articles, categories and authors a page shows.

    Walks the template context after rendering, so every queryset the template
    used is already evaluated; one it never evaluated is skipped, never run.
    Objects in the context and in its lists count (model instances and the
    plain rows of prepared queries), not their relations: an
    article page carries its own key and its related articles', not its
    categories', or every publication in a category would purge every article
    page in it.
    """
    from .models import Article, Author, Category

    prefixes = {Article: "article", Category: "category", Author: "author"}
    keys: set[str] = set()
    seen: set[int] = set()

    def walk(value, depth):
        if depth > 4 or id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, (Model, PlainRow)):
            model = value._model if isinstance(value, PlainRow) else type(value)
            prefix = prefixes.get(model)
            if prefix and value.pk is not None:
                keys.add(f"{prefix}-{value.pk}")
            return
        if isinstance(value, QuerySet):
            if value._result_cache is None:
                return
            value = value._result_cache
        if isinstance(value, dict):
            value = value.values()
        elif hasattr(value, "object_list") and not isinstance(value, (list, tuple)):
            value = [value.object_list]  # a Page
        elif hasattr(value, "__dataclass_fields__"):
            value = [getattr(value, name) for name in value.__dataclass_fields__]
        if isinstance(value, (list, tuple, set, frozenset, type({}.values()))):
            for item in value:
                # Numbers and strings hold no objects (a search page's
                # paginator holds a thousand result ids): not even a call.
                if not isinstance(item, (int, str)):
                    walk(item, depth + 1)

    for name, value in context.items():
        if name in {"request", "view", "user", "perms", "csrf_token"}:
            continue
        walk(value, 0)
    return keys


def shown(request, *objects) -> None:
    """Collect the content keys of a page that is not a template response
    (process_template_response walks those's context): `objects` are what it
    shows, model instances, plain rows or lists and dataclasses of them."""
    if hasattr(request, "_page_keys"):
        request._page_keys |= content_keys({"shown": objects})


def url_keys(name: str, kwargs: dict) -> set[str]:
    keys = set(PUBLIC_PAGES.get(name, ())) | set(EVERY_PAGE)
    if name == "articles:archive-year":
        keys.add(f"archive-{kwargs['year']:04d}")
    elif name == "articles:archive-month":
        keys.add(f"archive-{kwargs['year']:04d}-{kwargs['month']:02d}")
    return keys


def personal_cookies() -> tuple[str, ...]:
    """Cookies of a person the site knows: session, CSRF and messages."""
    names = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
    return (*names, *PERSONAL_COOKIES)


def is_anonymous(request) -> bool:
    cookies = request.COOKIES
    if any(name in cookies for name in personal_cookies()):
        return False
    return "HTTP_AUTHORIZATION" not in request.META


def public_page(request) -> tuple[str, dict] | None:
    """(URL name, kwargs) when `request` asks for a public page, else None."""
    found = _public_page(request.path_info, get_urlconf())
    return (found[0], dict(found[1])) if found else None


@lru_cache(maxsize=4096)
def _public_page(path: str, urlconf) -> tuple[str, tuple] | None:
    # Remembered per path: the handler resolves the address again, and this
    # second resolution of every request was about 3 % of an article page.
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    if match.view_name not in PUBLIC_PAGES:
        return None
    return match.view_name, tuple(match.kwargs.items())


def _forget_pages(**kwargs) -> None:
    _public_page.cache_clear()
    _entry_keys.clear()  # ALLOWED_HOSTS may have changed


setting_changed.connect(_forget_pages, dispatch_uid="pagecache")


def entry_key(request) -> str:
    """The entry of the validated host and the full path. Remembered per raw
    host and address: validating the host and hashing were an eighth of a
    hit. A host get_host() refuses raises every time (nothing is kept)."""
    meta = request.META
    raw = (
        meta.get("HTTP_X_FORWARDED_HOST"),
        meta.get("HTTP_HOST"),
        meta.get("SERVER_NAME"),
        meta.get("SERVER_PORT"),
        request.path,
        meta.get("QUERY_STRING", ""),
    )
    key = _entry_keys.get(raw)
    if key is None:
        address = f"{request.get_host()}{request.get_full_path()}"
        key = ENTRY_PREFIX + hashlib.sha256(address.encode()).hexdigest()
        if len(_entry_keys) >= ENTRY_KEYS_LIMIT:
            _entry_keys.clear()
        _entry_keys[raw] = key
    return key


_entry_keys: dict[tuple, str] = {}
ENTRY_KEYS_LIMIT = 20_000


def now_token() -> int:
    """A token: the time in microseconds. An int, which Django's Redis cache
    stores and reads without pickling (a hit reads dozens of them)."""
    return time.time_ns() // 1000


def new_epoch() -> int:
    """A value the epoch has never had (62 random bits: stored unpickled)."""
    return random.getrandbits(62)


def moved_tokens(keys) -> dict[str, int]:
    """What an invalidation of `keys` writes, in one set_many (atomic on Redis):
    their new tokens and a new epoch."""
    now = now_token()
    return {**{token_key(key): now for key in keys}, EPOCH_KEY: new_epoch()}


def tokens(keys) -> tuple[dict[str, int], int | None]:
    """The current invalidation token of each key and the epoch, read together.

    A key never invalidated gets a token now (0: older than every page), and a
    missing epoch a new value; then everything is read again in one get_many,
    so the epoch returned is never newer than the tokens beside it.
    """
    names = [token_key(key) for key in keys]
    found = cache.get_many([*names, EPOCH_KEY])
    missing = [name for name in (*names, EPOCH_KEY) if name not in found]
    if missing:
        # add(), not set(): an invalidation racing this must win.
        for name in missing:
            value = new_epoch() if name == EPOCH_KEY else 0
            cache.add(name, value, timeout=token_timeout())
        found = cache.get_many([*names, EPOCH_KEY])
    current = {name[len(TOKEN_PREFIX) :]: found.get(name, 0) for name in names}
    return current, found.get(EPOCH_KEY)


def read_ints(keys: list[str]) -> list[int | None]:
    """The cached ints at `keys` (None where missing): on Redis in one MGET
    of the cheapest kind (newsroom/redis_cache.py), elsewhere get_many()."""
    read = getattr(cache, "get_ints", None)
    if read is not None:
        return read(keys)
    found = cache.get_many(keys)
    return [found.get(key) for key in keys]


def etag_of(content: bytes) -> str:
    # SHA-1, not MD5: x86-64 and ARM CPUs hash it in hardware, 2.5x faster
    # over a page (10 against 26 us for 18 KB here). A validator, not a secret.
    return f'"{hashlib.sha1(content, usedforsecurity=False).hexdigest()}"'


FRONT_MARK = "newsroom.page_cache_hit"


def age_of(entry: dict) -> str:
    return str(max(0, int(time.time() - entry["stored_at"])))


def fresh_entry(key: str) -> dict | None:
    """The entry stored at `key` if it is still fresh, else None."""
    kept = _worker_copies.get(key)
    if kept is not None:
        # The entry's id and the epoch, a few bytes, instead of the page.
        stored_id, epoch = read_ints([id_key(key), EPOCH_KEY])
        entry = kept if stored_id == kept["id"] else None
    if kept is None or entry is None:
        found = cache.get_many([key, EPOCH_KEY])
        entry, epoch = found.get(key), found.get(EPOCH_KEY)
        if entry is not None:
            _worker_copies.keep(key, entry)
    if entry is None or time.time() >= entry["expires_at"]:
        return None
    if epoch is None or not (
        entry["epoch"] == epoch or _fresh_at.get(key) == (entry["id"], epoch)
    ):
        # Read after the epoch. An invalidation writes its tokens, then
        # (atomically on Redis) the epoch: one whose tokens this read
        # misses moves the epoch past `epoch`, and the next hit checks again.
        names = {name: token_key(name) for name in entry["tokens"]}
        current = cache.get_many(names.values())
        for name, token in entry["tokens"].items():
            if current.get(names[name]) != token:
                return None
        if epoch is not None:
            if len(_fresh_at) >= FRESH_AT_LIMIT:
                _fresh_at.clear()
            _fresh_at[key] = (entry["id"], epoch)
    return entry


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        page = None
        if request.method == "GET" and is_anonymous(request):
            # Resolved first: a page that is never cached (/healthz, the
            # admin) must not depend on the cache answering.
            page = public_page(request)
        if page is None:
            # Editors' requests: what their changes invalidate is acted on once.
            from .invalidation import collecting

            with collecting():
                return self.get_response(request)
        if not (enabled() or headers_enabled()):
            return self.get_response(request)

        key = entry_key(request) if enabled() else None
        if key is not None:
            hit = self.lookup(request, key)
            if hit is not None:
                return hit

        started = now_token()
        request._page_keys = set()
        response = self.get_response(request)
        if response.status_code != 200 or response.streaming:
            return response
        said = response.get("Cache-Control", "")
        if response.has_header("Set-Cookie") or "private" in said or "no-store" in said:
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        keys = url_keys(*page) | request._page_keys
        now = timezone.now()
        try:
            seconds = lifetime(now)
        except DatabaseError:
            # A page that needed no database (robots.txt) is still served while
            # the database is down, but not kept: its lifetime is unknown.
            seconds = 0
        response[KEY_HEADER] = " ".join(sorted(keys))
        response["Cache-Control"] = cache_control(seconds)
        if not response.has_header("ETag"):
            response["ETag"] = etag_of(response.content)
        if not response.has_header("Last-Modified"):
            response["Last-Modified"] = http_date(now.timestamp())
        if key is not None:
            response["X-Page-Cache"] = "MISS"
            if seconds > 0:
                self.store(key, response, keys, started, seconds)
        return self.conditional(request, response)

    def process_template_response(self, request, response):
        """Collect the content keys once the template has rendered."""
        if hasattr(request, "_page_keys"):

            def collect(rendered):
                request._page_keys |= content_keys(rendered.context_data or {})

            response.add_post_render_callback(collect)
        return response

    def store(self, key, response, keys, started, seconds):
        current, epoch = tokens(keys)
        if any(token > started for token in current.values()):
            return  # invalidated while rendering: the page may show old content
        headers = {
            name: value
            for name, value in response.items()
            if name.lower() not in UNSHARED_HEADERS
        }
        entry = {
            "content": response.content,
            "headers": headers,
            "tokens": current,
            "epoch": epoch,
            "id": random.getrandbits(62),
            "stored_at": time.time(),
            # Checked on every hit as well: the cache's own expiry may run on
            # another clock (Redis'), and a scheduled change must never wait.
            "expires_at": time.time() + seconds,
        }
        cache.set_many({key: entry, id_key(key): entry["id"]}, timeout=seconds)
        _worker_copies.keep(key, entry)

    def lookup(self, request, key):
        entry = fresh_entry(key)
        if entry is None:
            return None
        response = HttpResponse(entry["content"], headers=entry["headers"])
        response["Age"] = age_of(entry)
        response["X-Page-Cache"] = "HIT"
        # For the WSGI front (articles/pagefront.py): this address is a public
        # page answered from `key`, after the checks above, with these headers.
        request.META[FRONT_MARK] = (key, frozenset(map(str.lower, entry["headers"])))
        return self.conditional(request, response)

    def conditional(self, request, response):
        if not any(name in request.META for name in CONDITIONAL_HEADERS):
            return response
        answer = get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
            response=response,
        )
        if answer is not response:
            # A 304 keeps the headers caches need to refresh what they hold.
            for name in (KEY_HEADER, "Cache-Control", "Age", "X-Page-Cache"):
                if response.has_header(name):
                    answer[name] = response[name]
        return answer
