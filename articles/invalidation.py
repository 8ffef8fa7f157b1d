"""From a workflow change to the pages it touched: surrogate keys, the page
cache's tokens and one PURGE per Varnish server.

`article_changed` (articles.workflow) carries what an action touched before and
after (status and visibility, categories, authors, publish and expiry dates).
keys_for_change() turns that into the keys of every page that showed or will
show the article: its own page (and every page listing it, which carries its
`article-<id>` too), the front page, its categories' pages (every page of
them), its authors' pages, the archives of its dates before and after, feeds,
sitemaps and search results. A category the change removed is in `before`, so
its pages drop the article as well.

Keys are collected, then acted on once: inside a request (the page cache
middleware opens a collection) once when the request ends; inside
`workflow.batch()` once when the batch is finished; anywhere else once per
signal, which the workflow sends after the transaction commits. Acting means:
every key's token in the page cache is moved (articles.pagecache), the cached
next scheduled change is forgotten, and one PURGE with an `xkey-purge` header
listing the union of the keys goes to every server in
NEWSROOM_VARNISH_PURGE_URLS (none: no purge). A purge that fails is logged and
never fails the editor's save; the page lifetime (NEWSROOM_PAGE_CACHE_SECONDS)
bounds how long such a page can stay.

Not purged: another article's "related articles" box gaining this article (it
is purged when it already showed it, by `article-<id>`), which catches up
within the page lifetime.
"""

import contextvars
import http.client
import logging
from collections.abc import Iterable
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from . import pagecache

logger = logging.getLogger(__name__)

EVERY_CHANGE = ("front", "feeds", "sitemaps", "search")

_pending: contextvars.ContextVar[set | None] = contextvars.ContextVar(
    "invalidation_pending", default=None
)


def _dates(snapshot) -> set[str]:
    if snapshot.publish_at is None:
        return set()
    local = timezone.localtime(snapshot.publish_at)
    return {f"archive-{local.year:04d}", f"archive-{local:%Y-%m}"}


def _public(snapshot) -> bool:
    """Whether readers could see the article, now or at a scheduled time."""
    from .models import Article

    return snapshot is not None and (
        snapshot.is_live or snapshot.status == Article.Status.PUBLISHED
    )


def keys_for_change(article, before, after) -> set[str]:
    """The surrogate keys of the pages a change of `article` touched.

    `before` and `after` are the workflow's Touched snapshots (None for a new or
    deleted article). A change that neither side made public (a draft saved,
    sent for review) touches no public page and returns no keys.
    """
    return keys_for_changes([(article, before, after)])


def keys_for_changes(changes) -> set[str]:
    """The keys of every (article, before, after) change, with one category query
    for all of them: a batch of 5,000 imports asks once, not 5,000 times (each
    count reads every live article of the category)."""
    from .models import Article, Category

    keys: set[str] = set()
    names: set[str] = set()
    for article, before, after in changes:
        if not (_public(before) or _public(after)):
            continue
        snapshots = [s for s in (before, after) if s is not None]
        keys |= {f"article-{article.pk}", *EVERY_CHANGE}
        names |= set().union(*(s.categories for s in snapshots))
        authors = set().union(*(s.authors for s in snapshots))
        keys |= {f"author-{pk}" for pk in authors}
        for snapshot in snapshots:
            keys |= _dates(snapshot)
        if before is None or after is None or before.is_live != after.is_live:
            keys.add("archives")  # the list of years may gain or lose one
        elif _dates(before) != _dates(after):
            keys.add("archives")
    if names:
        categories = Category.objects.filter(name__in=names).annotate(
            live=Count(
                "categorized_articles",
                filter=Q(
                    categorized_articles__content_object__in=Article.objects.live()
                ),
            )
        )
        for category in categories:
            keys.add(f"category-{category.pk}")
            if category.live <= 1:
                # It may just have entered or left the navigation on every page.
                keys.add("nav")
    return keys


def invalidate(keys: Iterable[str]) -> None:
    """Invalidate `keys` now, or when the open collection ends."""
    keys = set(keys)
    if not keys:
        return
    pending = _pending.get()
    if pending is not None:
        pending |= keys
        return
    act(keys)


@contextmanager
def collecting():
    """Gather invalidations made inside and act on their union once at the end."""
    if _pending.get() is not None:
        yield
        return
    pending: set = set()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
        if pending:
            act(pending)


def act(keys: set[str]) -> None:
    """Move the page cache's tokens for `keys` and purge them from Varnish."""
    cache.set_many(pagecache.moved_tokens(keys), timeout=pagecache.token_timeout())
    purge(keys)


def purge_urls() -> list[str]:
    value = getattr(settings, "NEWSROOM_VARNISH_PURGE_URLS", "")
    if isinstance(value, str):
        value = value.split(",")
    return [url.strip() for url in value if url.strip()]


def purge(keys: Iterable[str]) -> list[str]:
    """Send one PURGE with every key to each Varnish server; return the servers
    that failed (logged, never raised)."""
    header = " ".join(sorted(keys))
    timeout = float(getattr(settings, "NEWSROOM_VARNISH_PURGE_TIMEOUT", 2))
    failed = []
    for url in purge_urls():
        parts = urlsplit(url)
        connection_class = (
            http.client.HTTPSConnection
            if parts.scheme == "https"
            else http.client.HTTPConnection
        )
        try:
            connection = connection_class(parts.hostname, parts.port, timeout=timeout)
            try:
                connection.request(
                    "PURGE", parts.path or "/", headers={"xkey-purge": header}
                )
                response = connection.getresponse()
                response.read()
            finally:
                connection.close()
            if response.status != 200:
                raise OSError(f"answered {response.status} {response.reason}")
        except (OSError, http.client.HTTPException) as error:
            failed.append(url)
            logger.warning("Varnish purge of %s failed at %s: %s", header, url, error)
    return failed


def on_article_changed(sender, article, before, after, batch=None, **kwargs):
    # In a batch the keys are worked out once, when it is finished: every
    # signal of it is sent after the same commit, so the counts are the same.
    if batch is None:
        invalidate(keys_for_change(article, before, after))


def on_batch_finished(sender, batch, **kwargs):
    changes = [(article, before, after) for article, before, after, _ in batch.changes]
    invalidate(keys_for_changes(changes))


def connect() -> None:
    """Listen to the workflow's change signals (from ArticlesConfig.ready)."""
    from .workflow import article_changed, batch_finished

    article_changed.connect(on_article_changed, dispatch_uid="invalidation.changed")
    batch_finished.connect(on_batch_finished, dispatch_uid="invalidation.batch")
