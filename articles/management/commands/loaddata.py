"""Django's loaddata, with derived data built once and the change signal sent.

Raw saves bypass the workflow, but not the receivers: each article's body is
rendered by the pre_save receiver (a fixture never brings its own HTML), its
search entry is rebuilt and its stored fragments dropped (articles/fragments.py).
Here every article touched is indexed once, in batches, when the load ends
(`search.indexing.deferred`); its stored fragments are left to the task worker,
queued once the load commits (`fragments.queued`: pages render them per request
until then); and rows this load saved are not looked up again by natural key
(`articles.models.loading`).

Fixtures save raw: no action runs, so nothing would tell a cache that articles
changed. This command notes every article a fixture row touched (the article
itself, its categories, its bylines) and, once the load commits, sends
`article_changed` for each, as one batch (`workflow.batch_finished` follows).
Overriding the command, rather than a `post_save` receiver, keeps the collecting
to loaddata runs: raw saves elsewhere (tests' own fixtures) stay untouched.

A fixture article whose body is over a limit of articles/limits.py is refused
by the model before anything renders it; the load rolls back and the command
says which object and which limit, without a traceback.
"""

from django.core.management.base import CommandError
from django.core.management.commands import loaddata

from articles import fragments, limits, workflow
from articles.models import Article, Byline, CategorizedArticle
from search import indexing

from ...models import loading


def article_id(instance) -> int | None:
    if isinstance(instance, Article):
        return instance.pk
    if isinstance(instance, CategorizedArticle):
        return instance.content_object_id
    if isinstance(instance, Byline):
        return instance.article_id
    return None


class Command(loaddata.Command):
    def handle(self, *fixture_labels, **options):
        try:
            return super().handle(*fixture_labels, **options)
        except limits.BodyOverLimit as refused:  # names fixture, object and limit
            raise CommandError(str(refused)) from refused

    def loaddata(self, fixture_labels):
        self.article_ids = set()
        # Inside loaddata's transaction: the entries commit with the rows.
        with loading.remembered(), indexing.deferred(), fragments.queued():
            super().loaddata(fixture_labels)
        if self.article_ids:
            workflow.announce(
                Article.objects.filter(pk__in=self.article_ids).order_by("pk"),
                action="loaddata",
            )

    def save_obj(self, obj):
        saved = super().save_obj(obj)
        if saved and (pk := article_id(obj.object)) is not None:
            self.article_ids.add(pk)
        return saved
