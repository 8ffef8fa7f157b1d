"""Articles back to front-matter documents that import_posts reads again."""

from collections.abc import Iterable
from pathlib import Path

import yaml
from django.utils import timezone

from .. import rendering
from ..models import Article
from . import assets
from .documents import (
    DOCUMENT_SUFFIXES,
    MODELLED_KEYS,
    ORIGINAL_KEY,
    TEXT_KEYS,
    detect_format,
)


def export_document(article: Article) -> str:
    """The article as a front-matter document: import it again to get it back.

    The `image` value and body image paths are written as the imported document
    had them (a site path stays a site path), unless an editor has changed the
    image since.
    """
    front_matter = article.front_matter
    front_matter = front_matter if isinstance(front_matter, dict) else {}
    original = front_matter.get(ORIGINAL_KEY)
    original = original if isinstance(original, dict) else {}
    data: dict = {"title": article.title}
    categories = [category.name for category in article.categories.all()]
    if categories:
        data["categories"] = categories
    image = article.image_url
    current = article.image.file.name if article.image else article.image_url
    if isinstance(original.get("image"), str) and original.get("image_as") == current:
        image = original["image"]
    for name in ("excerpt", "feature_text", "image", *TEXT_KEYS[3:]):
        value = image if name == "image" else getattr(article, name)
        if value:
            data[name] = value
    authors = [author.name for author in article.ordered_authors()]
    if len(authors) == 1:
        data["author"] = authors[0]
    elif authors:
        data["authors"] = authors
    if article.publish_at:
        data["date"] = timezone.localtime(article.publish_at)
    data["published"] = article.status == Article.Status.PUBLISHED
    if not _keyed_by_file_name(article):
        data["id"] = article.document_key
    data["slug"] = article.slug
    # An editor may have typed a modelled key in there; the fields win.
    for key, value in front_matter.items():
        if key not in MODELLED_KEYS and key != ORIGINAL_KEY:
            data.setdefault(key, value)
    body = article.body
    if isinstance(original.get("body_images"), list):
        body = assets.restore_body(
            body, article.body_format, [tuple(p) for p in original["body_images"]]
        )
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100_000)
    return f"---\n{text}---\n{body}"


def export_file_name(article: Article, taken: set[str]) -> str:
    """Keep the document's file name when that is its identity; else slug + suffix."""
    if _keyed_by_file_name(article):
        return article.document_key
    suffix = ".md" if article.body_format == rendering.MARKDOWN else ".html"
    name, n = f"{article.slug}{suffix}", 1
    while name.casefold() in taken:
        n += 1
        name = f"{article.slug}-{n}{suffix}"
    return name


def export_articles(articles: Iterable[Article], outdir: Path) -> list[Path]:
    """Write each article as a document into `outdir`; return the files written."""
    outdir.mkdir(parents=True, exist_ok=True)
    articles = list(articles)
    # File-name identities first, so a slug-named file never takes their place.
    articles.sort(key=lambda article: not _keyed_by_file_name(article))
    taken: set[str] = set()
    written = []
    for article in articles:
        name = export_file_name(article, taken)
        taken.add(name.casefold())
        path = outdir / name
        path.write_text(export_document(article), encoding="utf-8", newline="")
        written.append(path)
    return written


def _keyed_by_file_name(article: Article) -> bool:
    """Would a file named after the key, found in a folder, import as this article?"""
    key = article.document_key
    return (
        key not in {"", ".", ".."}
        and "/" not in key
        and "\\" not in key
        and not key.startswith(".")
        and Path(key).suffix.lower() in DOCUMENT_SUFFIXES
        and detect_format(key, article.body) == article.body_format
    )
