"""The cards of a results page: each article's stored card (``articles.fragments``)
with the query's words marked in its title and a snippet in place of its summary.

A card is stored when the article changes, so a results page renders no
template per result: it reads the card, marks the title and the snippet
(``search.highlight``: escaped, then marked) and puts them in. Only the
results shown are read and only their snippets made; the body's text is
extracted only for a result whose excerpt and feature text lack the words.
"""

from collections.abc import Iterable, Iterator

from django.utils.safestring import SafeString

from articles import fragments

from . import highlight
from .analysis import body_text

# What a result needs beyond its card: the title and the snippet's texts.
FIELDS = ("card_html", "title", "excerpt", "feature_text", "body_html")


def _snippet_texts(article) -> Iterator[str]:
    yield article.excerpt
    yield article.feature_text
    yield body_text(article.body_html)


def result_cards(articles: Iterable, forms: tuple[str, ...]) -> list[SafeString]:
    """The marked card of each of `articles` (read with FIELDS), in order."""
    articles = list(articles)
    stored = fragments.stored_or_rendered(articles)
    return [
        fragments.with_texts(
            stored[article.pk],
            highlight.highlight(article.title, forms),
            highlight.snippet(_snippet_texts(article), forms, article.summary),
        )
        for article in articles
        if article.pk in stored
    ]
