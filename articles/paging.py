"""Page links for any paginated listing: previous, the numbers around this page
with gaps, next, and "N쪽 중 M쪽". Each link keeps the listing's other
parameters (a search's q); page 1 is the plain address, never ?page=1.

Written with format_html (every value escaped), not a template: a list page
spent more on the template's ten loops of lookups than on its query. And kept
per address, page and page count (articles/memo.py): the links are the same
for every reader of a page until the list grows a page.
"""

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from . import memo


def page_numbers(page_obj) -> list:
    """Page numbers around the current one, with `Paginator.ELLIPSIS` for gaps."""
    return list(
        page_obj.paginator.get_elided_page_range(
            page_obj.number, on_each_side=2, on_ends=1
        )
    )


def links_html(request, page_obj, label: str = "") -> SafeString:

    key = (
        "page-links",
        request.path,
        request.META.get("QUERY_STRING", ""),
        page_obj.number,
        page_obj.paginator.num_pages,
        label,
    )
    return memo.kept(key, lambda: _links_html(request, page_obj, label))


def _links_html(request, page_obj, label: str) -> SafeString:
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
    for number in page_numbers(page_obj):
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
