"""Background work, run by the task worker (`manage.py db_worker`), never in a
request: an editor's save only queues it.

Renditions of a 2400×1600 upload took 1.8 s inside the save request; now the
save queues `make_renditions` once its transaction commits (a rolled-back save
queues nothing, and the worker never reads a row that is not there yet), and
pages show a placeholder, never the original upload, until the worker is done.
"""

import logging
from functools import partial

from django.db import transaction
from django.tasks import task

from . import fragments, images
from .models import Article

logger = logging.getLogger(__name__)


@task()
def make_renditions(article_id: int) -> bool:
    """Make the renditions of the article's current image, if still missing.

    The task reads (and locks) the article afresh: a save that changed the
    image again in the meantime has queued its own task, and this one then
    makes (or finds up to date) the renditions of the newest image; an article
    unpublished or taken down since gets none. Sends `article_changed`
    (action "renditions") when files changed, and returns whether they did.
    The lock is held while the files are made (about 2 s for a large photo):
    a save of that article waits for it; on SQLite every writer does.
    """
    from .workflow import media
    from .workflow.signals import Touched, notify

    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        # Gone, or unpublished / taken down since the save: no public files.
        if article is None or article.status in media.HIDDEN:
            return False
        before = Touched.of(article)
        if not images.generate_renditions(article):
            return False
        # Written with UPDATE, which sends no save signal: the cards show them.
        fragments.refresh([article.pk])
        # Pages showed a placeholder: caches that hold them purge on this.
        notify(article, before, Touched.of(article), "renditions")
    return True


def queue_renditions(article: Article) -> None:
    """Queue the article's renditions once the current transaction commits."""
    transaction.on_commit(partial(_enqueue, article.pk))


def _enqueue(article_id: int) -> None:
    try:
        make_renditions.enqueue(article_id)
    except Exception:
        # The save has committed; `manage.py rebuild_renditions` catches up.
        logger.exception("Could not queue the renditions of article %s", article_id)
