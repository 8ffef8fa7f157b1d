"""Authors: the public bylines, separate from staff logins."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..links import reverse
from ..querysets import AuthorQuerySet
from ..text import nfc, unicode_slug


class AuthorManager(models.Manager.from_queryset(AuthorQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Author(models.Model):
    """A byline: the public face of a writer, separate from any login."""

    name = models.CharField(_("표시 이름"), max_length=100)
    slug = models.SlugField(
        _("슬러그"),
        max_length=100,
        unique=True,
        allow_unicode=True,
        help_text=_("기자 페이지 주소에 쓰입니다. 로그인 이름과 달라야 합니다."),
    )
    bio = models.TextField(_("짧은 소개"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("직원 계정"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_profile",
        help_text=_("선택: 이 이름으로 기사를 쓰는 직원 계정."),
    )

    objects = AuthorManager()

    class Meta:
        verbose_name = _("기자")
        verbose_name_plural = _("기자")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.slug = unicode_slug(self.slug or self.name, max_length=100)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:author", slug=self.slug)

    def natural_key(self):
        return (self.slug,)
