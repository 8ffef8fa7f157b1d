from django.db import models
from django.db.models import Lookup
from django.utils.translation import gettext_lazy as _

from articles.models import Article


class SearchTermsField(models.Field):
    """A PostgreSQL ``tsvector`` of index terms, written from a literal built in Python.

    On other databases the column exists so every backend shares one schema,
    but it stays NULL: SQLite keeps the terms in its FTS5 table instead.
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
    `document`; title and summary decide the ranking tier. `terms` holds the
    document's distinct unigrams and bigrams on PostgreSQL (GIN or RUM
    indexed), which pick the candidate rows the substring test then reads.
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
    terms = SearchTermsField(_("색인 낱말"), null=True, editable=False)

    class Meta:
        verbose_name = _("검색 색인 항목")
        verbose_name_plural = _("검색 색인 항목")

    def __str__(self):
        return str(self.article_id)


# Migration 0001 names the field by its old name.
SearchDocumentField = SearchTermsField
