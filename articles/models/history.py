"""What happened to an article: revisions, transitions, corrections."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..text import nfc
from .article import Article


class AppendOnlyModel(models.Model):
    """A record that is written once and never changed or deleted one by one."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are append-only.")


class ArticleRevision(AppendOnlyModel):
    """Every editable field of an article as it was after one save or transition."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("기사"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    version = models.PositiveIntegerField(_("판 번호"))
    data = models.JSONField(_("내용"), encoder=DjangoJSONEncoder)
    note = models.CharField(_("메모"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("시각"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("저장한 사람"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by_name = models.CharField(_("저장한 사람 이름"), max_length=150)

    class Meta:
        verbose_name = _("기사 판")
        verbose_name_plural = _("기사 판")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.article} · {self.version}판"


class ArticleTransition(AppendOnlyModel):
    """The audit log: one entry per workflow action (a step, a save, a pin, a
    share link...), who took it, when, and the status before and after."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("기사"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )

    class Action(models.TextChoices):
        # The steps (submit, publish, ...) are named by the state machine's table
        # and shown as "from → to"; these change no status.
        CREATE = "create", _("작성")
        SAVE = "save", _("저장")
        RESTORE = "restore", _("복원")
        ADD_CORRECTION = "add_correction", _("정정·반론 추가")
        PIN = "pin", _("첫 화면 톱 고정")
        SHARE_LINK_CREATE = "share_link_create", _("공유 링크 생성")
        SHARE_LINK_REVOKE = "share_link_revoke", _("공유 링크 회수")

    action = models.CharField(
        _("작업"),
        max_length=40,
        blank=True,
        help_text=_("어느 작업의 기록인지: submit, publish, save, pin, ..."),
    )
    from_status = models.CharField(
        _("이전 상태"), max_length=20, choices=Article.Status
    )
    to_status = models.CharField(_("새 상태"), max_length=20, choices=Article.Status)
    comment = models.TextField(_("메모"), blank=True)
    created_at = models.DateTimeField(_("시각"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("처리한 사람"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by_name = models.CharField(_("처리한 사람 이름"), max_length=150)

    class Meta:
        verbose_name = _("진행 기록")
        verbose_name_plural = _("진행 기록")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.article}: {self.step_label}"

    @property
    def step_label(self) -> str:
        """What the entry records, as the history table shows it."""
        if self.from_status != self.to_status:
            return f"{self.get_from_status_display()} → {self.get_to_status_display()}"
        if self.action in self.Action.values:
            return self.Action(self.action).label
        return str(_("일정 변경"))


class Correction(AppendOnlyModel):
    """A public entry under a published article: a correction, update or remedy."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("정정")
        UPDATE = "update", _("업데이트")
        # The remedies of the Korean Press Arbitration Act.
        CORRECTION_REPORT = "correction_report", _("정정보도")
        REPLY_REPORT = "reply_report", _("반론보도")
        FOLLOW_UP_REPORT = "follow_up_report", _("추후보도")

    article = models.ForeignKey(
        Article,
        verbose_name=_("기사"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    kind = models.CharField(_("종류"), max_length=20, choices=Kind)
    text = models.TextField(_("내용"), help_text=_("기사 아래에 그대로 보입니다."))
    created_at = models.DateTimeField(_("시각"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("편집자"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("정정·반론")
        verbose_name_plural = _("정정·반론")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:40]}"

    def save(self, *args, **kwargs):
        self.text = nfc(self.text)
        super().save(*args, **kwargs)
