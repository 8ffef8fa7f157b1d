"""The change signal: what an action touched, sent once its transaction commits.

`article_changed` carries the article and two `Touched` snapshots (before and
after; `before` is None for a new article, or for rows loaddata wrote raw), the
action's name and the batch it ran in, if any. Caches and indexes work out from
the two snapshots what to purge. Inside `with workflow.batch():` every action
still sends its own signal, each carrying the same `Batch`; when the batch ends
(on commit), `batch_finished` is sent once with every change, so a receiver can
act once per batch instead of once per article.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from ..models import Article

# sender=Article; article, before, after, action, batch
article_changed = Signal()
# sender=Article; batch (with .changes: list of (article, before, after, action))
batch_finished = Signal()


@dataclass(frozen=True)
class Touched:
    """The parts of an article that decide where it shows and who sees it."""

    status: str
    is_live: bool
    slug: str
    categories: frozenset[str]
    authors: tuple[int, ...]
    publish_at: datetime | None
    expire_at: datetime | None
    # The featured image (an upload's private name, or its external URL) and
    # its public renditions' folder: a change to either means purging pages
    # that showed the old files.
    image: str = ""
    renditions: str = ""

    @classmethod
    def of(
        cls,
        article: Article,
        *,
        categories=None,
        authors=None,
        now: datetime | None = None,
    ) -> Touched:
        """`categories` (names) and `authors` (ids), when the caller knows them
        already, save reading them back."""
        if categories is None:
            categories = article.categories.values_list("name", flat=True)
        if authors is None:
            authors = article.bylines.order_by("position", "pk").values_list(
                "author_id", flat=True
            )
        return cls(
            status=article.status,
            is_live=article.is_live_at(now or timezone.now()),
            slug=article.slug,
            categories=frozenset(categories),
            authors=tuple(authors),
            publish_at=article.publish_at,
            expire_at=article.expire_at,
            image=(article.image.file.name if article.image else article.image_url),
            renditions=_folder(article.image),
        )


def _folder(image) -> str:
    data = image.renditions if image is not None else None
    return str(data.get("folder", "")) if isinstance(data, dict) else ""


@dataclass
class Batch:
    """Changes made together (an import, a bulk admin action, a loaddata run)."""

    name: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    changes: list = field(default_factory=list)


_current: contextvars.ContextVar[Batch | None] = contextvars.ContextVar(
    "workflow_batch", default=None
)


def current_batch() -> Batch | None:
    return _current.get()


@contextmanager
def batch(name: str = "") -> Iterator[Batch]:
    """Mark every action inside as one batch; `batch_finished` follows on commit."""
    outer = _current.get()
    if outer is not None:  # a batch inside a batch is the outer batch
        yield outer
        return
    current = Batch(name)
    token = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(token)
    # Registered after the actions' own callbacks, so it runs after them.
    transaction.on_commit(
        lambda: batch_finished.send(sender=Article, batch=current), robust=False
    )


def notify(
    article: Article, before: Touched | None, after: Touched | None, action: str
) -> None:
    """Send `article_changed` once the surrounding transaction commits."""
    current = _current.get()

    def send():
        if current is not None:
            current.changes.append((article, before, after, action))
        article_changed.send(
            sender=Article,
            article=article,
            before=before,
            after=after,
            action=action,
            batch=current,
        )

    transaction.on_commit(send)


def announce(articles, *, action: str, chunk: int = 500) -> Batch:
    """Send `article_changed` for rows written outside the actions (loaddata's raw
    saves), as one batch: what they were before is unknown, so `before` is None.

    Categories and bylines are read for `chunk` articles at a time, not two
    queries an article.
    """
    from ..models import Byline, CategorizedArticle

    with batch(action) as current:
        pending = list(articles)
        for start in range(0, len(pending), chunk):
            part = {article.pk: article for article in pending[start : start + chunk]}
            names: dict[int, list[str]] = {pk: [] for pk in part}
            rows = CategorizedArticle.objects.filter(content_object_id__in=part)
            for pk, name in rows.values_list("content_object_id", "tag__name"):
                names[pk].append(name)
            authors: dict[int, list[int]] = {pk: [] for pk in part}
            bylines = Byline.objects.filter(article_id__in=part).order_by(
                "article_id", "position", "pk"
            )
            for pk, author in bylines.values_list("article_id", "author_id"):
                authors[pk].append(author)
            for pk, article in part.items():
                after = Touched.of(article, categories=names[pk], authors=authors[pk])
                notify(article, None, after, action)
    return current
