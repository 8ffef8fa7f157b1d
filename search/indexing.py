"""Keep each article's SearchEntry in step with the article and its categories.

An entry is derived data, so it is rebuilt from the article on every change that
can alter it: an article save (raw saves from ``loaddata`` included), a category
added to or removed from an article, a category renamed. ``rebuild()`` (and
``manage.py rebuild_search_index``) rewrites every entry, for rows that were
written without signals (``bulk_create``, ``update()``, data migrations).

Each change builds an entry once:

- a save that writes none of INDEXED_FIELDS (a status change) builds nothing;
- one ``article.categories.set/add/remove/clear`` builds the entry once,
  however many categories it touches (taggit's m2m_changed, not one build per
  through row);
- inside ``with deferred():`` nothing is built until the block ends, then each
  touched article once, in batches: an action that saves an article and then
  its categories, an import, and ``loaddata`` (articles' own ``loaddata``
  command wraps Django's) build one entry per article whatever they touched.

What is indexed, by PostgreSQL weight (``search.query`` ranks A above B above
the rest):

- A: the title;
- B: the excerpt, the feature text (once when it equals the excerpt) and the
  category names;
- C: the body, as the text of the sanitised body HTML;
- D: the initial consonants of the title and the category names, for 초성
  search (of a headline or a section half remembered; in longer text the
  initials would match almost anything).

Only the first MAX_SUMMARY_CHARS characters of the excerpt and the feature text
and the first MAX_BODY_CHARS of the body are indexed, which keeps every entry
under PostgreSQL's 1 MB tsvector limit (words past 16,383 terms could not take
part in phrase matches there anyway).

On PostgreSQL the entry holds tsvector literals built here, with exact term
positions: the sections follow each other (A, B, D, then C, so a long body is
the only thing that can reach PostgreSQL's last position, 16383) and every text
is followed by a gap of one position, so a phrase never spans two texts. The
`document` vector holds all four sections and is what the GIN index answers;
the `headline` vector holds A and B only and is what ranking reads. On other
databases the same terms are stored as strings, one column per weight, texts
separated by `` | `` for the same reason.
"""

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from html import unescape

from django.db import connections
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from articles.models import Article, CategorizedArticle, Category

from . import analysis
from .models import SearchEntry

# An article save that touches none of these (a status change, say) leaves the
# entry as it is.
INDEXED_FIELDS = frozenset(
    {"title", "excerpt", "feature_text", "body", "body_format", "body_html"}
)
TERM_COLUMNS = ("title_terms", "summary_terms", "body_terms", "initials_terms")
VECTOR_COLUMNS = ("document", "headline")
WRITTEN_COLUMNS = (*VECTOR_COLUMNS, *TERM_COLUMNS)

# PostgreSQL refuses a tsvector literal over 1 MB. With these caps even text in
# which nearly every bigram is new (about 16 bytes of literal each) stays well
# under it: (30,000 + 2 * 2,000) * 16 bytes, plus the initials' positions. They
# also leave the body at least 11,000 of PostgreSQL's 16,383 positions.
MAX_BODY_CHARS = 30_000
MAX_SUMMARY_CHARS = 2_000
# PostgreSQL keeps positions up to 16383 and at most 256 of them per lexeme.
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256
DOCUMENT_SECTIONS = "ABDC"
HEADLINE_SECTIONS = "AB"
SEGMENT_SEPARATOR = " | "

# Sanitised body HTML is well formed, so a pattern can take tags out quickly;
# block elements become a space so words on either side stay apart.
_TAG = re.compile(r"<(?:!--.*?--|/?([a-zA-Z][a-zA-Z0-9]*)[^>]*)>", re.DOTALL)
_BLOCK_ELEMENTS = frozenset(
    "p h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote figure figcaption table "
    "thead tbody tfoot tr td th caption br hr div pre img".split()
)


def _tag_replacement(match: re.Match) -> str:
    name = (match.group(1) or "").lower()
    return " " if name in _BLOCK_ELEMENTS else ""


Sections = dict[str, list[list[str]]]


def body_text(html: str) -> str:
    """The readable text of sanitised body HTML; block elements keep words apart."""
    return unescape(_TAG.sub(_tag_replacement, html or ""))


def analyse_article(article: Article, category_names: Iterable[str]) -> Sections:
    """The article's terms, by weight, one list per text."""
    summary = [article.excerpt[:MAX_SUMMARY_CHARS]]
    if article.feature_text.strip() != article.excerpt.strip():
        summary.append(article.feature_text[:MAX_SUMMARY_CHARS])
    names = list(category_names)
    summary.extend(names)
    return {
        "A": [analysis.terms(article.title)],
        "B": [analysis.terms(text) for text in summary],
        "C": [analysis.terms(body_text(article.body_html)[:MAX_BODY_CHARS])],
        "D": [analysis.initial_terms(text) for text in [article.title, *names]],
    }


def lexeme(term: str) -> str:
    """Quote a term for a PostgreSQL tsvector or tsquery literal."""
    if "'" in term or "\\" in term:
        term = term.replace("\\", "\\\\").replace("'", "''")
    return f"'{term}'"


def tsvector_literal(sections: Sections, weights: str = DOCUMENT_SECTIONS) -> str:
    """A tsvector literal of the given sections, in that order, with weights."""
    positions: dict[str, list[str]] = {}
    position = 1
    for weight in weights:
        for segment in sections[weight]:
            if not segment:
                continue
            for term in segment:
                seen = positions.get(term)
                if seen is None:
                    positions[term] = seen = []
                if len(seen) < MAX_POSITIONS_PER_LEXEME:
                    # Past the last position PostgreSQL keeps, the lexeme is
                    # still recorded once, at that position.
                    if position <= MAX_POSITION:
                        seen.append(f"{position}{weight}")
                    elif not seen or not seen[-1].startswith(str(MAX_POSITION)):
                        seen.append(f"{MAX_POSITION}{weight}")
                position += 1
            position += 1
    return " ".join(
        f"{lexeme(term)}:{','.join(seen)}" for term, seen in positions.items()
    )


def term_string(segments: list[list[str]]) -> str:
    """Terms as `` t1 t2 | t3 ``: a phrase is a substring with spaces around."""
    joined = SEGMENT_SEPARATOR.join(" ".join(seg) for seg in segments if seg)
    return f" {joined} " if joined else ""


def entry_values(sections: Sections, vendor: str) -> dict:
    if vendor == "postgresql":
        return {
            "document": tsvector_literal(sections),
            "headline": tsvector_literal(sections, HEADLINE_SECTIONS),
        } | dict.fromkeys(TERM_COLUMNS, "")
    return {
        "document": None,
        "headline": None,
        "title_terms": term_string(sections["A"]),
        "summary_terms": term_string(sections["B"]),
        "body_terms": term_string(sections["C"]),
        "initials_terms": term_string(sections["D"]),
    }


def category_names(article: Article, using: str) -> list[str]:
    if "categories" in getattr(article, "_prefetched_objects_cache", {}):
        return [category.name for category in article.categories.all()]
    return list(
        Category.objects.using(using)
        .filter(categorized_articles__content_object_id=article.pk)
        .order_by("name")
        .values_list("name", flat=True)
    )


def values_for(article: Article, using: str) -> dict:
    sections = analyse_article(article, category_names(article, using))
    return entry_values(sections, connections[using].vendor)


def index_article(article: Article, *, using: str = "default") -> None:
    """Write the article's entry, creating it when missing."""
    values = values_for(article, using)
    entries = SearchEntry.objects.using(using)
    if not entries.filter(pk=article.pk).update(**values):
        entries.create(article_id=article.pk, **values)


def reindex(articles: QuerySet, *, using: str = "default", batch_size=500) -> int:
    """Rewrite the entries of `articles` in batches; return how many."""
    written = 0
    batch: list[SearchEntry] = []
    articles = articles.using(using).order_by("pk").prefetch_related("categories")
    for article in articles.iterator(chunk_size=batch_size):
        batch.append(SearchEntry(article_id=article.pk, **values_for(article, using)))
        if len(batch) >= batch_size:
            written += _write(batch, using)
            batch = []
    if batch:
        written += _write(batch, using)
    return written


def _write(batch: list[SearchEntry], using: str) -> int:
    SearchEntry.objects.using(using).bulk_create(
        batch,
        update_conflicts=True,
        unique_fields=["article"],
        update_fields=list(WRITTEN_COLUMNS),
    )
    return len(batch)


def rebuild(*, using: str = "default", batch_size: int = 500) -> int:
    """Rewrite the entry of every article."""
    return reindex(Article.objects.all(), using=using, batch_size=batch_size)


def _is_article_deletion(origin) -> bool:
    if isinstance(origin, QuerySet):
        return issubclass(origin.model, Article)
    return isinstance(origin, Article)


_local = threading.local()


@contextmanager
def deferred() -> Iterator[None]:
    """Build each entry the block touches once, when it ends (re-entrant).

    If the block raises, nothing is built: its transaction is rolling back.
    """
    if getattr(_local, "pending", None) is not None:
        yield
        return
    _local.pending = pending = {}
    try:
        yield
    finally:
        _local.pending = None
    for using, pks in pending.items():
        ordered = sorted(pks)
        for start in range(0, len(ordered), DEFERRED_CHUNK):
            chunk = ordered[start : start + DEFERRED_CHUNK]
            reindex(Article.objects.filter(pk__in=chunk), using=using)


DEFERRED_CHUNK = 500


def _defer(article_pk, using: str) -> bool:
    """Note the article for the enclosing deferred() block; False if none."""
    pending = getattr(_local, "pending", None)
    if pending is None:
        return False
    pending.setdefault(using, set()).add(article_pk)
    return True


def _in_taggit_change(article_pk, using: str) -> bool:
    return (using, article_pk) in getattr(_local, "changing", set())


def article_saved(sender, instance, using, update_fields=None, **kwargs):
    if update_fields is not None and not INDEXED_FIELDS.intersection(update_fields):
        return
    if not _defer(instance.pk, using):
        index_article(instance, using=using)


def categorisation_changed(sender, instance, using, origin=None, **kwargs):
    # Deleting an article deletes its entry too: do not write it back.
    if _is_article_deletion(origin):
        return
    article_pk = instance.content_object_id
    # Inside article.categories.add/remove/clear: m2m_changed builds it once.
    if _in_taggit_change(article_pk, using) or _defer(article_pk, using):
        return
    reindex(Article.objects.filter(pk=article_pk), using=using)


def categories_changed(sender, instance, action, reverse, pk_set, using, **kwargs):
    """One build per taggit add/remove/clear, however many rows it wrote."""
    if reverse or not isinstance(instance, Article):
        return
    key = (using, instance.pk)
    changing = getattr(_local, "changing", None)
    if changing is None:
        _local.changing = changing = set()
    if action.startswith("pre_"):
        changing.add(key)
        return
    changing.discard(key)
    if action != "post_clear" and not pk_set:
        return  # add() of categories it already had, remove() of none
    if not _defer(instance.pk, using):
        reindex(Article.objects.filter(pk=instance.pk), using=using)


def category_saved(sender, instance, created, using, **kwargs):
    if created:
        return
    reindex(Article.objects.filter(categorized_items__tag=instance), using=using)


def entry_loaded(sender, instance, raw, using, **kwargs):
    """Never trust a fixture's entry: derive it from the article instead."""
    if not raw:
        return
    article = Article.objects.using(using).filter(pk=instance.article_id).first()
    if article is not None:
        for name, value in values_for(article, using).items():
            setattr(instance, name, value)


def connect_receivers() -> None:
    post_save.connect(article_saved, sender=Article, dispatch_uid="search.article")
    post_save.connect(
        categorisation_changed,
        sender=CategorizedArticle,
        dispatch_uid="search.categorised",
    )
    post_delete.connect(
        categorisation_changed,
        sender=CategorizedArticle,
        dispatch_uid="search.uncategorised",
    )
    m2m_changed.connect(
        categories_changed,
        sender=CategorizedArticle,
        dispatch_uid="search.categories_changed",
    )
    post_save.connect(category_saved, sender=Category, dispatch_uid="search.category")
    pre_save.connect(entry_loaded, sender=SearchEntry, dispatch_uid="search.entry")
