"""Share links: a signed, expiring, revocable preview of one article for an outsider.

A link's address carries a random key signed with the site's secret: a forged or
altered address fails the signature before the database is asked. Expiry and
revocation live in the database, so an editor can end a link at any time.
"""

from datetime import datetime

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone

from . import workflow
from .models import Article, ShareLink, ShareLinkVisitCount

# Opening and ending links are workflow actions (workflow/sharing.py).
DEFAULT_HOURS = workflow.DEFAULT_HOURS
MAX_HOURS = workflow.MAX_HOURS
create_share_link = workflow.create_share_link
revoke_share_link = workflow.revoke_share_link
_SALT = "articles.share-link"

Outcome = ShareLinkVisitCount.Outcome


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
    link: ShareLink,
    result: str,
    *,
    ip_address: str | None,
    user_agent: str,
    now: datetime | None = None,
) -> None:
    """Count one request for `link` that ended in `result`: one row per outcome,
    however often the link is asked for (see ShareLinkVisitCount)."""
    now = now or timezone.now()
    last = {
        "last_at": now,
        "last_ip_address": ip_address or None,
        "last_user_agent": (user_agent or "")[:300],
    }
    rows = ShareLinkVisitCount.objects.filter(link=link, outcome=result)
    with transaction.atomic():
        if rows.update(count=F("count") + 1, **last):
            return
        try:
            # Two first visits at once: the unique (link, outcome) pair lets one
            # create the row; the other then counts on it.
            with transaction.atomic():
                ShareLinkVisitCount.objects.create(
                    link=link, outcome=result, count=1, first_at=now, **last
                )
        except IntegrityError:
            rows.update(count=F("count") + 1, **last)


def visit_summary(link: ShareLink) -> dict:
    """What the share-links page shows of a link's visits: times shown, times
    refused (expired, revoked, taken down) and the last request. Reads
    `link.visit_counts.all()`, so a prefetch makes a list of links one query."""
    rows = list(link.visit_counts.all())
    return {
        "shown": sum(r.count for r in rows if r.outcome == Outcome.SHOWN),
        "refused": sum(r.count for r in rows if r.outcome != Outcome.SHOWN),
        "last_at": max((r.last_at for r in rows), default=None),
    }


def visits(link: ShareLink, outcome: str = Outcome.SHOWN) -> int:
    """How many requests for `link` ended in `outcome`."""
    total = link.visit_counts.filter(outcome=outcome).aggregate(n=Sum("count"))["n"]
    return total or 0
