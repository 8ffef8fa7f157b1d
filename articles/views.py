from django.conf import settings
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from .fallbacks import ArticleFallbackMixin
from .models import Article, Author, Category


class ArticleListMixin:
    """Live articles, newest first, paginated; invalid page numbers answer 404.

    ListView turns a page that is not a number, below 1 or past the end into
    Http404, so no page number reaches the database or answers 500.
    """

    model = Article
    context_object_name = "articles"

    def get_paginate_by(self, queryset):
        return settings.NEWSROOM_ARTICLES_PER_PAGE

    def get_queryset(self):
        # Built per request: live() reads the clock.
        return Article.objects.live().newest_first().for_listing()


class ArticleListView(ArticleListMixin, ListView):
    template_name = "articles/article_list.html"


class ArticleDetailView(ArticleFallbackMixin, DetailView):
    model = Article
    context_object_name = "article"

    def get_queryset(self):
        return Article.objects.live().for_listing()


class CategoryDetailView(ArticleListMixin, ListView):
    template_name = "articles/category_detail.html"
    # A category with no live article answers 404: its name alone could announce
    # a story that is still a draft.
    allow_empty = False

    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return super().get_queryset().in_category(self.category)

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


class AuthorDetailView(ArticleListMixin, ListView):
    template_name = "articles/author_detail.html"

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return super().get_queryset().filter(authors=self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)
