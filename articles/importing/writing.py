"""Create or update articles from checked documents, all in one transaction.

Saves and status changes go through the publishing workflow, acting as the
importer (workflow.IMPORTER): each import leaves a revision and an audit entry,
and a published document is published with a transition like any other. The
whole run is one workflow batch.

An import never undoes an editorial decision or overwrites an edit: a document
whose article someone changed through the workflow since it was last imported
(saved, unpublished, reopened, taken down, ...) is skipped and listed with the
reason; `overwrite_edits=True` (`import_posts --overwrite-edits`) imports it
anyway, though even then a takedown or an unpublish is never undone.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from .. import workflow
from ..models import Article, Author
from ..text import unicode_slug
from .documents import TEXT_KEYS, Document, DocumentError, ImportRefused, read_documents


@dataclass
class ImportResult:
    created: list[Article] = field(default_factory=list)
    updated: list[Article] = field(default_factory=list)
    # (document, article, why it was left as it is)
    skipped: list[tuple[Document, Article, str]] = field(default_factory=list)


def import_document(
    document: Document, *, now: dt.datetime, overwrite_edits: bool = False
) -> tuple[Article, bool, str]:
    """Create or update the article for `document`: (article, created, reason);
    `reason` is why it was skipped, or "" when it was written."""
    article = Article.objects.filter(document_key=document.key).first()
    created = article is None
    if not created and not overwrite_edits:
        if reason := workflow.edited_since_import(article):
            return article, False, reason
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
    try:
        workflow.SaveArticle(workflow.IMPORTER).run(
            article,
            expected_version=None if created else article.version,
            categories=list(document.categories),
            bylines=_authors(document.authors),
            note="가져오기",
        )
        workflow.apply_imported_status(article, published=document.published)
    except workflow.ActionRefused as exc:
        raise ImportRefused([DocumentError(document.path, str(exc))]) from None
    return article, created, ""


def _authors(names: Sequence[str]) -> list[int]:
    authors = []
    for name in names:
        slug = unicode_slug(name, max_length=100)
        author = Author.objects.filter(slug=slug).first()
        author = author or Author.objects.create(name=name, slug=slug)
        if author.pk not in authors:  # "이 영희" and "이-영희" share a slug
            authors.append(author.pk)
    return authors


@transaction.atomic
def import_documents(
    documents: Sequence[Document],
    *,
    now: dt.datetime | None = None,
    progress: Callable[[int, int, Article, bool], None] | None = None,
    overwrite_edits: bool = False,
) -> ImportResult:
    """Import checked documents in one transaction; undated ones get `now`."""
    now = now or timezone.now()
    result = ImportResult()
    with workflow.batch("import"):
        for done, document in enumerate(documents, start=1):
            article, created, reason = import_document(
                document, now=now, overwrite_edits=overwrite_edits
            )
            if reason:
                result.skipped.append((document, article, reason))
                continue
            (result.created if created else result.updated).append(article)
            if progress:
                progress(done, len(documents), article, created)
    return result


def import_paths(paths: Iterable[str | Path], **kwargs) -> ImportResult:
    """Read every document under `paths`, then import them all or none."""
    return import_documents(read_documents(paths), **kwargs)
