from django.conf import settings
from django.views.generic import ListView

from articles.models import Article

from .analysis import parse_query
from .query import search_articles


class SearchView(ListView):
    """Live articles matching ``?q=``, best first, paginated.

    An empty query shows the search form alone. ListView answers 404 for a page
    that is not a number or out of range.
    """

    template_name = "search/search_results.html"
    context_object_name = "articles"

    def get_paginate_by(self, queryset):
        return settings.NEWSROOM_ARTICLES_PER_PAGE

    def get_queryset(self):
        self.search_query = parse_query(self.request.GET.get("q", ""))
        if not self.search_query:
            return Article.objects.none()
        # live() is the one visibility rule; search only narrows and orders it.
        articles = search_articles(Article.objects.live(), self.search_query)
        return articles.for_listing()

    def get_context_data(self, **kwargs):
        return super().get_context_data(search_query=self.search_query, **kwargs)
