"""What a public article address answers when no live article has that slug.

A taken-down article answers 410 Gone with its public notice; an address a
published article used to have answers with a permanent redirect to its new one.
Anything else stays a 404.
"""

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render

from .models import Article, SlugRedirect
from .text import nfc


def fallback_response(request, slug: str):
    slug = nfc(slug)
    taken_down = Article.objects.filter(
        slug=slug, status=Article.Status.TAKEN_DOWN
    ).first()
    if taken_down is not None:
        return render(
            request,
            "articles/article_gone.html",
            {
                "notice": taken_down.takedown_notice,
                "taken_down_at": taken_down.taken_down_at,
            },
            status=410,
        )
    moved = SlugRedirect.objects.select_related("article").filter(old_slug=slug).first()
    if moved is not None and (
        moved.article.is_live or moved.article.status == Article.Status.TAKEN_DOWN
    ):
        return HttpResponsePermanentRedirect(moved.article.get_absolute_url())
    return None


class ArticleFallbackMixin:
    """For the public article view: 410 for takedowns, 301 for old slugs."""

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            response = fallback_response(request, kwargs[self.slug_url_kwarg])
            if response is None:
                raise
            return response
