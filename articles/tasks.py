"""Background work, run by the task worker (`manage.py db_worker`), never in a
request: an editor's save only queues it. So does a bulk load, for the stored
fragments of the articles it wrote (`refresh_fragments`).

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
from .models import Image

logger = logging.getLogger(__name__)


@task()
def make_renditions(image_id: int) -> bool:
    """Make the renditions of an image, if still missing and still wanted.

    The files are made with no lock held (about 2 s for a large photo), then
    stored by a short locked update that first checks the image is still the
    same file, still shown by some article (not only by unpublished or
    taken-down ones) and still without current renditions; otherwise the new
    files are deleted again. Sends `article_changed` (action "renditions") for
    every article showing the image when the list changed, and returns whether
    it did.
    """
    from .workflow import media
    from .workflow.signals import Touched, notify

    image = Image.objects.filter(pk=image_id).first()
    if image is None or not media.shown(image) or images.renditions_current(image):
        return False
    data = images.make_renditions(image)
    if not data:  # unreadable: pages keep the placeholder
        return False
    with transaction.atomic():
        locked = Image.objects.select_for_update().filter(pk=image_id).first()
        if (
            locked is None
            or locked.file.name != image.file.name
            or not media.shown(locked)
            or images.renditions_current(locked)
        ):
            images.delete_renditions(data)
            return False
        showing = list(media.showing(locked))
        before = [Touched.of(article) for article in showing]
        images.store_renditions(locked, data)
        # Written with UPDATE, which sends no save signal: the cards show them.
        fragments.refresh([article.pk for article in showing])
        for article, snapshot in zip(showing, before, strict=True):
            article.image = locked
            # Pages showed a placeholder: caches that hold them purge on this.
            notify(article, snapshot, Touched.of(article), "renditions")
    return True


@task()
def refresh_fragments(article_ids: list[int], using: str = "default") -> int:
    """Store the fragments a bulk load left to the worker (fragments.queued()):
    those of these articles not stored since; returns how many."""
    return fragments.refresh_locked(article_ids, using=using)


def queue_renditions(image: Image) -> None:
    """Queue the image's renditions once the current transaction commits."""
    transaction.on_commit(partial(_enqueue, image.pk))


def _enqueue(image_id: int) -> None:
    try:
        make_renditions.enqueue(image_id)
    except Exception:
        # The save has committed; `manage.py rebuild_renditions` catches up.
        logger.exception("Could not queue the renditions of image %s", image_id)
