"""Small builders for test data: `make_article(**overrides)`."""

from datetime import timedelta
from io import BytesIO
from itertools import count
from pathlib import Path

import yaml
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from articles import fragments
from articles.models import Article, Author, Byline, Image

_sequence = count(1)


def make_article(*, categories=(), authors=(), **overrides) -> Article:
    """A published Korean article, live since an hour ago, unless overridden."""
    n = next(_sequence)
    fields = {
        "title": f"서울시 예산안 발표 {n}",
        "excerpt": "서울시는 내년도 예산안을 발표했다.",
        "body": "<p>서울시는 내년도 예산안을 발표했다. 방북 소식도 있었다.</p>",
        "body_format": "html",
        "status": Article.Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=1),
    }
    fields.update(overrides)
    article = Article.objects.create(**fields)
    if categories:
        article.categories.add(*categories)
    for position, author in enumerate(authors):
        Byline.objects.create(article=article, author=author, position=position)
    return article


def update_article(article: Article, **fields) -> None:
    """Write `fields` straight to the row (a state no action makes directly, such
    as a public change at a given time), then rebuild its stored fragments as
    every save does: an UPDATE sends no signal."""
    Article.objects.filter(pk=article.pk).update(**fields)
    fragments.refresh([article.pk])


def make_author(name="김기자", **overrides) -> Author:
    return Author.objects.create(name=name, **overrides)


SEED_SOURCE = "source/000_11b916df22095a78.txt"


def make_seed_like_article(**overrides) -> Article:
    """The seed document as a live article: its excerpt equals its feature text and
    its body opens with the featured image."""
    text = (Path(settings.FIXTURE_DIRS[0]) / SEED_SOURCE).read_text(encoding="utf-8")
    _, front, body = text.split("---", 2)
    meta = yaml.safe_load(front)
    fields = {
        "title": meta["title"],
        "excerpt": meta["excerpt"].strip(),
        "feature_text": meta["feature_text"].strip(),
        "image_url": meta["image"],
        "body": body.strip(),
        "body_format": "html",
    }
    fields.update(overrides)
    return make_article(categories=meta["categories"], **fields)


def _tiny_png() -> bytes:
    from PIL import Image as Picture

    buffer = BytesIO()
    Picture.new("RGB", (8, 6), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


TINY_PNG = _tiny_png()


def uploaded(name: str, content: bytes, *args, **texts) -> Image:
    """A new (unsaved) image record for an upload: SaveArticle stores it."""
    return Image(file=SimpleUploadedFile(name, content, *args), **texts)


def stored_image(name: str, content: bytes, **texts) -> Image:
    """An image record saved at once, its file among the originals."""
    image = Image(**texts)
    image.file.save(name, ContentFile(content), save=False)
    image.save()
    return image
