"""The search index rebuild as a task, for ``rebuild_search_index --background``."""

from django.tasks import task

from . import indexing


@task
def rebuild_search_index(using: str = "default", batch_size: int = 500) -> int:
    return indexing.rebuild_in_shadow(using=using, batch_size=batch_size)
