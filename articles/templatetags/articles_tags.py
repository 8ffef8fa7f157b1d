"""Template helpers for the public pages: Korean dates, navigation, page links,
and the metadata search engines and link previews read."""

from datetime import date, datetime

from django import template
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .. import fragments, seo, shell, sitecache

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
    return list(
        page_obj.paginator.get_elided_page_range(
            page_obj.number, on_each_side=2, on_ends=1
        )
    )


@register.simple_tag(takes_context=True)
def pagination(context, page_obj, label="") -> str:
    """Page links for any paginated listing: previous, the numbers around this
    page with gaps, next, and "N쪽 중 M쪽". Each link keeps the listing's other
    parameters (a search's q); page 1 is the plain address, never ?page=1.

    Written with format_html (every value escaped), not a template: a list page
    spent more on the template's ten loops of lookups than on its query.
    """
    if not context.get("is_paginated"):
        return ""
    request = context["request"]
    query = request.GET.copy()
    query.pop("page", None)

    def url(number: int) -> str:
        if number > 1:
            query["page"] = number
        else:
            query.pop("page", None)
        return f"?{query.urlencode()}" if query else request.path

    items = []
    if page_obj.has_previous():
        items.append(
            format_html(
                '<li><a href="{}" rel="prev">이전</a></li>',
                url(page_obj.previous_page_number()),
            )
        )
    for number in page_links(page_obj):
        if number == page_obj.number:
            item = format_html(
                '<li><span class="pagination__current" aria-current="page">'
                "{}</span></li>",
                number,
            )
        elif number == page_obj.paginator.ELLIPSIS:
            item = format_html(
                '<li><span class="pagination__gap">{}</span></li>', number
            )
        else:
            item = format_html('<li><a href="{}">{}</a></li>', url(number), number)
        items.append(item)
    if page_obj.has_next():
        items.append(
            format_html(
                '<li><a href="{}" rel="next">다음</a></li>',
                url(page_obj.next_page_number()),
            )
        )
    return format_html(
        '<nav class="pagination" aria-label="{}">\n'
        '  <ul class="pagination__list">\n    {}\n  </ul>\n'
        '  <p class="pagination__status">{}쪽 중 {}쪽</p>\n</nav>',
        label or "페이지 이동",
        mark_safe("\n    ".join(items)),
        page_obj.paginator.num_pages,
        page_obj.number,
    )


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


@register.inclusion_tag("articles/includes/listing_meta.html", takes_context=True)
def listing_meta(context, subject=None) -> dict:
    """Canonical link and basic Open Graph for the front, category and author pages."""
    page_obj = context.get("page_obj")
    page_number = page_obj.number if page_obj else 1
    return {"meta": seo.listing_metadata(subject, page_number=page_number)}


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
