from django.db import models
from django.db.models import Lookup
from django.utils.translation import gettext_lazy as _

from articles.models import Article


class SearchTermsField(models.Field):
    """A PostgreSQL ``tsvector`` of index terms, written from a literal built in Python.

    On other databases the column exists so every backend shares one schema,
    but its table stays empty: SQLite keeps the terms in its FTS5 table instead.
    """

    description = _("PostgreSQL tsvector")

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"

    def get_placeholder_sql(self, value, compiler, connection):
        if connection.vendor == "postgresql":
            return "%s::tsvector", [value]
        return "%s", [value]


@SearchTermsField.register_lookup
class Matches(Lookup):
    """``terms__matches=tsquery_literal``: PostgreSQL's ``@@``, index-answered."""

    lookup_name = "matches"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @@ ({rhs})::tsquery", [*lhs_params, *rhs_params]


class SearchEntry(models.Model):
    """What search reads for one article, derived from it and never edited.

    The three texts are compact forms (``search.analysis.compact``): `title`,
    `summary` (excerpt, feature text, category names) and `document` (all of
    them, the body and the initial consonants of title and categories, fields
    separated by ``|``). A phrase matches an article when it is a substring of
    `document`; title and summary decide the ranking tier. The index terms
    that pick the candidates live apart: SearchTerms on PostgreSQL, an FTS5
    table on SQLite.
    """

    article = models.OneToOneField(
        Article,
        verbose_name=_("기사"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_entry",
    )
    title = models.TextField(_("제목"), blank=True, editable=False)
    summary = models.TextField(_("요약·분류"), blank=True, editable=False)
    document = models.TextField(_("검색 문서"), blank=True, editable=False)

    class Meta:
        verbose_name = _("검색 색인 항목")
        verbose_name_plural = _("검색 색인 항목")

    def __str__(self):
        return str(self.article_id)


class SearchTerms(models.Model):
    """PostgreSQL: an article's index terms and publish time, and nothing else.

    The RUM or GIN index over `terms` picks candidates; the rows themselves are
    narrow (the tsvector lives out of line), so reading the candidates of a
    word found in a tenth of all articles, with their publish times to put
    them newest first, touches a few hundred pages, not the entries' megabytes
    of documents. `publish_at` mirrors the article's (search.indexing keeps it
    in step). Empty on SQLite, whose FTS5 table holds the terms.
    """

    article = models.OneToOneField(
        Article,
        verbose_name=_("기사"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_terms",
    )
    publish_at = models.DateTimeField(_("게재 시각"), null=True, editable=False)
    terms = SearchTermsField(_("색인 낱말"), editable=False)

    class Meta:
        verbose_name = _("검색 색인 낱말")
        verbose_name_plural = _("검색 색인 낱말")

    def __str__(self):
        return str(self.article_id)


# Migration 0001 names the field by its old name.
SearchDocumentField = SearchTermsField
