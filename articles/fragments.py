"""HTML fragments derived from one article, rendered when it changes, not per view.

A list page shows twenty cards and an article page its header, figure and
metadata; rendering them through the template engine on every request was most
of a page's cost. Each is rendered here, from the same templates, whenever
something it shows changes, and stored on the article row:

- card_html: the card in lists (articles/includes/article_card.html, heading
  h2; card() swaps in another heading level);
- lead_html: the front page's lead story (lead_story.html);
- page_meta_html: the article page's <meta> tags and JSON-LD (article_head.html);
- page_header_html: the article page's header and figure (article_header.html);
- corrections_html: the corrections, updates and remedies under the article
  (corrections.html), empty for most articles.

They are marked safe on the way out only because they were built here by
Django's autoescaping templates from the article's fields (and the sanitised
body is not among them): a stored fragment is never typed in or loaded raw.

When it is refreshed: every save of an article that writes a field a fragment
shows (FRAGMENT_SOURCES), a change of its categories or bylines, a rename of
one of its categories or authors (all their articles), a correction added, and
renditions made by the task worker. Inside a workflow action (deferred()) each
article is rendered once, when the block ends, still in its transaction. A bulk
load (loaddata, an import run: queued()) renders none: it marks the articles it
touched as not stored and, once it commits, queues one task for the worker
(articles/tasks.py) that stores them, so a load of thousands of articles does
not wait for their cards. Until the worker has run, their pages render the
fragments per request, as for any row whose key is not current.

Never stale: each row also stores `fragments_key`, the fingerprint of what the
fragments depend on beyond the article (the templates' source, the site's URL,
name, publisher logo, static and media URLs, time zone). A row whose key is not
the current one (an older deploy, other settings, or a row written by an
UPDATE that bypassed all this) is rendered per request from its fields, as
before, until `manage.py refresh_fragments` stores it again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable
from functools import cache, partial
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.template import engines
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe

from .deferral import Deferral
from .text import CHARACTERS_PER_MINUTE

logger = logging.getLogger(__name__)

# Bump when Python code (not a template) changes what a fragment shows.
VERSION = "2"

FRAGMENTS = {
    "card_html": "articles/includes/article_card.html",
    "lead_html": "articles/includes/lead_story.html",
    "page_meta_html": "articles/includes/article_head.html",
    "page_header_html": "articles/includes/article_header.html",
    "corrections_html": "articles/includes/corrections.html",
}
# Every template the fragments are made of: a change to any changes the key.
TEMPLATES = (
    *FRAGMENTS.values(),
    "articles/includes/picture.html",
    "articles/includes/category_links.html",
    "articles/includes/byline.html",
    "articles/includes/article_meta.html",
)
# The article's own fields the fragments show.
FRAGMENT_SOURCES = frozenset(
    {
        "title",
        "slug",
        "excerpt",
        "feature_text",
        "image",
        "image_url",
        "image_url_alt",
        "image_url_caption",
        "image_url_credit",
        "publish_at",
        "last_public_change_at",
        "reading_minutes",
    }
)
CARD_HEADING = "h2"
DEFERRED_CHUNK = 500
# Articles the worker renders per transaction: their rows stay locked (on
# SQLite, every write waits) while it does, so not too many.
WORKER_CHUNK = 100


@cache
def current_key() -> str:
    """The fingerprint of everything but the article that the fragments show."""
    from . import seo

    parts = [
        VERSION,
        settings.NEWSROOM_SITE_URL,
        settings.NEWSROOM_SITE_NAME,
        settings.NEWSROOM_PUBLISHER_NAME,
        _static_or_name(settings.NEWSROOM_PUBLISHER_LOGO),
        _static_or_name("img/picture-pending.svg"),
        settings.STATIC_URL,
        settings.MEDIA_URL,
        settings.TIME_ZONE,
        str(settings.FORCE_SCRIPT_NAME),
        Path(seo.__file__).read_text(encoding="utf-8"),
    ]
    engine = engines["django"]
    parts += [engine.get_template(name).template.source for name in TEMPLATES]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _static_or_name(name: str) -> str:
    """A static file's URL (hashed in production), or its name when the
    manifest lacks it: the page then fails as it did before, not the key."""
    if name.startswith(("http://", "https://")):
        return name
    try:
        return static(name)
    except ValueError:
        return name


def _forget_key(**kwargs) -> None:
    current_key.cache_clear()


def render(article, name: str) -> SafeString:
    """Render one fragment of `article` (its categories and bylines prefetched,
    or they cost a query each)."""
    return render_to_string(
        FRAGMENTS[name],
        {
            "article": article,
            "heading": CARD_HEADING,
            "characters_per_minute": CHARACTERS_PER_MINUTE,
        },
    )


def is_current(article) -> bool:
    return article.fragments_key == current_key()


def current_or_read_again(article):
    """`article` when its stored fragments are current, else the article read
    again in full with its categories and bylines (one query), so render()
    finds every column and relation it shows without a query of its own."""
    if is_current(article):
        return article
    from .models import Article

    return Article.objects.for_listing().get(pk=article.pk)


def fragment(article, name: str, *, live: bool = False) -> SafeString:
    """The stored fragment when it is current, else rendered now; `live` (a
    preview of unsaved or unpublished state) always renders now."""
    if not live and is_current(article):
        # Built by autoescaping templates at save time (see the module doc).
        return mark_safe(getattr(article, name))
    return render(article, name)


def retitled(card: str, heading: str) -> str:
    """A stored card with its title under `heading` instead of h2. The title and
    every other text in the card are escaped, so the only "<h2" and "</h2>" are
    the title's own."""
    if heading == CARD_HEADING:
        return card
    return card.replace(
        f'<{CARD_HEADING} class="card__title">', f'<{heading} class="card__title">', 1
    ).replace(f"</{CARD_HEADING}>", f"</{heading}>", 1)


_TITLE_LINK = f'<{CARD_HEADING} class="card__title"><a href="'
_TITLE_END = f"</a></{CARD_HEADING}>"
_SUMMARY = '<p class="card__summary">'


def with_texts(card: str, title: SafeString, summary: SafeString) -> SafeString:
    """A stored card (heading h2) with the text of its title link and its
    summary paragraph replaced by `title` and `summary`, both HTML already
    escaped (search marks its matches in them); an empty `summary` leaves no
    paragraph. As for retitled(): every text in the card is escaped, so the
    title link, its end and the summary paragraph found here are the
    template's own."""
    link = card.index(_TITLE_LINK)
    text = card.index('">', link + len(_TITLE_LINK)) + 2
    end = card.index(_TITLE_END, text)
    after = end + len(_TITLE_END)
    rest = card[after:]
    if (start := rest.find(_SUMMARY)) != -1:
        rest = rest[rest.index("</p>", start) + 4 :]
    paragraph = ""
    if summary:
        paragraph = f'\n    <p class="card__summary search__snippet">{summary}</p>'

    # `title` and `summary` are escaped by their caller; the card is stored.
    return mark_safe(f"{card[:text]}{title}{_TITLE_END}{paragraph}{rest}")


def stored_or_rendered(articles: Iterable, name: str = "card_html") -> dict:
    """Each article's stored fragment `name` by pk; stale rows are fetched
    again with their categories and bylines in one query and rendered now,
    and rows deleted since the list was read are left out.

    `articles` need only `pk`, `fragments_key` and the fragment: model
    instances, or the plain rows of a PreparedQuery.
    """
    from .models import Article

    articles = list(articles)
    key = current_key()
    stale = [article.pk for article in articles if article.fragments_key != key]
    fresh = {}
    if stale:
        fresh = {a.pk: a for a in Article.objects.filter(pk__in=stale).for_cards()}
    found = {}
    for article in articles:
        if article.fragments_key == key:
            found[article.pk] = getattr(article, name)
        elif article.pk in fresh:
            found[article.pk] = str(render(fresh[article.pk], name))
    return found


def cards(articles: Iterable, *, name: str = "card_html", heading: str = "h2") -> list:
    """Each article's stored card (or lead), in order (see stored_or_rendered)."""
    articles = list(articles)
    found = stored_or_rendered(articles, name)
    return [
        mark_safe(retitled(html, heading) if name == "card_html" else html)
        for html in (found.get(article.pk) for article in articles)
        if html is not None
    ]


def refresh(pks: Iterable[int], *, using: str = "default") -> int:
    """Render and store the fragments of the articles `pks`; returns how many.

    Written with UPDATE: no save signals, no version or updated_at change.
    """
    from .models import Article

    pks = sorted(set(pks))
    key = current_key()
    done = 0
    failed: list[tuple[int, Exception]] = []
    for start in range(0, len(pks), DEFERRED_CHUNK):
        chunk = pks[start : start + DEFERRED_CHUNK]
        articles = list(
            Article.objects.using(using)
            .filter(pk__in=chunk)
            .for_listing()
            .prefetch_related("corrections")
        )
        for article in articles:
            try:
                for name in FRAGMENTS:
                    setattr(article, name, str(render(article, name)))
                article.fragments_key = key
            except Exception as error:
                # A save never fails on its cards (a static manifest not yet
                # collected, say): the page renders them per request instead.
                failed.append((article.pk, error))
                article.fragments_key = ""
        Article.objects.using(using).bulk_update(
            articles, [*FRAGMENTS, "fragments_key"], batch_size=100
        )
        done += len(articles)
    if failed:
        pk, error = failed[0]
        logger.warning(
            "Could not render the stored fragments of %d article(s), first %s: "
            "%r; their pages render them per request until refresh_fragments.",
            len(failed),
            pk,
            error,
        )
    if done:
        # The site lists keep copies of cards (the related articles' rows,
        # the front page's sections): stale ones would be rendered again on
        # every page until the lists next change.
        from . import sitecache

        sitecache.invalidate_site_lists()
    return done


def refresh_locked(
    pks: Iterable[int], *, stale_only: bool = True, using: str = "default"
) -> int:
    """Render and store the fragments of `pks` (with `stale_only`, those whose
    key is not the current one); returns how many. The worker's half of
    queued(), and `manage.py refresh_fragments`, which runs beside the site.

    Each chunk is rendered with its rows locked, so a save made meanwhile
    (which stores its own fragments) is never overwritten by older ones.
    """
    from .models import Article

    pks = sorted(set(pks))
    key = current_key()
    done = 0
    for start in range(0, len(pks), WORKER_CHUNK):
        chunk = pks[start : start + WORKER_CHUNK]
        with transaction.atomic(using=using):
            rows = (
                Article.objects.using(using)
                .select_for_update(of=("self",))
                .filter(pk__in=chunk)
            )
            if stale_only:
                rows = rows.exclude(fragments_key=key)
            locked = list(rows.values_list("pk", flat=True))
            if locked:
                done += refresh(locked, using=using)
    return done


_local = threading.local()


def _refresh_deferred(pks: list[int], using: str) -> None:
    refresh(pks, using=using)


def _queue_deferred(pks: list[int], using: str) -> None:
    """Mark the articles' fragments as not stored; have the worker store them."""
    from .models import Article

    for start in range(0, len(pks), DEFERRED_CHUNK):
        chunk = pks[start : start + DEFERRED_CHUNK]
        # An UPDATE, no signals. Rows a raw save wrote have "" already.
        Article.objects.using(using).filter(pk__in=chunk).exclude(
            fragments_key=""
        ).update(fragments_key="")
    transaction.on_commit(partial(_enqueue, pks, using), using=using)


def _enqueue(pks: list[int], using: str) -> None:
    from .tasks import refresh_fragments

    try:
        refresh_fragments.enqueue(pks, using=using)
    except Exception:
        # The load has committed and its pages are correct, only slower:
        # `manage.py refresh_fragments --stale` catches up.
        logger.exception("Could not queue the fragments of %d article(s)", len(pks))


# Render each article the block touches once, when it ends.
deferred = Deferral(_refresh_deferred)


def queued():
    """A bulk load's block: the articles it touches are rendered by the task
    worker after it commits, not in it (re-entrant; inside an enclosing
    deferred() or queued() block, that block decides)."""
    return deferred(flush=_queue_deferred)


def touched(pks: Iterable[int], using: str = "default") -> None:
    """Refresh these articles now, or at the end of the enclosing deferred()."""
    pks = [pk for pk in pks if pk is not None]
    if pks and not deferred.add(pks, using):
        refresh(pks, using=using)


def _is_article_deletion(origin) -> bool:
    from .models import Article

    if isinstance(origin, QuerySet):
        return issubclass(origin.model, Article)
    return isinstance(origin, Article)


def _changing() -> set:
    changing = getattr(_local, "changing", None)
    if changing is None:
        _local.changing = changing = set()
    return changing


def article_saved(sender, instance, using, update_fields=None, **kwargs):
    if update_fields is not None and not FRAGMENT_SOURCES.intersection(update_fields):
        return
    touched([instance.pk], using)


def row_changed(sender, instance, using, origin=None, **kwargs):
    """A category or byline row of an article was added, moved or removed."""
    if _is_article_deletion(origin):
        return
    pk = getattr(instance, "content_object_id", None) or instance.article_id
    # Inside article.categories.add/remove/clear: m2m_changed refreshes once.
    if (using, pk) in _changing():
        return
    touched([pk], using)


def categories_changed(sender, instance, action, reverse, pk_set, using, **kwargs):
    from .models import Article

    if reverse or not isinstance(instance, Article):
        return
    key = (using, instance.pk)
    if action.startswith("pre_"):
        _changing().add(key)
        return
    _changing().discard(key)
    if action != "post_clear" and not pk_set:
        return
    touched([instance.pk], using)


def correction_saved(sender, instance, using, **kwargs):
    touched([instance.article_id], using)


def category_saved(sender, instance, created, using, **kwargs):
    """A renamed category (or a new slug) shows on every card of its articles."""
    from .models import CategorizedArticle

    if created:
        return
    touched(
        CategorizedArticle.objects.using(using)
        .filter(tag=instance)
        .values_list("content_object_id", flat=True),
        using,
    )


def author_saved(sender, instance, created, using, **kwargs):
    from .models import Byline

    if created:
        return
    touched(
        Byline.objects.using(using)
        .filter(author=instance)
        .values_list("article_id", flat=True),
        using,
    )


def connect() -> None:
    from .models import (
        Article,
        Author,
        Byline,
        CategorizedArticle,
        Category,
        Correction,
    )

    uid = "fragments"
    post_save.connect(article_saved, sender=Article, dispatch_uid=uid)
    for model in (CategorizedArticle, Byline):
        post_save.connect(row_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(row_changed, sender=model, dispatch_uid=uid)
    m2m_changed.connect(categories_changed, sender=CategorizedArticle, dispatch_uid=uid)
    for signal in (post_save, post_delete):
        signal.connect(correction_saved, sender=Correction, dispatch_uid=uid)
    post_save.connect(category_saved, sender=Category, dispatch_uid=uid)
    post_save.connect(author_saved, sender=Author, dispatch_uid=uid)
    setting_changed.connect(_forget_key, dispatch_uid=uid)
