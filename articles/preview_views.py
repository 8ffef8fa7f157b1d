"""Previews: an unpublished article exactly as its public page will show it.

Staff previews are admin views (see ArticleAdmin.preview_view); share links are
public views for people without an account. Both render the public article
template with the public view's own context, plus a banner, and tell every cache
and search engine to keep out.
"""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.generic import DetailView

from . import previews
from .models import Article
from .views import ArticlePageMixin


def private(response):
    """Keep a response out of shared caches, browsers' stores and search engines."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


class ArticlePreviewView(ArticlePageMixin, DetailView):
    """The public article page for `article`, whatever its status, with a banner.

    The public page's context without its lookup: the caller (the admin's
    preview, a share link) has already decided who may see which article, so
    nothing is found by slug and no 404/410 fallback applies.
    """

    article = None
    banner = None
    live_fragments = True

    def get_object(self, queryset=None):
        return self.article

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            is_preview=True, preview_banner=self.banner, **kwargs
        )

    def render_to_response(self, context, **response_kwargs):
        return private(super().render_to_response(context, **response_kwargs))


def render_preview(request, article: Article, *, banner: dict):
    """Answer `request` with the preview of `article`."""
    return ArticlePreviewView.as_view(article=article, banner=banner)(request)


def share_link_view(request, token):
    link = previews.resolve(token)
    if link is None:
        raise Http404("공유 링크가 없습니다.")
    now = timezone.now()
    result = previews.outcome(link, now=now)
    previews.record_visit(
        link,
        result,
        ip_address=request.META.get("REMOTE_ADDR"),
        user_agent=request.headers.get("user-agent", ""),
    )
    if result != previews.Outcome.SHOWN:
        response = render(
            request,
            "articles/share_link_gone.html",
            {"reason": result, "link": link},
            status=410,
        )
        return private(response)
    article = Article.objects.for_listing().get(pk=link.article_id)
    banner = {"kind": "share", "expires_at": link.expires_at}
    return render_preview(request, article, banner=banner)
