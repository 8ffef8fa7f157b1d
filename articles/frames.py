"""Public pages as their template's output with holes, filled per request.

At 5,000 articles an article page spent a third of its time in the template
engine (base.html, its blocks, tags and includes) to produce markup that is
the same on every request except in a few places: the title, the stored
header and metadata, the body, the corrections and the related articles. A
frame is the page's own template rendered once per process with a slot marker as
each of those context values, splits the output at the markers, and each
request then joins the pieces with its own values: what a compiling template
engine does, for templates whose layout does not depend on the values. The
templates stay the one source of the page; the values come from each
request's own queries, and nothing of an article is kept (the page cache is
the only thing that stores pages).

A frame is kept under the key of everything else it shows: the site's name,
the script prefix, and the shell's head, header and footer (articles/shell.py,
themselves keyed by what they show), so a renamed section, a new section or a
new year makes a new frame (articles/memo.py keeps them).

A marker cannot come from content: it holds a NUL and a random token of this
process, and only the frame's own rendering is split, never a filled page.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import fragments, memo, seo, shell
from .context_processors import site

_TOKEN = secrets.token_hex(8)
_MARKER = re.compile(f"\x00{_TOKEN}:([a-z_]+)\x00")


def marker(name: str) -> SafeString:
    return mark_safe(f"\x00{_TOKEN}:{name}\x00")


def fill(
    template_name: str,
    layout: tuple,
    context: Callable[[], dict],
    values: dict,
    *,
    current=None,
) -> SafeString:
    """`template_name` with `values`, each already escaped or safe, in its slots.

    The frame is rendered the first time from `context()` with a marker as
    each value. `layout` must hold everything in that context that the
    template's output depends on (what its {% if %}s test, the names it
    shows): it is the frame's key, with the shell (`current` is the section
    the header marks) and the site's name and script prefix.
    """
    key = (
        "frame",
        template_name,
        *layout,
        tuple(values),
        get_script_prefix(),
        settings.NEWSROOM_SITE_NAME,
        shell.head_links(),
        shell.header(current),
        shell.footer(),
    )

    def render() -> tuple[str, ...]:
        markers = {name: marker(name) for name in values}
        html = render_to_string(template_name, site(None) | context() | markers)
        pieces = tuple(_MARKER.split(html))
        if set(pieces[1::2]) != set(values):
            raise ValueError(
                f"{template_name} does not show every slot of its frame "
                f"{tuple(values)}: its layout depends on a value not in its key"
            )
        return pieces

    page = list(memo.kept(key, render))
    for position in range(1, len(page), 2):
        page[position] = values[page[position]]
    # The literal pieces come from autoescaping templates; the values are
    # escaped or sanitised by the caller.
    return mark_safe("".join(page))


def listing_meta(subject=None, *, page_number: int = 1) -> SafeString:
    """seo.listing_metadata() rendered (listing_meta.html), kept per subject
    and page: the key holds every field of the subject the metadata shows, so
    a renamed category makes a new one."""
    shown = subject
    if subject is not None and hasattr(subject, "_meta"):
        text = getattr(subject, "description", None) or getattr(subject, "bio", "")
        shown = (subject._meta.label, subject.pk, subject.name, subject.slug, text)
    return memo.kept(
        ("listing-meta", shown, page_number, get_script_prefix()),
        lambda: render_to_string(
            "articles/includes/listing_meta.html",
            {"meta": seo.listing_metadata(subject, page_number=page_number)},
        ),
    )


def card_items(cards) -> SafeString:
    """Stored cards (fragments.cards) as the list items of an article list."""
    return mark_safe("".join(f"<li>{card}</li>" for card in cards))


def article_parts(article, related: list, *, live: bool = False) -> dict:
    """What an article page shows of `article` and its `related` rows, each
    escaped or safe: stored fragments (rendered now when stale or `live`, a
    preview), the sanitised body, and the related articles' section."""
    related_html = ""
    if related:
        related_html = fill(
            "articles/includes/related_articles.html",
            (),
            dict,
            {"related_cards": card_items(fragments.cards(related, heading="h3"))},
        )
    return {
        "page_title": escape(article.title),
        "page_meta": fragments.fragment(article, "page_meta_html", live=live),
        "page_header": fragments.fragment(article, "page_header_html", live=live),
        # Sanitised when it was rendered from the source (articles/rendering.py).
        "body": mark_safe(article.body_html),
        "corrections": fragments.fragment(article, "corrections_html", live=live),
        "related": related_html,
    }
