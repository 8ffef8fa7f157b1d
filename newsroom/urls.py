from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic.base import RedirectView

admin.site.site_header = "뉴스룸 편집국"
admin.site.site_title = "뉴스룸 편집국"
admin.site.index_title = "편집"

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "favicon.ico",
        RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.svg"),
    ),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static as media_static

    urlpatterns += media_static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
