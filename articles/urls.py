from django.urls import path

from . import preview_views, views

app_name = "articles"

# <str:slug>, not <slug:slug>: Django's slug converter rejects Hangul.
urlpatterns = [
    path("", views.ArticleListView.as_view(), name="list"),
    path("articles/<str:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("categories/<str:slug>/", views.CategoryDetailView.as_view(), name="category"),
    path("authors/<str:slug>/", views.AuthorDetailView.as_view(), name="author"),
    path("share/<str:token>/", preview_views.share_link_view, name="share"),
]
