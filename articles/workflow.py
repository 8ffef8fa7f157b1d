"""The publishing state machine.

`status`, publication times and revisions change here and nowhere else. The admin,
views, management commands and tests call these functions. Each one checks the
person (PermissionDenied) and the article's state in the database
(TransitionError), records the step in the transition log and keeps a revision.

"Scheduled" and "expired" are not statuses: they fall out of `publish_at` and
`expire_at` when `Article.objects.live()` runs, so nothing has to wake up to
publish an article.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from . import revisions
from .models import (
    Article,
    ArticleRevision,
    ArticleTransition,
    Author,
    Byline,
    Correction,
    SlugRedirect,
)
from .text import nfc, unicode_slug

Status = Article.Status

ALLOWED: dict[str, set[str]] = {
    Status.DRAFT: {Status.IN_REVIEW, Status.PUBLISHED},  # -> published: Editors only
    Status.IN_REVIEW: {Status.DRAFT, Status.PUBLISHED},
    Status.PUBLISHED: {Status.UNPUBLISHED, Status.TAKEN_DOWN},
    Status.UNPUBLISHED: {Status.DRAFT, Status.PUBLISHED},
    Status.TAKEN_DOWN: set(),
}

PUBLISH = "articles.publish_article"
TAKE_DOWN = "articles.take_down_article"
EDIT_ANY = "articles.edit_any_article"
ADD = "articles.add_article"
CHANGE = "articles.change_article"
VIEW = "articles.view_article"
ADD_CORRECTION = "articles.add_correction"

# Fields a plain save may change only with the named permission. A Reporter's form
# leaves them out; this is the second line, for any other caller.
PROTECTED_FIELDS = {
    "slug": EDIT_ANY,
    "owner_id": EDIT_ANY,
    "publish_at": PUBLISH,
    "expire_at": PUBLISH,
}
# Written by the steps below only: a save never carries them in from a form.
WORKFLOW_FIELDS = (
    "status",
    "first_published_at",
    "last_public_change_at",
    "takedown_notice",
    "taken_down_at",
)


class TransitionError(Exception):
    """The article cannot take this step in its current state."""


class StaleVersion(Exception):
    """Someone saved the article after this edit began."""

    def __init__(self, current: int):
        super().__init__(f"The article is at version {current} now.")
        self.current = current


class _System:
    """The command line (importer, management commands): allowed every step."""

    pk = None
    is_active = True
    is_superuser = True
    is_authenticated = True

    def has_perm(self, perm: str, obj=None) -> bool:
        return True

    def get_username(self) -> str:
        return "시스템"

    def __str__(self) -> str:
        return "시스템"


SYSTEM = _System()


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    # None: whoever may edit the article (its Reporter while it is a draft).
    permission: str | None
    # "comment" or "notice": text the step cannot do without.
    needs: str = ""


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            name="submit",
            label="검토 요청",
            sources=frozenset({Status.DRAFT}),
            target=Status.IN_REVIEW,
            permission=None,
        ),
        Transition(
            name="send_back",
            label="반려",
            sources=frozenset({Status.IN_REVIEW}),
            target=Status.DRAFT,
            permission=PUBLISH,
            needs="comment",
        ),
        Transition(
            name="publish",
            label="게재",
            sources=frozenset({Status.DRAFT, Status.IN_REVIEW, Status.UNPUBLISHED}),
            target=Status.PUBLISHED,
            permission=PUBLISH,
        ),
        Transition(
            name="unpublish",
            label="게재 취소",
            sources=frozenset({Status.PUBLISHED}),
            target=Status.UNPUBLISHED,
            permission=PUBLISH,
        ),
        Transition(
            name="reopen",
            label="초안으로 되돌리기",
            sources=frozenset({Status.UNPUBLISHED}),
            target=Status.DRAFT,
            permission=PUBLISH,
        ),
        Transition(
            name="take_down",
            label="삭제 조치",
            sources=frozenset({Status.PUBLISHED}),
            target=Status.TAKEN_DOWN,
            permission=TAKE_DOWN,
            needs="notice",
        ),
    )
}


# Who may do what ------------------------------------------------------------------


def can_view(user, article: Article) -> bool:
    """Editors see every article; a Reporter sees the ones they own."""
    if user.has_perm(EDIT_ANY):
        return True
    return (
        user.pk is not None
        and article.owner_id == user.pk
        and (user.has_perm(VIEW) or user.has_perm(CHANGE))
    )


def can_edit(user, article: Article) -> bool:
    """Editors edit any article; a Reporter edits their own while it is a draft."""
    if article.pk is None:
        return user.has_perm(ADD)
    if article.status == Status.TAKEN_DOWN:
        return user.is_superuser
    if user.has_perm(EDIT_ANY):
        return True
    return (
        user.has_perm(CHANGE)
        and user.pk is not None
        and article.owner_id == user.pk
        and article.status == Status.DRAFT
    )


def was_published(article: Article) -> bool:
    return (
        article.first_published_at is not None
        or article.status in {Status.PUBLISHED, Status.UNPUBLISHED, Status.TAKEN_DOWN}
        or (
            article.pk is not None
            and article.transitions.filter(to_status=Status.PUBLISHED).exists()
        )
    )


def can_delete(user, article: Article) -> bool:
    """Only superusers delete, and only articles that were never published."""
    return user.is_superuser and not was_published(article)


def visible_articles(user):
    """The articles `user` may see in the admin: all for Editors, else their own."""
    if user.has_perm(EDIT_ANY):
        return Article.objects.all()
    if user.pk is None:
        return Article.objects.none()
    return Article.objects.owned_by(user)


def may(user, transition: Transition, article: Article) -> bool:
    if transition.permission is None:
        return can_edit(user, article)
    return user.has_perm(transition.permission) and can_view(user, article)


def available_transitions(article: Article, user) -> list[Transition]:
    """The steps `user` may take with `article` as it stands."""
    return [
        t
        for t in TRANSITIONS.values()
        if article.status in t.sources and may(user, t, article)
    ]


# Transitions ----------------------------------------------------------------------


def _actor(by) -> dict:
    return {
        "created_by": by if getattr(by, "pk", None) else None,
        "created_by_name": by.get_username(),
    }


def _lock(article: Article) -> Article:
    """Re-read the row under a lock, so a decision rests on the stored state."""
    return Article.objects.select_for_update().get(pk=article.pk)


def _begin(article: Article, name: str, by) -> tuple[Article, Transition]:
    transition = TRANSITIONS[name]
    current = _lock(article)
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
        **_actor(by),
    )
    record_revision(current, by=by, note=transition.label)
    for name in (*fields, "status", "version", "first_published_at", "updated_at"):
        setattr(article, name, getattr(current, name))
    return article


def _required_text(value: str, message: str) -> str:
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
    comment = _required_text(comment, "반려 사유를 적어 주세요.")
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
        comment = f"예약 게재: {_when(current.publish_at)}"
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
    notice = _required_text(notice, "독자에게 보일 삭제 조치 안내문을 적어 주세요.")
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


def _when(value: datetime) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i")


# Saving, revisions, corrections --------------------------------------------------


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
        current = _lock(article)
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
            shown = [_when(value) if value else "없음" for value in (before, after)]
            parts.append(f"{label}: {shown[0]} → {shown[1]}")
    if parts:
        ArticleTransition.objects.create(
            article=article,
            from_status=current.status,
            to_status=current.status,
            comment="; ".join(parts),
            **_actor(by),
        )


def record_revision(article: Article, *, by, note: str = "") -> ArticleRevision:
    """Keep every editable field of `article`, as stored now."""
    return ArticleRevision.objects.create(
        article=article,
        version=article.version,
        data=revisions.snapshot(article),
        note=note,
        **_actor(by),
    )


@transaction.atomic
def restore_revision(article: Article, revision: ArticleRevision, *, by) -> Article:
    """Bring back a revision's text, images, categories and bylines as a new one.

    Status and times stay as they are: those move only through the steps above.
    """
    if revision.article_id != article.pk:
        raise TransitionError("다른 기사의 판은 복원할 수 없습니다.")
    current = _lock(article)
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
    text = _required_text(text, "정정 내용을 적어 주세요.")
    if kind not in Correction.Kind.values:
        raise TransitionError("정정 종류를 고르세요.")
    current = _lock(article)
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
    current = _lock(article)
    if not can_delete(by, current):
        raise PermissionDenied(
            "게재된 적 있는 기사는 지울 수 없습니다. 삭제 조치를 쓰세요."
        )
    current.delete()


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
