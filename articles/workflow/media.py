"""The public files of an image follow the state of the articles that show it.

An uploaded image is an `Image` record that one or more articles point to.
Its renditions (its only public files) exist while some article using it may be
shown or previewed (any state but unpublished and taken down): when the last
such article is unpublished or taken down they are deleted at once (on commit),
keeping the private original, and publishing again (or any later move out of
those states) queues them to be made anew. Replacing or clearing an article's
image, or deleting the article, does the same for the image it leaves, and
deletes the image (record, original and renditions) once no article uses it.
Revisions keep only the original's name: restoring one whose image is gone
brings the article back without the image and says so (`RESTORE_IMAGE_GONE`).

The Image row is locked (inside the action's transaction, after the article's)
while its renditions are decided, so the worker storing new ones
(articles.tasks) and a take-down of another article using it never cross.
"""

from __future__ import annotations

from functools import partial

from django.db import connection, transaction

from .. import images, tasks
from ..models import Article, Image

Status = Article.Status
# States whose image files must not be public.
HIDDEN = frozenset({Status.UNPUBLISHED, Status.TAKEN_DOWN})
RESTORE_IMAGE_GONE = "대표 이미지 파일은 지워져 복원하지 않았습니다."


def showing(image: Image):
    """The articles using `image` that may be shown or previewed."""
    return Article.objects.filter(image=image).exclude(status__in=HIDDEN)


def shown(image: Image) -> bool:
    return showing(image).exists()


def sync_public_files(article: Article) -> None:
    """After `article` moved or changed image: its image's public files follow."""
    if article.image_id is not None:
        sync_image(article.image)


def sync_image(image: Image) -> None:
    """Drop renditions no article may show; queue the missing ones."""
    locked = _locked(image)
    if locked is None:
        return
    if not shown(locked):
        images.drop_renditions(locked)
    elif not images.renditions_current(locked):
        if locked.renditions:  # stale: files gone, or listed for another file
            images.drop_renditions(locked)
        tasks.queue_renditions(locked)
    image.renditions = locked.renditions
    image.forget_picture()


def release_image(image: Image | None) -> None:
    """An article stopped using `image` (replaced, cleared, deleted): its public
    files go unless another article shows it, and once the transaction commits
    the image goes altogether if no article uses it then."""
    if image is None or image.pk is None:
        return
    sync_image(image)
    transaction.on_commit(partial(_delete_unused, image.pk))


def _delete_unused(image_id: int) -> None:
    with transaction.atomic():
        image = Image.objects.select_for_update().filter(pk=image_id).first()
        if image is None or image.articles.exists():
            return
        name, renditions = image.file.name, image.renditions
        image.delete()
        images.discard_renditions(renditions)
        transaction.on_commit(partial(images.original_storage().delete, name))


def _locked(image: Image) -> Image | None:
    rows = Image.objects.all()
    if connection.in_atomic_block:
        rows = rows.select_for_update()
    return rows.filter(pk=image.pk).first()


def original_exists(image: Image | None) -> bool:
    return bool(image and image.file) and images.original_storage().exists(
        image.file.name
    )


def image_named(name: str) -> Image | None:
    """The image whose original is `name`, if it and its file are still there;
    locked, so it cannot be deleted before the article points to it again."""
    if not name:
        return None
    rows = Image.objects.filter(file=name)
    if connection.in_atomic_block:
        rows = rows.select_for_update()
    image = rows.first()
    return image if original_exists(image) else None
