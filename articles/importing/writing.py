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

from search import indexing

from .. import fragments, images, workflow
from ..models import Article, Author
from ..text import unicode_slug
from . import assets
from .documents import (
    ORIGINAL_KEY,
    TEXT_KEYS,
    Document,
    DocumentError,
    ImportRefused,
    read_documents,
)


@dataclass
class ImportResult:
    created: list[Article] = field(default_factory=list)
    updated: list[Article] = field(default_factory=list)
    # (document, article, why it was left as it is)
    skipped: list[tuple[Document, Article, str]] = field(default_factory=list)
    # One entry per document that imported with something left out, and why.
    warnings: list[tuple[Path, str]] = field(default_factory=list)


def import_document(
    document: Document,
    *,
    now: dt.datetime,
    overwrite_edits: bool = False,
    warnings: list[str] | None = None,
    copied: list[str] | None = None,
) -> tuple[Article, bool, str]:
    """Create or update the article for `document`: (article, created, reason).

    `reason` is why it was skipped, or "" when it was written. Problems that
    leave something out (an image that cannot be used) are appended to
    `warnings`, after the document's own; the names of image files copied into
    storage to `copied`.
    """
    warnings = [] if warnings is None else warnings
    warnings.extend(document.warnings)
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
    previous = (article.front_matter or {}).get(ORIGINAL_KEY)
    original = _set_image(article, document, previous, warnings, copied)
    if document.body_images:
        original["body_images"] = [list(pair) for pair in document.body_images]
    article.front_matter = dict(document.extra)
    if original:
        article.front_matter[ORIGINAL_KEY] = original
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


def _set_image(article, document, previous, warnings, copied) -> dict:
    """Set the featured image from the document; what export needs to write back.

    A file found under --assets becomes an upload, stored under a random name like
    any other (the same file imported again is not copied again). A path that
    cannot be used leaves an uploaded image the article already has.
    """
    previous = previous if isinstance(previous, dict) else {}
    digest = ""
    imported = bool(article.image) and article.image.name == previous.get("image_as")
    if imported and (document.image_url or not document.image_original):
        article.image = None  # the document no longer names the file we copied
    article.image_url = document.image_url
    if document.image_file:
        upload, digest, problem = assets.featured_upload(document.image_file)
        same = (
            previous.get("image_sha256") == digest
            and article.image
            and article.image.name == previous.get("image_as")
        )
        if problem:
            warnings.append(
                f"featured image {document.image_path!r} not imported: {problem}"
            )
        elif not same:
            article.image.save(upload.name, upload, save=False)
            if copied is not None:
                copied.append(article.image.name)
        if not problem and not document.image_alt:
            warnings.append(
                "featured image has no 'image_alt' (text for readers who cannot "
                "see it); add it in the admin"
            )
    if not document.image_original or (
        document.image_original == article.image_url and not article.image
    ):
        return {}  # export writes the value back as it is
    original = {
        "image": document.image_original,
        "image_as": article.image.name if article.image else article.image_url,
    }
    if article.image and not digest and article.image.name == previous.get("image_as"):
        digest = previous.get("image_sha256", "")  # the copy made before, kept
    if digest and article.image:
        original["image_sha256"] = digest
    return original


def _authors(names: Sequence[str]) -> list[int]:
    authors = []
    for name in names:
        slug = unicode_slug(name, max_length=100)
        author = Author.objects.filter(slug=slug).first()
        author = author or Author.objects.create(name=name, slug=slug)
        if author.pk not in authors:  # "이 영희" and "이-영희" share a slug
            authors.append(author.pk)
    return authors


def import_documents(
    documents: Sequence[Document],
    *,
    now: dt.datetime | None = None,
    progress: Callable[[int, int, Article, bool], None] | None = None,
    overwrite_edits: bool = False,
) -> ImportResult:
    """Import checked documents in one transaction; undated ones get `now`.

    A run that fails part way deletes the image files it had copied: no row
    will ever point to them.
    """
    copied: list[str] = []
    try:
        return _import_all(
            documents,
            now=now,
            progress=progress,
            overwrite_edits=overwrite_edits,
            copied=copied,
        )
    except BaseException:
        # Originals only: renditions are made after the commit, by the worker.
        for name in copied:
            images.original_storage().delete(name)
        raise


@transaction.atomic
def _import_all(documents, *, now, progress, overwrite_edits, copied) -> ImportResult:
    now = now or timezone.now()
    result = ImportResult()
    # Each article's search entry is built once, at the end, in batches: not
    # once for the save and again for its categories.
    with workflow.batch("import"), indexing.deferred(), fragments.deferred():
        for done, document in enumerate(documents, start=1):
            warnings: list[str] = []
            article, created, reason = import_document(
                document,
                now=now,
                overwrite_edits=overwrite_edits,
                warnings=warnings,
                copied=copied,
            )
            if reason:
                result.skipped.append((document, article, reason))
                continue
            (result.created if created else result.updated).append(article)
            if warnings:
                result.warnings.append((document.path, "; ".join(warnings)))
            if progress:
                progress(done, len(documents), article, created)
    return result


def import_paths(
    paths: Iterable[str | Path], *, site: assets.OldSite | None = None, **kwargs
) -> ImportResult:
    """Read every document under `paths`, then import them all or none."""
    return import_documents(read_documents(paths, site=site), **kwargs)
