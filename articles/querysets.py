"""What readers may see, and when."""

from datetime import datetime

from django.db import models
from django.db.models import Prefetch
from django.utils import timezone


class ArticleQuerySet(models.QuerySet):
    def live(self, now: datetime | None = None) -> "ArticleQuerySet":
        """Articles a reader may see at `now`: published and due."""
        now = now or timezone.now()
        return self.filter(status=self.model.Status.PUBLISHED, publish_at__lte=now)

    def newest_first(self) -> "ArticleQuerySet":
        return self.order_by("-publish_at", "-pk")

    def in_category(self, category) -> "ArticleQuerySet":
        return self.filter(categories=category)

    def for_listing(self) -> "ArticleQuerySet":
        """Prefetch what a card shows, so a page costs the same for any length."""
        from .models import Byline

        return self.prefetch_related(
            "categories",
            Prefetch(
                "bylines",
                queryset=Byline.objects.select_related("author").order_by("position"),
            ),
        )
