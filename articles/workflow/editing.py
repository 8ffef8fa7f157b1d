"""Saving an editor's changes, restoring revisions, corrections and deletion."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .. import images, revisions
from ..models import (
    Article,
    ArticleRevision,
    ArticleTransition,
    Author,
    Byline,
    Correction,
    SlugRedirect,
)
from ..text import unicode_slug
from .records import actor, locked, record_revision, shown_time
from .rules import (
    ADD,
    ADD_CORRECTION,
    EDIT_ANY,
    PROTECTED_FIELDS,
    PUBLISH,
    WORKFLOW_FIELDS,
    StaleVersion,
    Status,
    TransitionError,
    can_delete,
    can_edit,
    can_view,
    was_published,
)
from .steps import required_text


def unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    """A slug from `title` that no other article uses, now or as an old address."""
    base = unicode_slug(title, max_length=190) or "article"
    candidate, n = base, 2
    while (
        Article.objects.exclude(pk=exclude_pk).filter(slug=candidate).exists()
        or SlugRedirect.objects.filter(old_slug=candidate)
        .exclude(article_id=exclude_pk)
        .exists()
    ):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


@transaction.atomic
def save_article(
    article: Article,
    *,
    by,
    expected_version: int | None = None,
    snapshot: bool = True,
    note: str = "",
) -> Article:
    """Save an editor's changes and keep a revision.

    `expected_version` is the version the editor started from: if someone saved
    since, StaleVersion is raised and nothing is written. Pass `snapshot=False`
    when categories or bylines are saved afterwards, then call record_revision.
    """
    if article._state.adding:
        _prepare_new(article, by=by)
        note = note or "작성"
    else:
        current = locked(article)
        if not can_edit(by, current):
            raise PermissionDenied("이 기사를 고칠 권한이 없습니다.")
        if expected_version is not None and expected_version != current.version:
            raise StaleVersion(current.version)
        for name, permission in PROTECTED_FIELDS.items():
            if getattr(article, name) != getattr(current, name) and not by.has_perm(
                permission
            ):
                raise PermissionDenied(f"‘{name}’ 항목을 바꿀 권한이 없습니다.")
        for name in WORKFLOW_FIELDS:
            setattr(article, name, getattr(current, name))
        if not article.slug:
            article.slug = unique_slug(article.title, exclude_pk=article.pk)
        _keep_old_address(article, current)
        _log_schedule_change(article, current, by=by)
        article.version = current.version + 1
        note = note or "저장"
    article.save()
    images.generate_renditions(article)  # only when the image changed
    if snapshot:
        record_revision(article, by=by, note=note)
    return article


def _prepare_new(article: Article, *, by) -> None:
    if not by.has_perm(ADD):
        raise PermissionDenied("기사를 쓸 권한이 없습니다.")
    if article.owner_id is None and getattr(by, "pk", None):
        article.owner = by
    elif article.owner_id != getattr(by, "pk", None) and not by.has_perm(EDIT_ANY):
        raise PermissionDenied("다른 사람을 담당자로 정할 권한이 없습니다.")
    if (article.publish_at or article.expire_at) and not by.has_perm(PUBLISH):
        raise PermissionDenied("게재 시각을 정할 권한이 없습니다.")
    # A new article always starts as a draft; publishing is a step of its own.
    article.status = Status.DRAFT
    article.first_published_at = None
    article.version = 1
    article.slug = article.slug or unique_slug(article.title)


def _keep_old_address(article: Article, current: Article) -> None:
    """A published article's old slug keeps answering, with a permanent redirect."""
    if article.slug == current.slug:
        return
    SlugRedirect.objects.filter(old_slug=article.slug).delete()
    if was_published(current):
        SlugRedirect.objects.update_or_create(
            old_slug=current.slug, defaults={"article": article}
        )


def _log_schedule_change(article: Article, current: Article, *, by) -> None:
    parts = []
    for name, label in (("publish_at", "게재 시각"), ("expire_at", "게재 종료 시각")):
        before, after = getattr(current, name), getattr(article, name)
        if before != after:
            shown = [shown_time(v) if v else "없음" for v in (before, after)]
            parts.append(f"{label}: {shown[0]} → {shown[1]}")
    if parts:
        ArticleTransition.objects.create(
            article=article,
            from_status=current.status,
            to_status=current.status,
            comment="; ".join(parts),
            **actor(by),
        )


@transaction.atomic
def restore_revision(article: Article, revision: ArticleRevision, *, by) -> Article:
    """Bring back a revision's text, images, categories and bylines as a new one.

    Status and times stay as they are: those move only through the steps above.
    """
    if revision.article_id != article.pk:
        raise TransitionError("다른 기사의 판은 복원할 수 없습니다.")
    current = locked(article)
    if not can_edit(by, current):
        raise PermissionDenied("이 기사를 고칠 권한이 없습니다.")
    data = revision.data
    slug = current.slug
    revisions.apply(current, data)
    # The old slug comes back only for those who may change slugs, and only while
    # no other article has taken it since.
    if (
        not by.has_perm(EDIT_ANY)
        or Article.objects.exclude(pk=current.pk).filter(slug=current.slug).exists()
    ):
        current.slug = slug
    save_article(current, by=by, snapshot=False)
    current.categories.set(data.get("categories", []))
    current.bylines.all().delete()
    existing = set(
        Author.objects.filter(
            pk__in=[b["author"] for b in data.get("bylines", [])]
        ).values_list("pk", flat=True)
    )
    position = 0
    for byline in data.get("bylines", []):
        if byline["author"] in existing:
            Byline.objects.create(
                article=current, author_id=byline["author"], position=position
            )
            position += 1
    record_revision(current, by=by, note=f"{revision.version}판 복원")
    return current


@transaction.atomic
def add_correction(
    article: Article, *, by, kind: str, text: str, now: datetime | None = None
) -> Correction:
    """Add a public correction, update or press remedy under a published article."""
    if not (by.has_perm(ADD_CORRECTION) and can_view(by, article)):
        raise PermissionDenied("정정·반론을 붙일 권한이 없습니다.")
    text = required_text(text, "정정 내용을 적어 주세요.")
    if kind not in Correction.Kind.values:
        raise TransitionError("정정 종류를 고르세요.")
    current = locked(article)
    if current.status != Status.PUBLISHED:
        raise TransitionError("게재된 기사에만 정정·반론을 붙일 수 있습니다.")
    correction = Correction.objects.create(
        article=current,
        kind=kind,
        text=text,
        created_at=now or timezone.now(),
        created_by=by if getattr(by, "pk", None) else None,
    )
    current.last_public_change_at = correction.created_at
    current.save(update_fields=["last_public_change_at"])
    article.last_public_change_at = correction.created_at
    return correction


@transaction.atomic
def delete_article(article: Article, *, by) -> None:
    """Delete a never-published article (superusers only)."""
    current = locked(article)
    if not can_delete(by, current):
        raise PermissionDenied(
            "게재된 적 있는 기사는 지울 수 없습니다. 삭제 조치를 쓰세요."
        )
    images.discard_renditions(current)
    current.delete()
