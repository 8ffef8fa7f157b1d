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

The bodies of a JSON fixture's articles are read before the load starts and
rendered alongside its saves by a small pool of processes
(articles/prerendering.py); other formats render in the saving process.
"""

import json
from pathlib import Path

from django.core import serializers
from django.core.management.base import CommandError
from django.core.management.commands import loaddata

from articles import fragments, limits, prerendering, workflow
from articles.models import Article, Byline, CategorizedArticle
from search import indexing

from ...models import loading

BODY_FORMAT = Article._meta.get_field("body_format").default


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
        with (
            prerendering.ahead(self.article_bodies(fixture_labels)),
            loading.remembered(),
            indexing.deferred(),
            fragments.queued(),
        ):
            super().loaddata(fixture_labels)
        if self.article_ids:
            workflow.announce(
                Article.objects.filter(pk__in=self.article_ids).order_by("pk"),
                action="loaddata",
            )

    def article_bodies(self, fixture_labels):
        """(body, format) of every article in the labels' plain JSON fixtures."""
        self.serialization_formats = serializers.get_public_serializer_formats()
        for label in fixture_labels:
            for path, _, _ in self.find_fixtures(label):
                if not str(path).endswith(".json"):
                    continue  # stdin, compressed, YAML, XML: rendered when saved
                try:
                    with Path(path).open(encoding="utf-8") as fixture:
                        rows = json.load(fixture)
                except (OSError, ValueError):
                    continue  # the load itself reports it
                for row in rows if isinstance(rows, list) else ():
                    if isinstance(row, dict) and row.get("model") == "articles.article":
                        fields = row.get("fields") or {}
                        body = fields.get("body")
                        if isinstance(body, str):
                            yield body, fields.get("body_format", BODY_FORMAT)

    def save_obj(self, obj):
        saved = super().save_obj(obj)
        if saved and (pk := article_id(obj.object)) is not None:
            self.article_ids.add(pk)
        return saved
