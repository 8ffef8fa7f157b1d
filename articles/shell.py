"""The page shell: the head links, header and footer around every public page.

Rendering them through the template engine was about 0.7 ms of every request,
more than the article page's queries, for markup that changes only with the
navigation, the settings and the year. So each is rendered once per process and
kept in memory (articles/memo.py) under a key made of exactly what it shows:
the navigation's categories (id, name, slug), the current section, the site's
name, the script prefix, the year. A renamed category or a new section makes
a new key, so a kept copy is never stale; the navigation itself comes from the
site lists (sitecache), which are invalidated on every change that can alter
them.

Not kept: a header whose search box shows the reader's query (the results page
renders that one per request), and a header drawn when the database does not
answer. Settings changes (tests) forget everything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.db import DatabaseError
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from . import memo, sitecache


def _cached(key: tuple, render: Callable[[], str]) -> SafeString:
    # Built by autoescaping templates from settings and category names.
    return memo.kept(("shell", *key), lambda: mark_safe(render()))


def navigation(categories, current_pk=None) -> SafeString:
    """The header's category links; the current section says so to screen
    readers (aria-current). Every value is escaped by format_html_join."""
    return format_html_join(
        "",
        '<li><a href="{}"{}>{}</a></li>',
        (
            (
                category.get_absolute_url(),
                mark_safe(' aria-current="page"') if category.pk == current_pk else "",
                category.name,
            )
            for category in categories
        ),
    )


def head_links() -> SafeString:
    """Feed links, icon, stylesheet and script (static URLs are hashed)."""
    return _cached(
        ("head", get_script_prefix(), settings.NEWSROOM_SITE_NAME),
        lambda: render_to_string("articles/includes/site_head.html"),
    )


def header(
    current=None,
    *,
    search_text: str = "",
    with_navigation: bool = True,
    best_effort: bool = False,
) -> SafeString:
    """The site header, `current` (a category) marked in the navigation.

    Without navigation (the 500 and 503 pages, drawn when the database may be
    down) nothing is read; with `best_effort` (the 404 page) a database that
    does not answer leaves the navigation empty instead of failing the page.
    """
    categories = ()
    if with_navigation:
        try:
            categories = sitecache.site_lists().navigation
        except DatabaseError:
            if not best_effort:
                raise
            return _render_header("", search_text)
    current_pk = getattr(current, "pk", None)

    def render():
        return _render_header(navigation(categories, current_pk), search_text)

    if search_text:
        return mark_safe(render())
    key = (
        "header",
        get_script_prefix(),
        settings.NEWSROOM_SITE_NAME,
        current_pk,
        tuple((c.pk, c.name, c.slug) for c in categories),
    )
    return _cached(key, render)


def _render_header(navigation_html: str, search_text: str) -> str:
    return render_to_string(
        "articles/includes/site_header.html",
        {
            "site_name": settings.NEWSROOM_SITE_NAME,
            "navigation": navigation_html,
            "search_query": {"text": search_text},
        },
    )


# The local year and the UTC moments it starts and ends at: converting every
# request's clock to the site's time zone was 2 % of an article page.
_year: tuple[object, datetime, datetime, int] | None = None


def local_year() -> int:
    """The year in the current time zone now."""
    global _year
    now, zone = timezone.now(), timezone.get_current_timezone()
    if _year is None or _year[0] is not zone or not _year[1] <= now < _year[2]:
        year = timezone.localtime(now, zone).year
        start, end = (datetime(y, 1, 1, tzinfo=zone) for y in (year, year + 1))
        _year = (zone, start.astimezone(UTC), end.astimezone(UTC), year)
    return _year[3]


def footer() -> SafeString:
    year = local_year()
    name = settings.NEWSROOM_SITE_NAME
    return _cached(
        ("footer", get_script_prefix(), name, year),
        lambda: render_to_string(
            "articles/includes/site_footer.html", {"site_name": name, "year": year}
        ),
    )
