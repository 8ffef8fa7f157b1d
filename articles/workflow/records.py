"""What every workflow write shares: the actor, the revision, shown times.

record_revision is the workflow's own: callers outside it never write one.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format

from .. import revisions
from ..models import Article, ArticleRevision


def actor(by) -> dict:
    return {
        "created_by": by if getattr(by, "pk", None) else None,
        "created_by_name": by.get_username(),
    }


def shown_time(value: datetime) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i")


def record_revision(
    article: Article, *, by, note: str = "", categories=None, bylines=None
) -> ArticleRevision:
    """Keep every editable field of `article`, as stored now (`categories`,
    `bylines`: its category names and byline's authors, when the caller knows
    them)."""
    revision = revision_row(
        article, by=by, note=note, categories=categories, bylines=bylines
    )
    revision.save()
    return revision


def revision_row(
    article: Article, *, by, note: str = "", categories=None, bylines=None
) -> ArticleRevision:
    """record_revision's row, not yet written (a bulk run writes many at once)."""
    return ArticleRevision(
        article=article,
        version=article.version,
        data=revisions.snapshot(article, categories=categories, bylines=bylines),
        note=note,
        **actor(by),
    )
