"""What readers may see, and when."""

from datetime import datetime

from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone


class ArticleQuerySet(models.QuerySet):
    def live(self, now: datetime | None = None) -> "ArticleQuerySet":
        """Articles a reader may see at `now`: published, due and not expired.

        The one visibility rule: scheduled articles appear when their time comes
        and expired ones leave, with no job running; drafts, articles in review,
        unpublished and taken-down ones never show. Article.is_live_at mirrors it.
        """
        now = now or timezone.now()
        return self.filter(
            Q(expire_at__isnull=True) | Q(expire_at__gt=now),
            status=self.model.Status.PUBLISHED,
            publish_at__lte=now,
        )

    def scheduled(self, now: datetime | None = None) -> "ArticleQuerySet":
        """Published articles whose publish time is still ahead."""
        now = now or timezone.now()
        return self.filter(status=self.model.Status.PUBLISHED, publish_at__gt=now)

    def waiting_for_review(self) -> "ArticleQuerySet":
        return self.filter(status=self.model.Status.IN_REVIEW)

    def owned_by(self, user) -> "ArticleQuerySet":
        return self.filter(owner=user)

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
