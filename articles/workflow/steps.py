"""The steps an article takes: submit, send back, publish, unpublish, reopen,
take down. Each checks the person and the stored state, logs and snapshots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ..models import Article, ArticleTransition
from ..text import nfc
from .records import actor, locked, record_revision, shown_time
from .rules import (
    ALLOWED,
    SYSTEM,
    TRANSITIONS,
    Status,
    Transition,
    TransitionError,
    may,
)


def _begin(article: Article, name: str, by) -> tuple[Article, Transition]:
    transition = TRANSITIONS[name]
    current = locked(article)
    if not may(by, transition, current):
        raise PermissionDenied(f"‘{transition.label}’ 권한이 없습니다.")
    if (
        current.status not in transition.sources
        or transition.target not in ALLOWED[current.status]
    ):
        raise TransitionError(
            f"‘{current.get_status_display()}’ 상태인 기사는 "
            f"‘{transition.label}’할 수 없습니다."
        )
    return current, transition


def _finish(
    article: Article,
    current: Article,
    transition: Transition,
    *,
    by,
    comment: str = "",
    fields: tuple[str, ...] = (),
) -> Article:
    from_status = current.status
    if current.first_published_at is None and Status.PUBLISHED in (
        from_status,
        transition.target,
    ):
        current.first_published_at = current.publish_at or timezone.now()
    current.status = transition.target
    current.version += 1
    current.save(
        update_fields=[*fields, "status", "version", "first_published_at", "updated_at"]
    )
    ArticleTransition.objects.create(
        article=current,
        from_status=from_status,
        to_status=transition.target,
        comment=comment,
        **actor(by),
    )
    record_revision(current, by=by, note=transition.label)
    for name in (*fields, "status", "version", "first_published_at", "updated_at"):
        setattr(article, name, getattr(current, name))
    return article


def required_text(value: str, message: str) -> str:
    value = nfc((value or "").strip())
    if not value:
        raise TransitionError(message)
    return value


@transaction.atomic
def submit(article: Article, *, by, comment: str = "") -> Article:
    """Send a draft to the editors for review."""
    current, transition = _begin(article, "submit", by)
    return _finish(article, current, transition, by=by, comment=nfc(comment.strip()))


@transaction.atomic
def send_back(article: Article, *, by, comment: str) -> Article:
    """Return a submission to its draft state, saying why."""
    comment = required_text(comment, "반려 사유를 적어 주세요.")
    current, transition = _begin(article, "send_back", by)
    return _finish(article, current, transition, by=by, comment=comment)


_KEEP = object()


@transaction.atomic
def publish(
    article: Article,
    *,
    by,
    at: datetime | None = None,
    expire_at: datetime | None | object = _KEEP,
    now: datetime | None = None,
) -> Article:
    """Publish now, or schedule for `at` when it lies in the future."""
    now = now or timezone.now()
    current, transition = _begin(article, "publish", by)
    current.publish_at = at or current.publish_at or now
    if expire_at is not _KEEP:
        current.expire_at = expire_at
    if current.expire_at is not None:
        if current.expire_at <= current.publish_at:
            raise TransitionError("게재 종료 시각은 게재 시각보다 뒤여야 합니다.")
        if current.expire_at <= now:
            raise TransitionError(
                "게재 종료 시각이 이미 지났습니다. 종료 시각을 바꾸거나 비운 뒤 "
                "게재하세요."
            )
    comment = ""
    if current.publish_at > now:
        comment = f"예약 게재: {shown_time(current.publish_at)}"
    return _finish(
        article,
        current,
        transition,
        by=by,
        comment=comment,
        fields=("publish_at", "expire_at"),
    )


@transaction.atomic
def unpublish(article: Article, *, by, comment: str = "") -> Article:
    """Withdraw a published article from the site; it is kept, not deleted."""
    current, transition = _begin(article, "unpublish", by)
    return _finish(article, current, transition, by=by, comment=nfc(comment.strip()))


@transaction.atomic
def reopen(article: Article, *, by, comment: str = "") -> Article:
    """Bring a withdrawn article back to a draft, to rework it."""
    current, transition = _begin(article, "reopen", by)
    return _finish(article, current, transition, by=by, comment=nfc(comment.strip()))


@transaction.atomic
def take_down(
    article: Article, *, by, notice: str, now: datetime | None = None
) -> Article:
    """Take a published article down: its address then answers 410 with `notice`."""
    notice = required_text(notice, "독자에게 보일 삭제 조치 안내문을 적어 주세요.")
    current, transition = _begin(article, "take_down", by)
    current.takedown_notice = notice
    current.taken_down_at = now or timezone.now()
    return _finish(
        article,
        current,
        transition,
        by=by,
        comment=notice,
        fields=("takedown_notice", "taken_down_at"),
    )


STEPS: dict[str, Callable[..., Article]] = {
    "submit": submit,
    "send_back": send_back,
    "publish": publish,
    "unpublish": unpublish,
    "reopen": reopen,
    "take_down": take_down,
}


def perform(article: Article, name: str, *, by, **inputs) -> Article:
    """Take the step called `name` (a key of TRANSITIONS)."""
    if name not in STEPS:
        raise TransitionError(f"알 수 없는 단계입니다: {name}")
    return STEPS[name](article, by=by, **inputs)


def apply_imported_status(article: Article, *, published: bool, by=SYSTEM) -> Article:
    """Follow an imported document's `published` flag without undoing editors.

    A draft or submission whose document says published is published (at its
    stored publish time); a published article whose document says otherwise is
    unpublished. An article an editor unpublished or took down stays that way.
    """
    if published and article.status in {Status.DRAFT, Status.IN_REVIEW}:
        return publish(article, by=by, at=article.publish_at)
    if not published and article.status == Status.PUBLISHED:
        return unpublish(article, by=by, comment="가져온 문서가 비공개입니다.")
    return article
