from django.conf import settings
from django.views.generic import ListView

from articles.models import Article

from .analysis import parse_query
from .query import SearchTimedOut, search_articles, time_limit


class SearchView(ListView):
    """Live articles matching ``?q=``, best first, paginated.

    An empty query shows the search form alone. ListView answers 404 for a page
    that is not a number or out of range. A search that runs out of time (see
    ``search.query.time_limit``) shows a message asking for narrower words.
    """

    template_name = "search/search_results.html"
    context_object_name = "articles"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except SearchTimedOut:
            context = {"search_query": self.search_query, "search_timed_out": True}
            return self.render_to_response(context)

    def get_paginate_by(self, queryset):
        return settings.NEWSROOM_ARTICLES_PER_PAGE

    def get_queryset(self):
        self.search_query = parse_query(self.request.GET.get("q", ""))
        if not self.search_query:
            return Article.objects.none()
        # live() is the one visibility rule; search only narrows and orders it.
        articles = search_articles(Article.objects.live(), self.search_query)
        return articles.for_listing()

    def paginate_queryset(self, queryset, page_size):
        if not self.search_query:
            return super().paginate_queryset(queryset, page_size)
        # The count and the page (with its prefetches) run here, inside the time
        # limit, rather than later while the template renders.
        with time_limit(queryset.db):
            paginator, page, _, is_paginated = super().paginate_queryset(
                queryset, page_size
            )
            page.object_list = list(page.object_list)
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs):
        return super().get_context_data(search_query=self.search_query, **kwargs)
