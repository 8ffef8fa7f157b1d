"""Django's loaddata, ending with the workflow's change signal for the articles it
wrote.

Fixtures save raw: no action runs, so nothing would tell a cache or an index that
articles changed. This command notes every article a fixture row touched (the
article itself, its categories, its bylines) and, once the load commits, sends
`article_changed` for each, as one batch (`workflow.batch_finished` follows).
Overriding the command, rather than a `post_save` receiver, keeps the collecting
to loaddata runs: raw saves elsewhere (tests' own fixtures) stay untouched.
"""

from django.core.management.commands import loaddata

from articles import workflow
from articles.models import Article, Byline, CategorizedArticle


def article_id(instance) -> int | None:
    if isinstance(instance, Article):
        return instance.pk
    if isinstance(instance, CategorizedArticle):
        return instance.content_object_id
    if isinstance(instance, Byline):
        return instance.article_id
    return None


class Command(loaddata.Command):
    def loaddata(self, fixture_labels):
        self.article_ids = set()
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
