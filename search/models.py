from django.db import models
from django.db.models import Lookup
from django.utils.translation import gettext_lazy as _

from articles.models import Article


class SearchDocumentField(models.Field):
    """A PostgreSQL ``tsvector`` written from a literal built in Python.

    On other databases the column exists so every backend shares one schema,
    but it stays NULL: the fallback reads the term columns instead. Values are
    tsvector literals (``'방북':2A,40C ...``); the placeholder casts them, so
    ``save()``, ``update()`` and ``bulk_create()`` all write them the same way.
    """

    description = _("PostgreSQL tsvector")

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"

    def get_placeholder_sql(self, value, compiler, connection):
        if connection.vendor == "postgresql":
            return "%s::tsvector", [value]
        return "%s", [value]


@SearchDocumentField.register_lookup
class Matches(Lookup):
    """``document__matches=tsquery_literal``: PostgreSQL's ``@@``, GIN-indexed."""

    lookup_name = "matches"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @@ ({rhs})::tsquery", [*lhs_params, *rhs_params]


class SearchEntry(models.Model):
    """What search reads for one article, derived from it and never edited.

    Receivers in ``search.indexing`` rewrite it whenever the article or its
    categories change, raw ``loaddata`` saves included; ``manage.py
    rebuild_search_index`` rewrites all of them. On PostgreSQL only the two
    tsvectors are filled: `document` holds every term and is GIN-indexed for
    matching; `headline` holds only the title and summary terms, small enough
    to rank thousands of matches quickly. Elsewhere only the term columns are
    filled, as space-separated terms that the fallback matches with substring
    lookups.
    """

    article = models.OneToOneField(
        Article,
        verbose_name=_("기사"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_entry",
    )
    document = SearchDocumentField(_("검색 문서"), null=True, editable=False)
    headline = SearchDocumentField(_("제목·요약 문서"), null=True, editable=False)
    title_terms = models.TextField(_("제목 낱말"), blank=True, editable=False)
    summary_terms = models.TextField(_("요약 낱말"), blank=True, editable=False)
    body_terms = models.TextField(_("본문 낱말"), blank=True, editable=False)
    initials_terms = models.TextField(_("초성 낱말"), blank=True, editable=False)

    class Meta:
        verbose_name = _("검색 색인 항목")
        verbose_name_plural = _("검색 색인 항목")

    def __str__(self):
        return str(self.article_id)
