"""Sitemaps for search engines: an index over articles, categories, authors and a
Google News sitemap of the last 48 hours; and robots.txt, which names the index."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.http import Http404
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from . import seo
from .models import Article, Author, Category

NEWS_WINDOW = timedelta(hours=48)
# Google News reads at most 1,000 URLs from one news sitemap.
NEWS_LIMIT = 1000


def _whole_seconds(value: datetime | None) -> datetime | None:
    """Sitemaps give times to the second; a fraction only adds noise."""
    return value.replace(microsecond=0) if value else value


class SiteSitemap(Sitemap):
    """A sitemap whose URLs start with NEWSROOM_SITE_URL, whatever the request's
    host and scheme."""

    template_name = "articles/sitemap.xml"

    def get_urls(self, page=1, site=None, protocol=None):
        parts = urlsplit(settings.NEWSROOM_SITE_URL)
        return self._urls(page, parts.scheme, parts.netloc + parts.path)

    def items(self):
        raise NotImplementedError

    def lastmod(self, item):
        return _whole_seconds(item.last_change)

    def get_latest_lastmod(self):
        return _whole_seconds(self.latest_change())

    def latest_change(self):
        raise NotImplementedError


class ArticleSitemap(SiteSitemap):
    def items(self):
        # Built per request: live() reads the clock.
        return (
            Article.objects.live()
            .annotate(last_change=seo.last_public_change_expression())
            .only("slug", "publish_at")
            .newest_first()
        )

    def latest_change(self):
        return self.items().aggregate(latest=Max("last_change"))["latest"]


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
            .annotate(last_change=seo.last_public_change_expression())
            .only("slug", "title", "publish_at")
            .newest_first()[:NEWS_LIMIT]
        )

    def latest_change(self):
        return max((item.last_change for item in self.items()), default=None)

    def _urls(self, page, protocol, domain):
        urls = super()._urls(page, protocol, domain)
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
        return (
            Category.objects.filter(
                categorized_articles__content_object__in=Article.objects.live()
            )
            .annotate(
                last_change=Max(
                    seo.last_public_change_expression(
                        "categorized_articles__content_object__"
                    )
                )
            )
            .order_by("-last_change", "name")
        )

    def latest_change(self):
        return self.items().values_list("last_change", flat=True).first()


class AuthorSitemap(SiteSitemap):
    """Authors with at least one live article, newest change first."""

    def items(self):
        return (
            Author.objects.filter(articles__in=Article.objects.live())
            .annotate(last_change=Max(seo.last_public_change_expression("articles__")))
            .only("slug")
            .order_by("-last_change", "slug")
        )

    def latest_change(self):
        return self.items().values_list("last_change", flat=True).first()


SITEMAPS = {
    "articles": ArticleSitemap,
    "news": NewsSitemap,
    "categories": CategorySitemap,
    "authors": AuthorSitemap,
}


@sitemap_views.x_robots_tag
def index(request):
    """The sitemap index: every section, and every page of a long one."""
    entries = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        location = seo.absolute_url(reverse("sitemap", kwargs={"section": section}))
        lastmod = sitemap.get_latest_lastmod()
        entries.append(sitemap_views.SitemapIndexItem(location, lastmod))
        for page in range(2, sitemap.paginator.num_pages + 1):
            entries.append(
                sitemap_views.SitemapIndexItem(f"{location}?p={page}", lastmod)
            )
    return TemplateResponse(
        request,
        "sitemap_index.xml",
        {"sitemaps": entries},
        content_type="application/xml",
    )


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
