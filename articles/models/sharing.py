"""Addresses that lead to an article: old slugs and preview share links."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .article import Article


class SlugRedirect(models.Model):
    """An address a published article used to have; it answers with a 301."""

    old_slug = models.SlugField(
        _("예전 슬러그"), max_length=200, unique=True, allow_unicode=True
    )
    article = models.ForeignKey(
        Article,
        verbose_name=_("기사"),
        on_delete=models.CASCADE,
        related_name="slug_redirects",
    )
    created_at = models.DateTimeField(_("시각"), default=timezone.now)

    class Meta:
        verbose_name = _("예전 주소")
        verbose_name_plural = _("예전 주소")

    def __str__(self):
        return f"{self.old_slug} → {self.article.slug}"


def new_share_key() -> str:
    return secrets.token_urlsafe(24)


class ShareLink(models.Model):
    """A signed, expiring link that shows one unpublished article to an outsider."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("기사"),
        on_delete=models.CASCADE,
        related_name="share_links",
    )
    key = models.CharField(
        max_length=64, unique=True, default=new_share_key, editable=False
    )
    note = models.CharField(
        _("받는 사람"),
        max_length=200,
        blank=True,
        help_text=_("누구에게 보내는 링크인지 적어 두세요. 예: 법률 검토용."),
    )
    created_at = models.DateTimeField(_("만든 시각"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("만든 사람"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("만료 시각"))
    revoked_at = models.DateTimeField(_("회수 시각"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("회수한 사람"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("공유 링크")
        verbose_name_plural = _("공유 링크")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.article} · {self.note or self.created_at:%Y-%m-%d}"

    def is_open_at(self, now) -> bool:
        return self.revoked_at is None and now < self.expires_at


class ShareLinkVisitCount(models.Model):
    """How many requests for a link ended with one outcome, and when the last came.

    A count, not a row per request: a link asked for again and again (a
    revoked or expired one included, by anyone who kept the address) keeps at
    most one row per outcome, so the ledger cannot grow without bound. The
    last visitor's address and browser stay for the newsroom's record.
    """

    class Outcome(models.TextChoices):
        SHOWN = "shown", _("열람")
        EXPIRED = "expired", _("만료")
        REVOKED = "revoked", _("회수됨")
        GONE = "gone", _("기사 삭제 조치")

    link = models.ForeignKey(
        ShareLink,
        verbose_name=_("공유 링크"),
        on_delete=models.CASCADE,
        related_name="visit_counts",
    )
    outcome = models.CharField(_("결과"), max_length=10, choices=Outcome)
    count = models.PositiveIntegerField(_("횟수"), default=0)
    first_at = models.DateTimeField(_("처음"), default=timezone.now)
    last_at = models.DateTimeField(_("마지막"), default=timezone.now)
    last_ip_address = models.GenericIPAddressField(
        _("마지막 IP 주소"), null=True, blank=True
    )
    last_user_agent = models.CharField(_("마지막 브라우저"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("공유 링크 열람 횟수")
        verbose_name_plural = _("공유 링크 열람 횟수")
        ordering = ["link", "outcome"]
        constraints = [
            models.UniqueConstraint(
                fields=["link", "outcome"], name="share_link_visits_one_row_per_outcome"
            )
        ]

    def __str__(self):
        return f"{self.link} · {self.get_outcome_display()} {self.count}"
