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

from . import images
from .models import Article

logger = logging.getLogger(__name__)


@task()
def make_renditions(article_id: int) -> bool:
    """Make the renditions of the article's current image, if still missing.

    The task reads the article afresh: a save that changed the image again in
    the meantime has queued its own task, and this one then makes (or finds up
    to date) the renditions of the newest image. Returns whether files changed.
    """
    article = (
        Article.objects.filter(pk=article_id)
        .only("pk", "image", "image_width", "image_height", "renditions")
        .first()
    )
    if article is None:
        return False
    return images.generate_renditions(article)


def queue_renditions(article: Article) -> None:
    """Queue the article's renditions once the current transaction commits."""
    transaction.on_commit(partial(_enqueue, article.pk))


def _enqueue(article_id: int) -> None:
    try:
        make_renditions.enqueue(article_id)
    except Exception:
        # The save has committed; `manage.py rebuild_renditions` catches up.
        logger.exception("Could not queue the renditions of article %s", article_id)
