"""Create or update articles from checked documents, all in one transaction.

Saves and status changes go through the publishing workflow, acting as the
system: each import leaves a revision, and a published document is published
with a transition like any other, without undoing an editor's unpublish or
takedown.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from search import indexing

from .. import workflow
from ..models import Article, Author, Byline
from ..text import unicode_slug
from .documents import TEXT_KEYS, Document, DocumentError, ImportRefused, read_documents


@dataclass
class ImportResult:
    created: list[Article] = field(default_factory=list)
    updated: list[Article] = field(default_factory=list)


def import_document(document: Document, *, now: dt.datetime) -> tuple[Article, bool]:
    """Create or update the article for `document`; True when it was created."""
    article = Article.objects.filter(document_key=document.key).first()
    created = article is None
    if created:
        article = Article(document_key=document.key)
        article.slug = workflow.unique_slug(document.slug or document.title)
    for name in TEXT_KEYS:
        setattr(article, name, getattr(document, name))
    article.body = document.body
    article.body_format = document.body_format
    article.image_url = document.image_url
    article.front_matter = document.extra
    if article.publish_at is None:
        article.publish_at = document.publish_at or now
    workflow.save_article(article, by=workflow.SYSTEM, snapshot=False)
    article.categories.set(list(document.categories))
    _set_bylines(article, document.authors)
    workflow.record_revision(article, by=workflow.SYSTEM, note="가져오기")
    try:
        workflow.apply_imported_status(article, published=document.published)
    except workflow.TransitionError as exc:
        raise ImportRefused([DocumentError(document.path, str(exc))]) from None
    return article, created


def _set_bylines(article: Article, names: Sequence[str]) -> None:
    authors = []
    for name in names:
        slug = unicode_slug(name, max_length=100)
        author = Author.objects.filter(slug=slug).first()
        author = author or Author.objects.create(name=name, slug=slug)
        if author not in authors:  # "이 영희" and "이-영희" share a slug
            authors.append(author)
    article.bylines.exclude(author__in=authors).delete()
    for position, author in enumerate(authors):
        Byline.objects.update_or_create(
            article=article, author=author, defaults={"position": position}
        )


@transaction.atomic
def import_documents(
    documents: Sequence[Document],
    *,
    now: dt.datetime | None = None,
    progress: Callable[[int, int, Article, bool], None] | None = None,
) -> ImportResult:
    """Import checked documents in one transaction; undated ones get `now`."""
    now = now or timezone.now()
    result = ImportResult()
    # Each article's search entry is built once, at the end, in batches: not
    # once for the save and again for its categories.
    with indexing.deferred():
        for done, document in enumerate(documents, start=1):
            article, created = import_document(document, now=now)
            (result.created if created else result.updated).append(article)
            if progress:
                progress(done, len(documents), article, created)
    return result


def import_paths(paths: Iterable[str | Path], **kwargs) -> ImportResult:
    """Read every document under `paths`, then import them all or none."""
    return import_documents(read_documents(paths), **kwargs)
