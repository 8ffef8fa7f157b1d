"""Keep each article's SearchEntry in step with the article and its categories.

An entry is derived data, so it is rebuilt from the article on every change that
can alter it: an article save (raw saves from ``loaddata`` included), a category
added to or removed from an article, a category renamed, an article deleted.
``rebuild()`` (and ``manage.py rebuild_search_index``) rewrites every entry, for
rows written without signals (``bulk_create``, ``update()``, data migrations).

Each change builds an entry once:

- a save that writes none of INDEXED_FIELDS (a status change) builds nothing;
- one ``article.categories.set/add/remove/clear`` builds the entry once,
  however many categories it touches (taggit's m2m_changed, not one build per
  through row);
- inside ``with deferred():`` nothing is built until the block ends, then each
  touched article once, in batches: an action that saves an article and then
  its categories, an import, and ``loaddata`` (articles' own ``loaddata``
  command wraps Django's) build one entry per article whatever they touched.

What is indexed, in compact form (``search.analysis.compact``): the title; the
excerpt, the feature text (once when it equals the excerpt) and the category
names; the body, as the text of the sanitised body HTML; the initial consonants
of the title and category names. Nothing is cut short, so every article holding
a phrase is found (bodies are bounded by ``articles.limits``). The backend
(``search.backends``) stores the entry and its terms.
"""

import threading
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

from articles import prerendering
from articles.deferral import Deferral
from articles.models import Article, CategorizedArticle, Category

from . import analysis
from .backends import IndexedArticle, backend_for
from .models import SearchEntry, SearchTerms

# An article save that touches none of these (a status change, say) leaves the
# entry as it is.
INDEXED_FIELDS = frozenset(
    {"title", "excerpt", "feature_text", "body", "body_format", "body_html"}
)
SEP = analysis.FIELD_SEPARATOR


def summary_texts(article: Article, category_names: Iterable[str]) -> list[str]:
    texts = [article.excerpt]
    if article.feature_text.strip() != article.excerpt.strip():
        texts.append(article.feature_text)
    return [*texts, *category_names]


def analyse_article(article: Article, category_names: Iterable[str]) -> IndexedArticle:
    """The article's entry: compact texts, fields apart, and their terms."""
    names = list(category_names)
    title = analysis.compact(article.title)
    summary = SEP.join(analysis.compact(t) for t in summary_texts(article, names))
    initials = " ".join(analysis.initials(text) for text in [article.title, *names])
    if pooled := prerendering.body_analysis(article.body_html):  # a bulk load's
        body, body_grams = pooled[0], pooled[1].split()
        terms = analysis.terms(SEP.join([title, summary, initials]), also=body_grams)
    else:
        body = analysis.body_compact(article.body_html)
        terms = analysis.terms(SEP.join([title, summary, body, initials]))
    return IndexedArticle(
        article_id=article.pk,
        publish_at=article.publish_at,
        title=title,
        summary=summary,
        document=f"{SEP}{SEP.join([title, summary, body, initials])}{SEP}",
        terms=frozenset(terms),
    )


def category_names(article: Article, using: str) -> list[str]:
    if "categories" in getattr(article, "_prefetched_objects_cache", {}):
        return [category.name for category in article.categories.all()]
    return list(
        Category.objects.using(using)
        .filter(categorized_articles__content_object_id=article.pk)
        .order_by("name")
        .values_list("name", flat=True)
    )


def entry_for(article: Article, using: str) -> IndexedArticle:
    return analyse_article(article, category_names(article, using))


def index_article(article: Article, *, using: str = "default") -> None:
    """Write the article's entry, creating it when missing."""
    backend_for(using).write([entry_for(article, using)])


def reindex(articles: QuerySet, *, using: str = "default", batch_size=500) -> int:
    """Rewrite the entries of `articles` in batches; return how many."""
    written = 0
    for batch in batches(articles, using=using, batch_size=batch_size):
        written += len(batch)
    return written


def batches(articles: QuerySet, *, using: str, batch_size: int = 500):
    """Write `articles`' entries batch by batch, yielding each written batch."""
    backend = backend_for(using)
    for batch in entry_batches(articles, using=using, batch_size=batch_size):
        if len(batch) == 1:
            backend.write(batch)
        else:
            # One transaction per batch: autocommit would flush every row.
            with transaction.atomic(using=using):
                backend.write(batch)
        yield batch


def rebuild(*, using: str = "default", batch_size: int = 500) -> int:
    """Rewrite the entry of every article, in place."""
    return reindex(Article.objects.all(), using=using, batch_size=batch_size)


def rebuild_in_shadow(*, using="default", batch_size=500, progress=None) -> int:
    """Build every entry into shadow tables, then swap them in in one transaction.

    Until the swap commits, readers search the old index. Articles saved during
    the build (their own signals already updated the old index) are indexed
    again inside the swap, so the new index misses no change made meanwhile;
    `progress(done, total)` is called after every batch.
    """
    backend = backend_for(using)
    articles = Article.objects.using(using)
    total = articles.count()
    started = timezone.now()
    backend.start_shadow()
    done = 0
    for batch in entry_batches(articles.all(), using=using, batch_size=batch_size):
        # One transaction per batch: row by row, autocommit would flush each.
        with transaction.atomic(using=using):
            backend.write_shadow(batch)
        done += len(batch)
        if progress:
            progress(done, total)
    backend.finish_shadow()
    with transaction.atomic(using=using):
        backend.swap_shadow()
        changed = articles.filter(updated_at__gte=started)
        reindex(changed, using=using, batch_size=batch_size)
    return done


def entry_batches(articles: QuerySet, *, using: str, batch_size: int = 500):
    """The entries of `articles`, computed batch by batch, written nowhere."""
    batch: list[IndexedArticle] = []
    articles = articles.using(using).order_by("pk").prefetch_related("categories")
    for article in articles.iterator(chunk_size=batch_size):
        batch.append(entry_for(article, using))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _is_article_deletion(origin) -> bool:
    if isinstance(origin, QuerySet):
        return issubclass(origin.model, Article)
    return isinstance(origin, Article)


_local = threading.local()
DEFERRED_CHUNK = 500


def _reindex_deferred(pks: list[int], using: str) -> None:
    # A bulk load's many entries: the backend may build its index once, after.
    with backend_for(using).writing_many(len(pks)):
        for start in range(0, len(pks), DEFERRED_CHUNK):
            chunk = pks[start : start + DEFERRED_CHUNK]
            reindex(Article.objects.filter(pk__in=chunk), using=using)


# Build each entry the block touches once, when it ends.
deferred = Deferral(_reindex_deferred)


def _defer(article_pk, using: str) -> bool:
    """Note the article for the enclosing deferred() block; False if none."""
    return deferred.add([article_pk], using)


def _in_taggit_change(article_pk, using: str) -> bool:
    return (using, article_pk) in getattr(_local, "changing", set())


def article_saved(sender, instance, using, update_fields=None, **kwargs):
    if update_fields is not None and not INDEXED_FIELDS.intersection(update_fields):
        # The index orders candidates by the publish time it keeps (PostgreSQL).
        if "publish_at" in update_fields:
            backend_for(using).set_publish_at(instance.pk, instance.publish_at)
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
    if article is None:
        return
    entry = entry_for(article, using)
    instance.title, instance.summary = entry.title, entry.summary
    instance.document = entry.document
    # The backend's own write below stores the terms (after this raw save).
    instance._search_entry = entry


def entry_saved(sender, instance, raw, using, **kwargs):
    entry = getattr(instance, "_search_entry", None)
    if raw and entry is not None:
        backend_for(using).write([entry])


def terms_loaded(sender, instance, raw, using, **kwargs):
    """A fixture's index terms are not trusted either: write the article's own."""
    if not raw:
        return
    article = Article.objects.using(using).filter(pk=instance.article_id).first()
    if article is not None:
        backend_for(using).write([entry_for(article, using)])


def article_deleted(sender, instance, using, **kwargs):
    backend_for(using).remove([instance.pk])


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
    post_save.connect(entry_saved, sender=SearchEntry, dispatch_uid="search.loaded")
    post_save.connect(
        terms_loaded, sender=SearchTerms, dispatch_uid="search.terms_loaded"
    )
    post_delete.connect(
        article_deleted, sender=Article, dispatch_uid="search.article_deleted"
    )
