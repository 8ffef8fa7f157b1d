"""Share links as actions: opening and ending a preview for an outsider.

Signing, resolving and the visit ledger stay in articles/previews.py: a visit
is a read, not a change to the article.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from ..models import Article, ShareLink
from .actions import Action
from .rules import Refusal, Status, can_view

DEFAULT_HOURS = 48
MAX_HOURS = 24 * 14


class _ShareLinkAction(Action):
    """What opening and ending a link share: the person needs `permission` and
    must see the article; the article's content and version stay as they are;
    the audit entry carries the link's note; `run` returns the link."""

    permission: str
    revises = False
    bumps_version = False

    def permitted(self, article):
        return self.user.has_perm(self.permission) and can_view(self.user, article)

    def entry(self, article, from_status, **inputs):
        return self.link.note

    def run(self, article, **inputs) -> ShareLink:
        super().run(article, **inputs)
        return self.link


def _staff(user):
    return user if getattr(user, "pk", None) else None


class CreateShareLink(_ShareLinkAction):
    """Open a preview of the article to whoever holds the link, for `hours`."""

    name = "share_link_create"
    label = "공유 링크 생성"
    denied = "공유 링크를 만들 권한이 없습니다."
    permission = "articles.add_sharelink"

    def refusal(self, article, *, hours=None, **inputs):
        if article.status == Status.TAKEN_DOWN:
            return "삭제 조치된 기사는 공유할 수 없습니다."
        if hours is not None and not 1 <= hours <= MAX_HOURS:
            return Refusal(
                f"유효 시간은 1시간에서 {MAX_HOURS}시간(14일) 사이로 정하세요.",
                code="hours",
            )
        return None

    def prepare(self, *, hours=DEFAULT_HOURS, note="", now=None):
        return {"hours": hours, "note": (note or "").strip(), "now": now}

    def apply(self, article, *, hours, note, now):
        now = now or timezone.now()
        self.link = ShareLink.objects.create(
            article=article,
            note=note,
            created_at=now,
            created_by=_staff(self.user),
            expires_at=now + timedelta(hours=hours),
        )
        return []


class RevokeShareLink(_ShareLinkAction):
    """End a link at once; later requests for it answer 410."""

    name = "share_link_revoke"
    label = "공유 링크 회수"
    denied = "공유 링크를 회수할 권한이 없습니다."
    permission = "articles.change_sharelink"

    def refusal(self, article, *, link=None, **inputs):
        if link is not None and link.article_id != article.pk:
            return "이 기사의 공유 링크가 아닙니다."
        return None

    def apply(self, article, *, link: ShareLink, now=None):
        link = ShareLink.objects.select_for_update().get(pk=link.pk)
        if link.revoked_at is None:
            link.revoked_at = now or timezone.now()
            link.revoked_by = _staff(self.user)
            link.save(update_fields=["revoked_at", "revoked_by"])
        self.link = link
        return []


def create_share_link(
    article: Article,
    *,
    by,
    hours: int = DEFAULT_HOURS,
    note: str = "",
    now: datetime | None = None,
) -> ShareLink:
    return CreateShareLink(by).run(article, hours=hours, note=note, now=now)


def revoke_share_link(link: ShareLink, *, by, now: datetime | None = None) -> None:
    RevokeShareLink(by).run(link.article, link=link, now=now)
    link.refresh_from_db(fields=["revoked_at", "revoked_by"])
