"""The public files of an article's image follow the article's state.

Renditions (the only public files of an upload) exist while the article may be
shown or previewed: unpublish and take-down delete them at once (on commit),
keeping the private original, and publishing again (or any later move out of
those states) queues them to be made anew. Replacing or clearing the image, or
deleting the article, deletes the old original too, once no article uses it.
Revisions keep only the original's name: restoring one whose original is gone
brings the article back without the image and says so (`RESTORE_IMAGE_GONE`).
"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from .. import images, tasks
from ..models import Article

Status = Article.Status
# States whose image files must not be public.
HIDDEN = frozenset({Status.UNPUBLISHED, Status.TAKEN_DOWN})
RESTORE_IMAGE_GONE = "대표 이미지 파일은 지워져 복원하지 않았습니다."


def sync_public_files(article: Article) -> None:
    """Drop renditions that must not be public; queue the ones that are missing."""
    if article.status in HIDDEN or not images.renditions_current(article):
        images.drop_renditions(article)
    if article.status not in HIDDEN and article.image:
        if not images.renditions_current(article):
            tasks.queue_renditions(article)


def release_original(name: str) -> None:
    """Delete the private original `name` on commit, if no article uses it then."""
    if name:
        transaction.on_commit(partial(_delete_unused_original, name))


def _delete_unused_original(name: str) -> None:
    if not Article.objects.filter(image=name).exists():
        images.original_storage().delete(name)


def original_exists(article: Article) -> bool:
    return bool(article.image) and images.original_storage().exists(article.image.name)
