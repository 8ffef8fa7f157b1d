"""Django's loaddata, with the derived data of the rows it wrote built once.

Raw saves bypass the workflow, but not the receivers: each article's body is
rendered by the pre_save receiver (a fixture never brings its own HTML) and its
search entry is rebuilt. Without this wrapper the entry would be built once for
the article and once more per category row; here every article touched is
indexed once, in batches, when the load ends (`search.indexing.deferred`), and
rows this load saved are not looked up again by natural key
(`articles.models.loading`).
"""

from django.core.management.commands import loaddata

from search import indexing

from ...models import loading


class Command(loaddata.Command):
    def loaddata(self, fixture_labels):
        # Inside loaddata's transaction: the entries commit with the rows.
        with loading.remembered(), indexing.deferred():
            super().loaddata(fixture_labels)
