"""Create or update articles from checked documents, all in one transaction."""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from ..models import Article, Author, Byline
from ..text import unicode_slug
from .documents import TEXT_KEYS, Document, read_documents


@dataclass
class ImportResult:
    created: list[Article] = field(default_factory=list)
    updated: list[Article] = field(default_factory=list)


def set_status(article: Article, *, published: bool) -> None:
    """Set the imported article's status.

    The only status assignment in this module, so it can be pointed at the
    publishing workflow when that arrives.
    """
    article.status = Article.Status.PUBLISHED if published else Article.Status.DRAFT


def unique_slug(base: str) -> str:
    """`base`, or `base-2`, `base-3` ... whichever no article uses yet."""
    slug, n = base, 1
    while Article.objects.filter(slug=slug).exists():
        n += 1
        suffix = f"-{n}"
        slug = base[: 200 - len(suffix)].rstrip("-") + suffix
    return slug


def import_document(document: Document, *, now: dt.datetime) -> tuple[Article, bool]:
    """Create or update the article for `document`; True when it was created."""
    article = Article.objects.filter(document_key=document.key).first()
    created = article is None
    if created:
        article = Article(document_key=document.key)
        base = document.slug or unicode_slug(document.title)
        article.slug = unique_slug(base or unicode_slug(document.key) or "article")
    for name in TEXT_KEYS:
        setattr(article, name, getattr(document, name))
    article.body = document.body
    article.body_format = document.body_format
    article.image_url = document.image_url
    article.front_matter = document.extra
    if article.publish_at is None:
        article.publish_at = document.publish_at or now
    set_status(article, published=document.published)
    article.save()
    article.categories.set(list(document.categories))
    _set_bylines(article, document.authors)
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
    for done, document in enumerate(documents, start=1):
        article, created = import_document(document, now=now)
        (result.created if created else result.updated).append(article)
        if progress:
            progress(done, len(documents), article, created)
    return result


def import_paths(paths: Iterable[str | Path], **kwargs) -> ImportResult:
    """Read every document under `paths`, then import them all or none."""
    return import_documents(read_documents(paths), **kwargs)
