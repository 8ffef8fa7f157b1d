from functools import wraps

from django.http import HttpResponsePermanentRedirect
from django.urls import path, register_converter
from django.utils.encoding import escape_uri_path

from . import preview_views, views
from .text import nfc


def composed(view):
    """Answer a path typed in any non-NFC form with a 301 to its NFC form.

    macOS and some keyboards send Hangul decomposed into jamo. Every reader-facing
    address with a name in it (articles, categories, authors and their feeds) is
    wrapped in this, so the same page has one address whatever its state: the
    redirect comes before any lookup, and the composed address then answers 200,
    404 or 410 as usual. The query string is kept as sent.
    """

    @wraps(view)
    def redirect_or_view(request, *args, **kwargs):
        path = nfc(request.path)
        if path == request.path:
            return view(request, *args, **kwargs)
        query = request.META.get("QUERY_STRING", "")
        location = escape_uri_path(path) + (f"?{query}" if query else "")
        return HttpResponsePermanentRedirect(location)

    return redirect_or_view


class YearConverter:
    """Four digits, as in /archive/2024/."""

    regex = "[0-9]{4}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):04d}"


class MonthConverter:
    """Two digits, as in /archive/2024/06/; the view rejects 00 and 13 to 99."""

    regex = "[0-9]{2}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):02d}"


class NameConverter:
    """A path segment as <str:> takes it (Hangul included), but never a NUL.

    PostgreSQL refuses a NUL in any text value, so /articles/%00/ would reach
    the database and answer 500; with this converter it matches no URL: 404.
    """

    regex = "[^/\x00]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(NameConverter, "name")
register_converter(YearConverter, "yyyy")
register_converter(MonthConverter, "mm")

app_name = "articles"

# <name:slug>, not <slug:slug>: Django's slug converter rejects Hangul.
urlpatterns = [
    path("", views.ArticleListView.as_view(), name="list"),
    path(
        "articles/<name:slug>/",
        composed(views.ArticleDetailView.as_view()),
        name="detail",
    ),
    path(
        "categories/<name:slug>/",
        composed(views.CategoryDetailView.as_view()),
        name="category",
    ),
    path(
        "authors/<name:slug>/",
        composed(views.AuthorDetailView.as_view()),
        name="author",
    ),
    path("archive/<yyyy:year>/", views.ArchiveYearView.as_view(), name="archive-year"),
    path(
        "archive/<yyyy:year>/<mm:month>/",
        views.ArchiveMonthView.as_view(),
        name="archive-month",
    ),
    path("share/<name:token>/", preview_views.share_link_view, name="share"),
]
