from django.urls import path, register_converter

from . import preview_views, views


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


register_converter(YearConverter, "yyyy")
register_converter(MonthConverter, "mm")

app_name = "articles"

# <str:slug>, not <slug:slug>: Django's slug converter rejects Hangul.
urlpatterns = [
    path("", views.ArticleListView.as_view(), name="list"),
    path("articles/<str:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("categories/<str:slug>/", views.CategoryDetailView.as_view(), name="category"),
    path("authors/<str:slug>/", views.AuthorDetailView.as_view(), name="author"),
    path("archive/<yyyy:year>/", views.ArchiveYearView.as_view(), name="archive-year"),
    path(
        "archive/<yyyy:year>/<mm:month>/",
        views.ArchiveMonthView.as_view(),
        name="archive-month",
    ),
    path("share/<str:token>/", preview_views.share_link_view, name="share"),
]
