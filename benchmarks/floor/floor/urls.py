from django.urls import path

from . import views

urlpatterns = [
    path("", views.page),
    # Served through Varnish for the ceiling: a static file it keeps.
    path("static/ceiling-20k.html", views.static_file),
]
