"""Categories: a taggit tag model of our own, with names composed to NFC."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from taggit.managers import _TaggableManager
from taggit.models import NaturalKeyManager, TagBase

from ..links import reverse
from ..querysets import CategoryQuerySet
from ..text import nfc, unicode_slug
from . import loading


class CategoryManager(NaturalKeyManager.from_queryset(CategoryQuerySet)):
    """taggit's natural-key manager, with the read rules of querysets.py; a
    loaddata run looks each category up once (`loading`)."""

    def get_by_natural_key(self, name):
        memo = loading.memo()
        if memo is not None and (found := memo.get(self.model, self.db, name)):
            return found
        category = super().get_by_natural_key(name)
        if memo is not None:
            memo.remember(category, self.db, name)
        return category


class Category(TagBase):
    """A section or topic; articles are tagged with categories through taggit."""

    description = models.TextField(_("설명"), blank=True)
    is_section = models.BooleanField(
        _("첫 화면 섹션"),
        default=False,
        help_text=_("켜면 첫 화면에 이 카테고리의 최신 기사 묶음이 나옵니다."),
    )
    section_order = models.PositiveSmallIntegerField(
        _("섹션 순서"),
        default=0,
        help_text=_("첫 화면에서 섹션이 놓이는 순서. 작은 수가 위로 갑니다."),
    )

    objects = CategoryManager()

    class Meta:
        verbose_name = _("카테고리")
        verbose_name_plural = _("카테고리")
        ordering = ["name"]

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:category", slug=self.slug)

    def slugify(self, tag, i=None):
        slug = unicode_slug(tag, max_length=90) or "category"
        return f"{slug}-{i}" if i is not None else slug


class NFCTaggableManager(_TaggableManager):
    """Compose category names before taggit looks them up by name.

    Without this, a name typed on macOS (decomposed jamo) would create a second
    category beside the composed one. taggit 6.1 has no public hook for tag
    names given as strings (TAGGIT_TAGS_FROM_STRING only parses form input, not
    add() from code), so this overrides the manager's public methods, the ones
    every caller uses (the admin's form saves through set()); the `manager=`
    argument of TaggableManager is taggit's documented way to plug it in.
    """

    def add(self, *tags, **kwargs):
        return super().add(*_composed(tags), **kwargs)

    def set(self, tags, **kwargs):
        return super().set(_composed(tags), **kwargs)

    def remove(self, *tags):
        return super().remove(*_composed(tags))


def _composed(tags) -> list:
    return [nfc(tag) if isinstance(tag, str) else tag for tag in tags]
