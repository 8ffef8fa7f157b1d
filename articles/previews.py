"""Share links: a signed, expiring, revocable preview of one article for an outsider.

A link's address carries a random key signed with the site's secret: a forged or
altered address fails the signature before the database is asked. Expiry and
revocation live in the database, so an editor can end a link at any time.
"""

from datetime import datetime, timedelta

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from . import workflow
from .models import Article, ShareLink, ShareLinkVisit

DEFAULT_HOURS = 48
MAX_HOURS = 24 * 14
_SALT = "articles.share-link"

Outcome = ShareLinkVisit.Outcome


def _signer() -> signing.Signer:
    return signing.Signer(salt=_SALT)


def share_token(link: ShareLink) -> str:
    return _signer().sign(link.key)


def share_path(link: ShareLink) -> str:
    return reverse("articles:share", kwargs={"token": share_token(link)})


def can_share(user, article: Article) -> bool:
    return user.has_perm("articles.add_sharelink") and workflow.can_view(user, article)


def create_share_link(
    article: Article,
    *,
    by,
    hours: int = DEFAULT_HOURS,
    note: str = "",
    now: datetime | None = None,
) -> ShareLink:
    """Open a preview of `article` to whoever holds the link, for `hours`."""
    if not can_share(by, article):
        raise PermissionDenied("공유 링크를 만들 권한이 없습니다.")
    if article.status == Article.Status.TAKEN_DOWN:
        raise workflow.TransitionError("삭제 조치된 기사는 공유할 수 없습니다.")
    if not 1 <= hours <= MAX_HOURS:
        raise ValueError(f"hours must lie between 1 and {MAX_HOURS}")
    now = now or timezone.now()
    return ShareLink.objects.create(
        article=article,
        note=note.strip(),
        created_at=now,
        created_by=by,
        expires_at=now + timedelta(hours=hours),
    )


@transaction.atomic
def revoke_share_link(link: ShareLink, *, by, now: datetime | None = None) -> None:
    """End a link at once; later requests for it answer 410."""
    if not (
        by.has_perm("articles.change_sharelink") and workflow.can_view(by, link.article)
    ):
        raise PermissionDenied("공유 링크를 회수할 권한이 없습니다.")
    if link.revoked_at is None:
        link.revoked_at = now or timezone.now()
        link.revoked_by = by
        link.save(update_fields=["revoked_at", "revoked_by"])


def resolve(token: str) -> ShareLink | None:
    """The link a token names, or None for a forged, altered or unknown token."""
    try:
        key = _signer().unsign(token)
    except signing.BadSignature:
        return None
    return ShareLink.objects.select_related("article").filter(key=key).first()


def outcome(link: ShareLink, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if link.revoked_at is not None:
        return Outcome.REVOKED
    if now >= link.expires_at:
        return Outcome.EXPIRED
    if link.article.status == Article.Status.TAKEN_DOWN:
        return Outcome.GONE
    return Outcome.SHOWN


def record_visit(
    link: ShareLink, result: str, *, ip_address: str | None, user_agent: str
) -> ShareLinkVisit:
    return ShareLinkVisit.objects.create(
        link=link,
        outcome=result,
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:300],
    )
