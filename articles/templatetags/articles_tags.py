"""Template helpers for the public pages: Korean dates, navigation, page links,
and the metadata search engines and link previews read."""

from datetime import date, datetime

from django import template
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from django.utils.safestring import mark_safe

from .. import fragments, frames, paging, seo, shell, sitecache

register = template.Library()


def _local(value: date | datetime) -> date | datetime:
    """An aware datetime in the active time zone (Asia/Seoul unless overridden)."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def korean_date(value) -> str:
    """Format a date as Koreans write it: "2024년 6월 17일"."""
    if not isinstance(value, date):
        return ""
    value = _local(value)
    return f"{value.year}년 {value.month}월 {value.day}일"


@register.filter
def korean_datetime(value) -> str:
    """Format a datetime as "2024년 6월 17일 오후 3:05", on a 12-hour clock."""
    if not isinstance(value, datetime):
        return korean_date(value)
    value = _local(value)
    meridiem = "오전" if value.hour < 12 else "오후"
    hour = value.hour % 12 or 12
    return f"{korean_date(value)} {meridiem} {hour}:{value.minute:02d}"


@register.simple_tag
def publication_name() -> str:
    """The site name from settings, for templates rendered without a request."""
    return settings.NEWSROOM_SITE_NAME


@register.simple_tag
def page_links(page_obj) -> list:
    """Page numbers around the current one, with `Paginator.ELLIPSIS` for gaps."""
    return paging.page_numbers(page_obj)


@register.simple_tag(takes_context=True)
def pagination(context, page_obj, label="") -> str:
    """Page links for any paginated listing (articles/paging.py)."""
    if not context.get("is_paginated"):
        return ""
    return paging.links_html(context["request"], page_obj, label)


@register.simple_tag
def category_nav(current=None, best_effort=False) -> str:
    """The site navigation: the sections editors chose, in their order.

    Until an editor marks a section, categories stand in by name. Either way only
    categories with a live article are listed. Read from the site cache, so a
    page pays no query for it (see sitecache). With `best_effort` (the 404
    page), a database that does not answer leaves the navigation empty rather
    than turning a 404 into an error page.
    """
    try:
        categories = sitecache.site_lists().navigation
    except DatabaseError:
        if not best_effort:
            raise
        categories = ()
    return shell.navigation(categories, getattr(current, "pk", None))


@register.simple_tag
def site_head() -> str:
    """The head's feed links, icon, stylesheet and script (articles/shell.py)."""
    return shell.head_links()


@register.simple_tag(takes_context=True)
def site_header(context, current=None, navigation=True, best_effort=False) -> str:
    """The site header with the navigation, `current` marked; the search box
    keeps the reader's query on the results page (articles/shell.py)."""
    query = context.get("search_query")
    return shell.header(
        current,
        search_text=getattr(query, "text", "") or "",
        with_navigation=navigation,
        best_effort=best_effort,
    )


@register.simple_tag
def site_footer() -> str:
    return shell.footer()


@register.inclusion_tag("articles/includes/article_meta.html")
def article_meta(article) -> dict:
    """An article page's description, canonical link, Open Graph and Twitter card."""
    return {"meta": seo.article_metadata(article)}


@register.simple_tag(takes_context=True)
def listing_meta(context, subject=None) -> str:
    """Canonical link and basic Open Graph for the front, category, author and
    archive pages (seo.listing_meta_html)."""
    page_obj = context.get("page_obj")
    page_number = page_obj.number if page_obj else 1
    return frames.listing_meta(subject, page_number=page_number)


@register.filter
def news_article(article) -> dict:
    """schema.org NewsArticle data for `article`, for the json_ld tag."""
    return seo.news_article(article)


@register.simple_tag
def json_ld(data):
    """Structured data as <script type="application/ld+json">, with <, > and &
    escaped so that no value can close the element."""
    return seo.json_ld_script(data)


@register.simple_tag(takes_context=True)
def article_fragment(context, article, name):
    """One of the article's stored fragments (see articles/fragments.py); a
    preview renders it now, from the article as the preview has it."""
    return fragments.fragment(article, name, live=bool(context.get("is_preview")))


@register.simple_tag
def article_cards(articles, heading=""):
    """The articles' cards as list items, their titles under `heading` (h2 by
    default): stored at save time, rendered now only for stale rows."""
    items = fragments.cards(articles, heading=heading or "h2")
    return mark_safe("".join(f"<li>{card}</li>" for card in items))
