"""Share links: a signed, expiring, revocable preview of one article for an outsider.

A link's address carries a random key signed with the site's secret: a forged or
altered address fails the signature before the database is asked. Expiry and
revocation live in the database, so an editor can end a link at any time.
"""

from datetime import datetime

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from . import workflow
from .models import Article, ShareLink, ShareLinkVisit

# Opening and ending links are workflow actions (workflow/sharing.py).
DEFAULT_HOURS = workflow.DEFAULT_HOURS
MAX_HOURS = workflow.MAX_HOURS
create_share_link = workflow.create_share_link
revoke_share_link = workflow.revoke_share_link
_SALT = "articles.share-link"

Outcome = ShareLinkVisit.Outcome


def _signer() -> signing.Signer:
    return signing.Signer(salt=_SALT)


def share_token(link: ShareLink) -> str:
    return _signer().sign(link.key)


def share_path(link: ShareLink) -> str:
    return reverse("articles:share", kwargs={"token": share_token(link)})


def can_share(user, article: Article) -> bool:
    """May `user` see the article's share links (making one may still be refused)."""
    refusal = workflow.CreateShareLink(user).check(article)
    return refusal is None or not refusal.permission


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
