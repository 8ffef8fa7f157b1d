from django.conf import settings
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from .models import Article, Category


class ArticleListMixin:
    """Live articles, newest first, paginated; invalid page numbers answer 404."""

    model = Article
    context_object_name = "articles"

    def get_paginate_by(self, queryset):
        return settings.NEWSROOM_ARTICLES_PER_PAGE

    def get_queryset(self):
        return Article.objects.live().newest_first().for_listing()


class ArticleListView(ArticleListMixin, ListView):
    template_name = "articles/article_list.html"


class ArticleDetailView(DetailView):
    model = Article
    context_object_name = "article"

    def get_queryset(self):
        return Article.objects.live().for_listing()


class CategoryDetailView(ArticleListMixin, ListView):
    template_name = "articles/category_detail.html"

    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return super().get_queryset().in_category(self.category)

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)
