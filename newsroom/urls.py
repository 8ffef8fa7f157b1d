from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic.base import RedirectView

from articles import feeds, sitemaps
from articles.admin import shortcut
from articles.urls import composed

from . import health

# A database that does not answer is a 503 with Retry-After, not a 500.
handler500 = "articles.errors.handler500"

admin.site.site_header = "뉴스룸 편집국"
admin.site.site_title = "뉴스룸 편집국"
admin.site.index_title = "편집"

urlpatterns = [
    # Before the admin's own `r/` shortcut, which it replaces: see its docstring.
    path(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        shortcut.view_on_site,
        name="admin-view-on-site",
    ),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path(
        "favicon.ico",
        RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.svg"),
    ),
    path("search/", include("search.urls")),
    path("feeds/rss/", feeds.LatestArticlesFeed(), name="feed-rss"),
    path("feeds/atom/", feeds.LatestArticlesAtomFeed(), name="feed-atom"),
    path(
        "categories/<name:slug>/feed/rss/",
        composed(feeds.CategoryFeed()),
        name="category-feed-rss",
    ),
    path(
        "categories/<name:slug>/feed/atom/",
        composed(feeds.CategoryAtomFeed()),
        name="category-feed-atom",
    ),
    path("sitemap.xml", sitemaps.index, name="sitemap-index"),
    path("sitemap-<name:section>.xml", sitemaps.section, name="sitemap"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static as media_static

    urlpatterns += media_static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
elif settings.NEWSROOM_INSECURE_LOOPBACK and settings.MEDIA_URL.startswith("/"):
    # make serve on loopback: no proxy or object storage serves uploads there.
    from django.urls import re_path
    from django.views.static import serve as serve_media

    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$",
            serve_media,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
