"""Small builders for test data: `make_article(**overrides)`."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from articles.models import Article, Author, Byline

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


def make_author(name="김기자", **overrides) -> Author:
    return Author.objects.create(name=name, **overrides)
