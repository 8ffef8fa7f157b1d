from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "기사"

    def ready(self):
        from . import fragments, invalidation, sitecache

        fragments.connect()
        invalidation.connect()
        sitecache.connect()
