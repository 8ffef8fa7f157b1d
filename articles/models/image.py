"""An uploaded image as a record of its own: the private original, its texts and
its public renditions. Articles point to it; a later image library builds on it.

The original (`file`) is stored re-encoded without metadata in the private
originals storage, under a random name that is also the image's natural key
(fixtures name it, never a pk). Its renditions are listed in `renditions`
(articles/images.py says why a JSON column); cards fetch them with the article
row through `select_related("image")`.
"""

import uuid
from pathlib import PurePosixPath

from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .. import images
from ..text import nfc


def featured_image_path(instance, filename: str) -> str:
    """Store uploads under a random name: never the uploader's file name."""
    suffix = PurePosixPath(filename).suffix.lower()[:5]
    return f"articles/{uuid.uuid4().hex}{suffix}"


TEXT_FIELDS = ("alt", "caption", "credit")


class ImageManager(models.Manager):
    def get_by_natural_key(self, name):
        return self.get(file=name)


class Image(models.Model):
    file = images.MissingFileTolerantImageField(
        _("원본 파일"),
        upload_to=featured_image_path,
        storage=images.original_storage,
        unique=True,
        width_field="width",
        height_field="height",
        help_text=_("메타데이터를 지운 비공개 원본. 독자에게는 변환본만 보입니다."),
    )
    width = models.PositiveIntegerField(_("너비"), null=True, blank=True)
    height = models.PositiveIntegerField(_("높이"), null=True, blank=True)
    alt = models.CharField(
        _("이미지 대체 텍스트"),
        max_length=300,
        blank=True,
        help_text=_(
            "이미지를 볼 수 없는 독자를 위한 설명. 업로드한 이미지에는 필수입니다."
        ),
    )
    caption = models.CharField(_("사진 설명"), max_length=500, blank=True)
    credit = models.CharField(_("사진 출처"), max_length=200, blank=True)
    renditions = models.JSONField(
        _("이미지 변환본"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("너비별 WebP·원본 형식 파일 목록. 작업 프로세스가 만듭니다."),
    )
    # A default, not auto_now_add: loaddata's raw saves skip auto_now_add.
    created_at = models.DateTimeField(
        _("올린 시각"), default=timezone.now, editable=False
    )

    objects = ImageManager()

    class Meta:
        verbose_name = _("이미지")
        verbose_name_plural = _("이미지")

    def __str__(self):
        return self.alt or self.file.name

    def natural_key(self):
        return (self.file.name,)

    @cached_property
    def picture(self) -> "images.Picture | None":
        """The renditions made for this image, or None while there are none."""
        return images.picture(self)

    def forget_picture(self) -> None:
        self.__dict__.pop("picture", None)


@receiver(pre_save, sender=Image)
def normalise_image_text(sender, instance, **kwargs):
    """Texts composed (NFC) on every save, loaddata's raw ones included."""
    for name in TEXT_FIELDS:
        setattr(instance, name, nfc(getattr(instance, name)))
