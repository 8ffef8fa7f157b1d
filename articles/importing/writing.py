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
from functools import partial
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils import timezone

from search import indexing

from .. import fragments, images, prerendering, workflow
from ..models import Article, Author, Category, Image, SlugRedirect
from ..text import nfc, unicode_slug
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
    known: "_Known | None" = None,
) -> tuple[Article, bool, str]:
    """Create or update the article for `document`: (article, created, reason).

    `reason` is why it was skipped, or "" when it was written. Problems that
    leave something out (an image that cannot be used) are appended to
    `warnings`, after the document's own; the names of image files copied into
    storage to `copied`.
    """
    warnings = [] if warnings is None else warnings
    warnings.extend(document.warnings)
    known = known or _Known.of([document])
    article = known.articles.get(document.key)
    created = article is None
    if not created and not overwrite_edits:
        if reason := workflow.edited_since_import(article):
            return article, False, reason
    if created:
        article = Article(document_key=document.key)
        article.slug = known.slug(document.slug or document.title)
    for name in TEXT_KEYS[:3]:
        setattr(article, name, getattr(document, name))
    article.body = document.body
    article.body_format = document.body_format
    previous = (article.front_matter or {}).get(ORIGINAL_KEY)
    original = _set_image(article, document, previous, warnings, copied)
    for name in TEXT_KEYS[3:]:  # the image texts, on the image just chosen
        setattr(article, name, getattr(document, name))
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
            categories=known.categories(document.categories),
            bylines=known.authors(document.authors),
            note="가져오기",
            # Published in the same run: one write, one revision, one signal.
            then=partial(workflow.imported_step, published=document.published),
        )
    except workflow.ActionRefused as exc:
        raise ImportRefused([DocumentError(document.path, str(exc))]) from None
    except DatabaseError as exc:
        raise not_written(document, exc) from exc
    return article, created, ""


def not_written(document: Document, error: DatabaseError) -> ImportRefused:
    return ImportRefused(
        [DocumentError(document.path, f"could not be written ({error})")]
    )


def _set_image(article, document, previous, warnings, copied) -> dict:
    """Set the featured image from the document; what export needs to write back.

    A file found under --assets becomes an upload, stored under a random name like
    any other (the same file imported again is not copied again). A path that
    cannot be used leaves an uploaded image the article already has.
    """
    previous = previous if isinstance(previous, dict) else {}
    digest = ""
    imported = bool(article.image) and _image_name(article) == previous.get("image_as")
    if imported and (document.image_url or not document.image_original):
        article.image = None  # the document no longer names the file we copied
    article.image_url = document.image_url
    if document.image_file:
        upload, digest, problem = assets.featured_upload(document.image_file)
        same = (
            previous.get("image_sha256") == digest
            and article.image
            and _image_name(article) == previous.get("image_as")
        )
        if problem:
            warnings.append(
                f"featured image {document.image_path!r} not imported: {problem}"
            )
        elif not same:
            image = Image()
            image.file.save(upload.name, upload, save=False)
            article.image = image  # saved with the article (SaveArticle)
            if copied is not None:
                copied.append(image.file.name)
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
        "image_as": _image_name(article) or article.image_url,
    }
    if (
        article.image
        and not digest
        and _image_name(article) == previous.get("image_as")
    ):
        digest = previous.get("image_sha256", "")  # the copy made before, kept
    if digest and article.image:
        original["image_sha256"] = digest
    return original


def _image_name(article) -> str:
    return article.image.file.name if article.image else ""


class _Known:
    """The articles, authors and categories a run's documents name, looked up
    once a run (a query or two per 500 documents) instead of once a document."""

    def __init__(self, articles, authors, categories, free_slugs):
        self.articles: dict[str, Article] = articles
        self._authors: dict[str, Author] = authors
        self._categories: dict[str, Category] = categories
        self._free_slugs: set[str] = free_slugs

    @classmethod
    def of(cls, documents: Sequence[Document], chunk: int = 500) -> "_Known":
        articles, authors = {}, {}
        slugs = {
            unicode_slug(name, max_length=100): name
            for document in documents
            for name in document.authors
        }
        keys = [document.key for document in documents]
        for start in range(0, len(keys), chunk):
            found = Article.objects.filter(document_key__in=keys[start : start + chunk])
            articles.update((article.document_key, article) for article in found)
        slug_list = list(slugs)
        for start in range(0, len(slug_list), chunk):
            rows = Author.objects.filter(slug__in=slug_list[start : start + chunk])
            authors.update((author.slug, author) for author in rows)
        names = {name for document in documents for name in document.categories}
        # Created when a document is written: a skipped one leaves none behind.
        categories = workflow.find_categories(sorted(names), create=False)
        return cls(articles, authors, categories, _free_slugs(documents, articles))

    def slug(self, title: str) -> str:
        """A unique slug for a new article: its base when the run found it free
        (and has not given it out since), else asked for."""
        slug = workflow.unique_slug(title, free=self._free_slugs)
        self._free_slugs.discard(slug)
        return slug

    def categories(self, names: Sequence[str]) -> list[Category]:
        """The categories `names`, creating the ones the run found missing."""
        found = []
        for name in map(nfc, names):
            if name.lower() not in self._categories:
                self._categories[name.lower()] = Category.objects.create(name=name)
            found.append(self._categories[name.lower()])
        return found

    def authors(self, names: Sequence[str]) -> list[Author]:
        """The authors `names`, in order, creating the missing ones."""
        found: dict[int, Author] = {}
        for name in names:
            slug = unicode_slug(name, max_length=100)
            if slug not in self._authors:
                self._authors[slug] = Author.objects.create(name=name, slug=slug)
            author = self._authors[slug]
            found.setdefault(author.pk, author)  # "이 영희" and "이-영희" share a slug
        return list(found.values())


def _free_slugs(documents, articles, chunk: int = 500) -> set[str]:
    """The slug bases of the run's new documents that no article uses, now or as
    an old address (`workflow.unique_slug`'s test, for all of them at once)."""
    bases = list(
        dict.fromkeys(
            workflow.slug_base(document.slug or document.title)
            for document in documents
            if document.key not in articles
        )
    )
    free = set(bases)
    for start in range(0, len(bases), chunk):
        part = bases[start : start + chunk]
        used = Article.objects.filter(slug__in=part)
        free -= set(used.values_list("slug", flat=True))
        free -= set(
            SlugRedirect.objects.filter(old_slug__in=part).values_list(
                "old_slug", flat=True
            )
        )
    return free


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
    # once for the save and again for its categories. Its stored fragments are
    # left to the task worker, queued once the run commits (pages render them
    # per request until then). Each save's category rows, byline, audit entries
    # and revision are written with those of the documents around it, one
    # insert per table every GATHER_EVERY documents (workflow.gathered). The
    # bodies are rendered alongside, by a small pool (articles/prerendering.py).
    with (
        prerendering.ahead((d.body, d.body_format) for d in documents),
        workflow.batch("import"),
        indexing.deferred(),
        fragments.queued(),
        workflow.gathered() as gathering,
    ):
        known = _Known.of(documents)
        gathered: dict[int, Document] = {}
        for done, document in enumerate(documents, start=1):
            warnings: list[str] = []
            article, created, reason = import_document(
                document,
                now=now,
                overwrite_edits=overwrite_edits,
                warnings=warnings,
                copied=copied,
                known=known,
            )
            if reason:
                result.skipped.append((document, article, reason))
                continue
            gathered[article.pk] = document
            if len(gathering) >= workflow.GATHER_EVERY:
                _flush(gathering, gathered)
            (result.created if created else result.updated).append(article)
            if warnings:
                result.warnings.append((document.path, "; ".join(warnings)))
            if progress:
                progress(done, len(documents), article, created)
        _flush(gathering, gathered)
    return result


def _flush(gathering: "workflow.Gathering", documents: dict[int, Document]) -> None:
    """Write the gathered rows; a refused one names its document."""
    try:
        gathering.flush()
    except workflow.GatheredWriteFailed as failed:
        raise not_written(documents[failed.article.pk], failed.error) from failed
    documents.clear()


def import_paths(
    paths: Iterable[str | Path], *, site: assets.OldSite | None = None, **kwargs
) -> ImportResult:
    """Read every document under `paths`, then import them all or none."""
    return import_documents(read_documents(paths, site=site), **kwargs)
