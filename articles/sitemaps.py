"""Sitemaps for search engines: an index over articles, categories, authors and a
Google News sitemap of the last 48 hours; and robots.txt, which names the index."""

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from . import seo
from .models import Article, Author, Category
from .querysets import last_modified

NEWS_WINDOW = timedelta(hours=48)
# Google News reads at most 1,000 URLs from one news sitemap.
NEWS_LIMIT = 1000


def _whole_seconds(value: datetime | None) -> datetime | None:
    """Sitemaps give times to the second; a fraction only adds noise."""
    return value.replace(microsecond=0) if value else value


def _site_domain() -> str:
    """NEWSROOM_SITE_URL without its scheme: host, port and any path prefix."""
    parts = urlsplit(settings.NEWSROOM_SITE_URL)
    return parts.netloc + parts.path


class SiteSitemap(Sitemap):
    """A sitemap whose URLs start with NEWSROOM_SITE_URL, whatever the request's
    host and scheme."""

    template_name = "articles/sitemap.xml"

    def __init__(self, known: "Known | None" = None):
        # The index passes what it already counted, so the sitemap asks no more.
        self.known = known

    @property
    def paginator(self):
        paginator = super().paginator
        if self.known is not None:
            paginator.count = self.known.count
        return paginator

    @property
    def protocol(self):
        # Django's index view reads this attribute; get_protocol() defaults to it.
        return urlsplit(settings.NEWSROOM_SITE_URL).scheme

    def get_protocol(self, protocol=None):
        return self.protocol

    def get_domain(self, site=None):
        return _site_domain()

    def items(self):
        raise NotImplementedError

    def get_latest_lastmod(self):
        if self.known is not None:
            return _whole_seconds(self.known.latest)
        return _whole_seconds(self.latest_change())

    def latest_change(self):
        raise NotImplementedError


class ArticleSitemap(SiteSitemap):
    def items(self):
        # Built per request: live() reads the clock.
        return (
            Article.objects.live()
            .only("slug", "publish_at", "last_public_change_at")
            .newest_first()
        )

    def lastmod(self, item):
        return _whole_seconds(item.last_modified_at)

    def latest_change(self):
        return self.items().latest_modification()


class NewsSitemap(ArticleSitemap):
    """Articles published in the last 48 hours, with the news: tags Google News
    reads."""

    template_name = "articles/news_sitemap.xml"
    limit = NEWS_LIMIT

    def items(self):
        now = timezone.now()
        return (
            Article.objects.live(now)
            .filter(publish_at__gte=now - NEWS_WINDOW)
            .only("slug", "title", "publish_at", "last_public_change_at")
            .newest_first()[:NEWS_LIMIT]
        )

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page, site, protocol)
        for url in urls:
            article = url["item"]
            url["news"] = {
                "publication_name": settings.NEWSROOM_PUBLISHER_NAME,
                "language": seo.LANGUAGE,
                "publication_date": seo.iso(article.publish_at),
                "title": article.title,
            }
        return urls


class CategorySitemap(SiteSitemap):
    """Categories with at least one live article, newest change first."""

    def items(self):
        return Category.objects.with_last_modified().order_by("-last_modified", "name")

    def lastmod(self, item):
        return _whole_seconds(item.last_modified)

    def latest_change(self):
        return self.items().values_list("last_modified", flat=True).first()


class AuthorSitemap(CategorySitemap):
    """Authors with at least one live article, newest change first."""

    def items(self):
        return (
            Author.objects.with_last_modified()
            .only("slug")
            .order_by("-last_modified", "slug")
        )


SITEMAPS = {
    "articles": ArticleSitemap,
    "news": NewsSitemap,
    "categories": CategorySitemap,
    "authors": AuthorSitemap,
}


@dataclass(frozen=True)
class Known:
    """How many items a sitemap has and their newest change."""

    count: int
    latest: datetime | None


def index_figures(now: datetime | None = None) -> dict[str, Known]:
    """Every section's count and newest change, in three queries (one per
    model) rather than two per section."""
    now = now or timezone.now()
    recent = Q(publish_at__gte=now - NEWS_WINDOW)
    articles = Article.objects.live(now).aggregate(
        count=Count("pk"),
        latest=Max(last_modified()),
        news_count=Count("pk", filter=recent),
        news_latest=Max(last_modified(), filter=recent),
    )
    figures = {
        "articles": Known(articles["count"], articles["latest"]),
        "news": Known(min(articles["news_count"], NEWS_LIMIT), articles["news_latest"]),
    }
    for name, model in (("categories", Category), ("authors", Author)):
        row = model.objects.with_last_modified(now).aggregate(
            count=Count("pk"), latest=Max("last_modified")
        )
        figures[name] = Known(row["count"], row["latest"])
    return figures


def index(request):
    """The sitemap index: Django's own view, with its Last-Modified header.

    Django names each section's host from get_current_site(), which without the
    sites framework is the request's Host header; a proxy's or an app server's
    name must never reach a sitemap, so Django's view is handed a copy of the
    request that names NEWSROOM_SITE_URL's host (the scheme comes from each
    sitemap's protocol).
    """
    addressed_to_site = copy.copy(request)
    addressed_to_site.get_host = _site_domain
    figures = index_figures()
    sitemaps = {name: cls(figures[name]) for name, cls in SITEMAPS.items()}
    return sitemap_views.index(addressed_to_site, sitemaps, sitemap_url_name="sitemap")


def section(request, section):
    sitemap_class = SITEMAPS.get(section)
    if sitemap_class is None:
        raise Http404("이런 사이트맵은 없습니다.")
    return sitemap_views.sitemap(
        request,
        {section: sitemap_class},
        section=section,
        template_name=sitemap_class.template_name,
    )


def robots_txt(request):
    return render(
        request,
        "robots.txt",
        {
            "sitemap_url": seo.absolute_url(reverse("sitemap-index")),
            "admin_path": reverse("admin:index"),
        },
        content_type="text/plain; charset=utf-8",
    )
