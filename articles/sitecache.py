"""Site-wide lists every public page shows, read once and cached: the
navigation, the front page's sections, the archive years and how many live
articles the site, each category and each author has (the list pages' counts,
which would otherwise be a COUNT over every live article on each page).

They change only when an article or a category changes, or when a scheduled
publication or expiry comes, so a page reads them from Django's cache (Redis
when REDIS_URL is set, else the process's memory) instead of three queries a
request:

- invalidate_site_lists() drops them. connect() hangs it on the changes that
  can alter them: a category saved or deleted (an editor renames one, marks or
  orders sections) and, for articles, `workflow.article_changed`.
- A scheduled change needs no signal: each copy carries `valid_until`, the next
  publish_at or expire_at still ahead among published articles, and is read
  again from the database once that moment has passed (checked against
  Python's clock on every read, as is a `now` before the copy was read; the
  cache's own timeout is only a backstop).
- With several processes the cache must be shared (REDIS_URL): a process's
  local memory does not hear another process's invalidation, so without Redis
  one process's copy can trail a change by up to LIFETIME.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models import Count
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

KEY = "newsroom:site-lists:4"
VERSION_KEY = f"{KEY}:version"
# The backstop lifetime of one copy; invalidation and valid_until make it fresh.
LIFETIME = timedelta(minutes=10)
NAV_CATEGORY_LIMIT = 8


@dataclass(frozen=True)
class SiteLists:
    """What every page shows around its own content.

    navigation: the categories in the site header (sections with a live
    article in the editors' order, or until there are any, categories with a
    live article by name). sections: every category editors marked as a
    front-page section, in their order (the front page leaves out those with
    no live article). archive_years: years with live articles, newest first.
    section_articles: which articles each section shows (listings), so the
    front page fetches just their stored cards.
    """

    navigation: tuple
    sections: tuple
    archive_years: tuple[int, ...]
    # Each section's newest live article ids, newest first (section pk first).
    section_articles: tuple[tuple[int, tuple[int, ...]], ...]
    # Live articles in all, per category pk and per author pk.
    live_total: int
    live_by_category: dict[int, int]
    live_by_author: dict[int, int]
    read_at: datetime
    valid_until: datetime | None
    # What pages derive from this copy (see kept), filled as they ask. A copy
    # is stored once, when read and still empty, so each process fills its own.
    derived: dict = field(default_factory=dict, compare=False, repr=False)

    def is_valid_at(self, now: datetime) -> bool:
        return self.read_at <= now and (
            self.valid_until is None or now < self.valid_until
        )


# The copy one request has read: a page asks for the lists up to four times
# (its list's length, sections, archive years, the header).
_request = threading.local()
# The copy this process read last, under the version it was stored with: a
# request asks the cache for the version only (a few bytes), and unpickles
# the lists (navigation and sections as model instances, the counts) only
# when another process stored new ones.
# One tuple, replaced whole, so a thread never sees one copy's version with
# another's lists.
_process: tuple[str | None, SiteLists | None] = (None, None)


def site_lists(now: datetime | None = None) -> SiteLists:
    """The cached lists, read from the database when missing or outdated."""
    global _process
    now = now or timezone.now()
    kept = getattr(_request, "lists", None)
    if kept is not None and kept.is_valid_at(now):
        return kept
    version = cache.get(VERSION_KEY)
    lists = None
    kept_version, kept_lists = _process
    if version is not None and version == kept_version:
        lists = kept_lists
    elif version is not None:
        stored = cache.get(KEY)
        if stored is not None and stored[0] == version:
            lists = stored[1]
    if lists is None or not lists.is_valid_at(now):
        lists, version = _read(now), secrets.token_hex(8)
        timeout = LIFETIME
        if lists.valid_until is not None:
            timeout = min(timeout, lists.valid_until - now)
        seconds = max(1, int(timeout.total_seconds()) + 1)
        cache.set_many({KEY: (version, lists), VERSION_KEY: version}, seconds)
    _process = (version, lists)
    if getattr(_request, "active", False):
        _request.lists = lists
    return lists


def kept(
    name,
    make: Callable[[datetime], object],
    now: datetime | None = None,
    *,
    most: int | None = None,
):
    """`make(now)`, computed once per copy of the site lists and kept in it.

    For site-wide data that changes exactly when the lists do (an article
    changed, a category edited, a scheduled moment passed): it is then as
    fresh as the lists and costs nothing on most pages. Each process computes
    it at most once per version, and only when a page asks. `name` tells the
    values apart (a category's arrivals are ("arrivals", pk)). With `most`,
    nothing more is kept once the copy holds that many values: per-article
    values (related articles) must not grow a worker with the site.
    """
    now = now or timezone.now()
    derived = site_lists(now).derived
    try:
        return derived[name]
    except KeyError:
        value = make(now)
        if most is None or len(derived) < most:
            derived[name] = value
        return value


def category_arrivals(category_id: int, now: datetime | None = None) -> tuple:
    """A category's newest live arrivals (listings.read_category_arrivals),
    kept with the site lists: what related articles are chosen from."""
    from .listings import read_category_arrivals

    return kept(
        ("arrivals", category_id),
        lambda now: read_category_arrivals(category_id, now),
        now,
    )


def _request_started(**kwargs) -> None:
    _request.active, _request.lists = True, None


def _request_finished(**kwargs) -> None:
    _request.active, _request.lists = False, None


def invalidate_site_lists(**kwargs) -> None:
    """Forget the cached lists now and again when the current transaction
    commits: a page read in between, by another connection, sees the old rows
    and may store them again; the second delete drops that copy."""
    forget()
    transaction.on_commit(forget)


def forget() -> None:
    """Drop the cached lists, this process's and this request's copies too."""
    global _process
    _request.lists = None
    _process = (None, None)
    cache.delete_many([VERSION_KEY, KEY])


def _read(now: datetime) -> SiteLists:
    from .models import Article, Byline, CategorizedArticle, Category
    from .querysets import live_at

    with_live_articles = Category.objects.with_live_articles(now)
    navigation = list(
        with_live_articles.filter(is_section=True).order_by("section_order", "name")[
            :NAV_CATEGORY_LIMIT
        ]
    ) or list(with_live_articles.order_by("name")[:NAV_CATEGORY_LIMIT])
    sections = list(
        Category.objects.filter(is_section=True).order_by("section_order", "name")
    )
    zone = timezone.get_current_timezone()
    years = [
        moment.year
        for moment in Article.objects.live(now).datetimes(
            "publish_at", "year", order="DESC", tzinfo=zone
        )
    ]
    from .listings import newest_in_sections

    return SiteLists(
        navigation=tuple(navigation),
        sections=tuple(sections),
        archive_years=tuple(years),
        section_articles=newest_in_sections(sections, now),
        live_total=Article.objects.live(now).count(),
        # From the copies of each article's visibility on its rows
        # (articles/denormalized.py): no join with the articles.
        live_by_category=_counts(
            CategorizedArticle.objects.filter(live_at(now, through="article_")),
            "tag_id",
        ),
        live_by_author=_counts(
            Byline.objects.filter(live_at(now, through="article_")), "author_id"
        ),
        read_at=now,
        valid_until=Article.objects.next_scheduled_change(now),
    )


def _counts(rows, column: str) -> dict[int, int]:
    return dict(
        rows.order_by()
        .values_list(column)
        .annotate(count=Count("pk"))
        .values_list(column, "count")
    )


def connect() -> None:
    """Hang invalidate_site_lists() on every change that can alter the lists.

    Articles change through workflow actions, which send `article_changed` on
    commit (loaddata batches included); deleting one is not an action, so its
    post_delete stays. Categories are edited outside the workflow: their own
    signals stay too.
    """
    from .models import Article, Category
    from .workflow import article_changed

    request_started.connect(_request_started, dispatch_uid="sitecache")
    request_finished.connect(_request_finished, dispatch_uid="sitecache")
    article_changed.connect(invalidate_site_lists, dispatch_uid="sitecache")
    post_delete.connect(invalidate_site_lists, sender=Article, dispatch_uid="sitecache")
    for signal in (post_save, post_delete):
        signal.connect(invalidate_site_lists, sender=Category, dispatch_uid="sitecache")
