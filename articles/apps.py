from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "기사"

    def ready(self):
        from . import denormalized, fragments, invalidation, sitecache

        post_migrate.connect(
            denormalized.install_after_migrate, sender=self, dispatch_uid="copies"
        )

        fragments.connect()
        invalidation.connect()
        sitecache.connect()
