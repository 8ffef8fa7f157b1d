"""The article, its derived fields, and its ordered categories and bylines."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from .. import images, limits, prerendering, rendering
from ..links import reverse
from ..querysets import ArticleQuerySet
from ..text import nfc, reading_minutes, unicode_slug
from . import loading
from .image import Image, featured_image_path  # noqa: F401 (old migrations)
from .people import Author
from .taxonomy import Category, NFCTaggableManager


class BodyFormat(models.TextChoices):
    HTML = rendering.HTML, "HTML"
    MARKDOWN = rendering.MARKDOWN, "Markdown"


def validate_web_url(value: str) -> None:
    """Accept only http and https image URLs: no javascript:, data: or file:."""
    URLValidator(schemes=["http", "https"])(value)


def new_document_key() -> str:
    return uuid.uuid4().hex


# What the derived columns are made from, and the derived columns themselves.
BODY_SOURCES = frozenset({"body", "body_format", "image", "image_url"})
TEXT_FIELDS = ("title", "excerpt", "feature_text", "body", "image_url_alt",
               "image_url_caption", "image_url_credit")  # fmt: skip
SOURCE_FIELDS = BODY_SOURCES | {"slug", *TEXT_FIELDS}
DERIVED_FIELDS = ("slug", "body_html", "reading_minutes")


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_by_natural_key(self, document_key):
        memo = loading.memo()
        if memo is not None:
            if found := memo.get(self.model, self.db, document_key):
                return found
            if memo.absent(self.model, self.db, document_key, self._stored_keys):
                raise self.model.DoesNotExist(
                    f"No article has the document key {document_key!r}."
                )
        article = self.get(document_key=document_key)
        if memo is not None:
            memo.remember(article, self.db, document_key)
        return article

    def _stored_keys(self):
        return self.values_list("document_key", flat=True).iterator(chunk_size=5000)


class ArticleStatus(models.TextChoices):
    """Article.Status; defined out here so Article.Meta's constraint can read it."""

    # A new status means editing this enum, workflow.ALLOWED and its test.
    DRAFT = "draft", _("초안")
    IN_REVIEW = "in_review", _("검토 중")
    PUBLISHED = "published", _("게재")
    UNPUBLISHED = "unpublished", _("게재 취소")
    TAKEN_DOWN = "taken_down", _("삭제 조치")


class Article(models.Model):
    Status = ArticleStatus

    title = models.CharField(_("제목"), max_length=200)
    slug = models.SlugField(
        _("슬러그"),
        max_length=200,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text=_("기사 주소. 한글을 그대로 씁니다. 비워 두면 제목에서 만듭니다."),
    )
    document_key = models.CharField(
        _("문서 키"),
        max_length=255,
        unique=True,
        default=new_document_key,
        editable=False,
        help_text=_(
            "가져오기와 픽스처가 기사를 찾는 고정 키: 원본 문서의 id, permalink "
            "또는 파일 이름. 여기서 쓴 기사는 임의의 키."
        ),
    )
    excerpt = models.TextField(
        _("요약"),
        blank=True,
        help_text=_("기사 목록과 검색 결과, 메타 설명에 쓰는 짧은 요약."),
    )
    feature_text = models.TextField(
        _("리드문"),
        blank=True,
        help_text=_("제목 아래 보이는 리드문. 비워 두면 요약을 씁니다."),
    )
    body = models.TextField(
        _("본문"), blank=True, help_text=_("HTML 또는 마크다운. 본문 형식을 고르세요.")
    )
    body_format = models.CharField(
        _("본문 형식"), max_length=10, choices=BodyFormat, default=BodyFormat.MARKDOWN
    )
    body_html = models.TextField(_("렌더링된 본문"), editable=False, blank=True)
    reading_minutes = models.PositiveIntegerField(
        _("읽는 시간(분)"), editable=False, default=1
    )

    # Stored HTML fragments (articles/fragments.py): rendered when the article,
    # its categories or its bylines change, shown by lists and the article page.
    card_html = models.TextField(editable=False, blank=True, default="")
    lead_html = models.TextField(editable=False, blank=True, default="")
    page_meta_html = models.TextField(editable=False, blank=True, default="")
    page_header_html = models.TextField(editable=False, blank=True, default="")
    corrections_html = models.TextField(editable=False, blank=True, default="")
    fragments_key = models.CharField(
        max_length=32, editable=False, blank=True, default=""
    )

    image = models.ForeignKey(
        Image,
        verbose_name=_("대표 이미지"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
        help_text=_("업로드한 대표 이미지. 외부 주소를 쓰면 비워 둡니다."),
    )
    image_url = models.URLField(
        _("외부 이미지 주소"),
        max_length=500,
        blank=True,
        validators=[validate_web_url],
        help_text=_("업로드 대신 다른 곳에 있는 이미지(http/https 주소)."),
    )
    # The texts of an external image; an upload's are on its Image. Read and
    # write both through image_alt, image_caption and image_credit.
    image_url_alt = models.CharField(
        _("외부 이미지 대체 텍스트"), max_length=300, blank=True
    )
    image_url_caption = models.CharField(
        _("외부 이미지 사진 설명"), max_length=500, blank=True
    )
    image_url_credit = models.CharField(
        _("외부 이미지 사진 출처"), max_length=200, blank=True
    )

    is_pinned = models.BooleanField(
        _("첫 화면 톱 고정"),
        default=False,
        help_text=_(
            "켜면 게재 중인 동안 첫 화면 맨 위(톱기사)에 놓입니다. 고정한 기사가 "
            "여럿이면 가장 최근에 게재된 기사가 톱입니다. 편집자만 바꿀 수 있습니다."
        ),
    )

    categories = TaggableManager(
        verbose_name=_("카테고리"),
        through="CategorizedArticle",
        manager=NFCTaggableManager,
        blank=True,
        help_text=_("쉼표로 구분합니다. 띄어쓰기가 있는 이름도 됩니다."),
    )
    authors = models.ManyToManyField(
        Author, through="Byline", related_name="articles", blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("담당자"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_articles",
    )

    status = models.CharField(
        _("상태"), max_length=20, choices=Status, default=Status.DRAFT, editable=False
    )
    publish_at = models.DateTimeField(
        _("게재 시각"),
        null=True,
        blank=True,
        help_text=_("미래 시각이면 예약 게재됩니다: 그 시각이 되면 저절로 공개됩니다."),
    )
    expire_at = models.DateTimeField(
        _("게재 종료 시각"),
        null=True,
        blank=True,
        help_text=_("이 시각이 되면 공개 사이트에서 저절로 내려갑니다. 선택 사항."),
    )
    first_published_at = models.DateTimeField(
        _("최초 게재 시각"), null=True, blank=True, editable=False
    )
    last_public_change_at = models.DateTimeField(
        _("마지막 공개 변경 시각"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("정정·반론 등이 마지막으로 붙은 시각."),
    )
    takedown_notice = models.TextField(
        _("삭제 조치 안내문"),
        blank=True,
        editable=False,
        help_text=_("삭제 조치된 기사 주소에서 독자에게 보이는 안내문."),
    )
    taken_down_at = models.DateTimeField(
        _("삭제 조치 시각"), null=True, blank=True, editable=False
    )
    version = models.PositiveIntegerField(
        _("판 번호"),
        default=1,
        editable=False,
        help_text=_(
            "저장할 때마다 올라갑니다. 동시에 고친 내용을 덮어쓰지 않게 합니다."
        ),
    )
    created_at = models.DateTimeField(_("작성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)
    front_matter = models.JSONField(
        _("기타 머리말"),
        default=dict,
        blank=True,
        help_text=_("가져온 문서의 다른 머리말 항목. 내보낼 때 그대로 돌려줍니다."),
    )

    objects = ArticleManager()

    class Meta:
        verbose_name = _("기사")
        verbose_name_plural = _("기사")
        # NULLs sort first on PostgreSQL and last on SQLite: say where they go.
        ordering = [F("publish_at").desc(nulls_last=True), "-pk"]
        indexes = [
            # live(): walked newest first by publish_at, with expire_at in the
            # index so a count or a page never reads the rows it skips.
            models.Index(
                fields=["status", "publish_at", "expire_at"], name="article_live_idx"
            ),
            # The front page's lead: the pinned articles, newest first. Two
            # equality columns, so SQLite picks it without ANALYZE statistics.
            models.Index(
                fields=["is_pinned", "status", "publish_at"], name="article_pinned_idx"
            ),
        ]
        permissions = [
            ("publish_article", "기사 게재·예약·게재 취소·반려"),
            ("take_down_article", "기사 삭제 조치"),
            ("edit_any_article", "남의 기사와 검토 중·게재된 기사 편집"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expire_at__isnull=True)
                | Q(publish_at__isnull=True)
                | Q(expire_at__gt=F("publish_at")),
                name="article_expires_after_it_publishes",
                violation_error_message=_(
                    "게재 종료 시각은 게재 시각보다 뒤여야 합니다."
                ),
            ),
            # Statuses only change through workflow, but loaddata writes raw rows:
            # an unknown status ("hacked") would leave an article no action moves.
            models.CheckConstraint(
                condition=Q(status__in=ArticleStatus.values),
                name="article_status_is_known",
                violation_error_message=_("기사 상태가 올바르지 않습니다."),
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, update_fields=None, **kwargs):
        # A partial save of a source field writes what is derived from it too:
        # the pre_save receiver rebuilds it, this makes sure it reaches the row.
        if update_fields is not None and SOURCE_FIELDS.intersection(update_fields):
            update_fields = {*update_fields, *DERIVED_FIELDS}
        super().save(*args, update_fields=update_fields, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", slug=self.slug)

    def natural_key(self):
        return (self.document_key,)

    def clean(self):
        if self.image and self.image_url:
            raise ValidationError(
                {"image_url": _("이미지 업로드와 외부 주소 중 하나만 쓰세요.")}
            )
        if self.image and not self.image_alt:
            raise ValidationError(
                {"image_alt": _("업로드한 이미지에는 대체 텍스트가 필요합니다.")}
            )

    def refresh_derived_fields(self, fields=None) -> None:
        """Normalise text and rebuild what is derived from the body.

        Runs before every save, raw ones from loaddata included, so a fixture can
        never bring its own (possibly unsafe) rendered body. `fields` are the
        fields a partial save writes (None: all); the body is rendered only when
        one of BODY_SOURCES is among them, so a status change renders nothing.
        The stored body HTML leaves out a first image that repeats the featured
        image: it is dropped here, once, and never per page view.
        """
        for field in TEXT_FIELDS:
            setattr(self, field, nfc(getattr(self, field)))
        self.slug = unicode_slug(self.slug or self.title) or self.document_key[:32]
        if fields is None or BODY_SOURCES.intersection(fields):
            html = prerendering.rendered(self.body, self.body_format)
            if html is None:
                html = rendering.render_body(self.body, self.body_format)
            self.body_html = rendering.drop_image(html, self.image_src)
            self.reading_minutes = reading_minutes(rendering.text_of(self.body_html))

    def refuse_body_over_limits(self) -> None:
        """Raise BodyOverLimit, naming this article and the limit, for a body over one.

        The admin form and the importer refuse such a body before anything saves;
        a fixture saves raw, so its rows are checked here, before rendering
        (a bulk load's pool checked the bodies it rendered: not scanned twice).
        """
        if prerendering.within_limits(self.body, self.body_format):
            return
        if reason := limits.body_refusal(self.body, self.body_format):
            raise limits.BodyOverLimit(
                f"slug={self.slug or self.title!r}, document_key="
                f"{self.document_key!r}: {reason}"
            )

    def is_live_at(self, now) -> bool:
        """Mirror ArticleQuerySet.live(): one rule, written twice, tested together."""
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= now
            and (self.expire_at is None or self.expire_at > now)
        )

    @property
    def is_live(self) -> bool:
        return self.is_live_at(timezone.now())

    def is_scheduled_at(self, now) -> bool:
        """Mirror ArticleQuerySet.scheduled(): published, its time still ahead."""
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at > now
        )

    @property
    def is_scheduled(self) -> bool:
        return self.is_scheduled_at(timezone.now())

    def is_expired_at(self, now) -> bool:
        """Mirror ArticleQuerySet.expired(): published, its expiry time come."""
        return (
            self.status == self.Status.PUBLISHED
            and self.expire_at is not None
            and self.expire_at <= now
        )

    @property
    def is_expired(self) -> bool:
        return self.is_expired_at(timezone.now())

    @property
    def is_taken_down(self) -> bool:
        return self.status == self.Status.TAKEN_DOWN

    @property
    def status_label(self) -> str:
        """The state as editors read it everywhere (lists, forms, previews): the
        status, or when published, whether it waits for its time or has expired."""
        now = timezone.now()
        if self.is_scheduled_at(now):
            return str(_("게재 예약"))
        if self.is_expired_at(now):
            return str(_("게재 종료됨"))
        return self.get_status_display()

    @property
    def public_update_at(self):
        """When readers were shown a change after publication (a correction, an
        update), or None: then the page shows one date."""
        changed, published = self.last_public_change_at, self.publish_at
        if changed and published and changed > published:
            return changed
        return None

    @property
    def last_modified_at(self):
        """The later of publication and public_update_at: "modified" for
        sitemaps, feeds and structured data. querysets.last_modified() mirrors it."""
        return self.public_update_at or self.publish_at

    @property
    def standfirst(self) -> str:
        return self.feature_text or self.excerpt

    @property
    def summary(self) -> str:
        """For cards and meta descriptions."""
        return self.excerpt or self.feature_text

    @property
    def has_image(self) -> bool:
        return bool(self.image or self.image_url)

    @property
    def image_src(self) -> str:
        """The featured image's public address: an external URL, or an upload's
        default rendition (the original is private); "" while there is none."""
        if self.image:
            return self.picture.default.url if self.picture else ""
        return self.image_url

    @property
    def picture(self) -> "images.Picture | None":
        """The renditions of the uploaded image, made after it was saved."""
        return self.image.picture if self.image else None

    # The featured image's texts: an upload's (on its Image, shared by every
    # article that shows it) or the external image's. Set the image first.

    def _image_text(self, name: str) -> str:
        return (
            getattr(self.image, name)
            if self.image
            else getattr(self, f"image_url_{name}")
        )

    def _set_image_text(self, name: str, value: str) -> None:
        if self.image:
            setattr(self.image, name, value or "")
            setattr(self, f"image_url_{name}", "")
        else:
            setattr(self, f"image_url_{name}", value or "")

    @property
    def image_alt(self) -> str:
        return self._image_text("alt")

    @image_alt.setter
    def image_alt(self, value: str) -> None:
        self._set_image_text("alt", value)

    @property
    def image_caption(self) -> str:
        return self._image_text("caption")

    @image_caption.setter
    def image_caption(self, value: str) -> None:
        self._set_image_text("caption", value)

    @property
    def image_credit(self) -> str:
        return self._image_text("credit")

    @image_credit.setter
    def image_credit(self, value: str) -> None:
        self._set_image_text("credit", value)

    @property
    def image_width(self) -> int | None:
        return self.image.width if self.image else None

    @property
    def image_height(self) -> int | None:
        return self.image.height if self.image else None

    def ordered_authors(self) -> list[Author]:
        return [byline.author for byline in self.bylines.all()]


@receiver(pre_save, sender=Article)
def rebuild_article_derived_fields(
    sender, instance, raw=False, update_fields=None, **kwargs
):
    """Derive before every save; a partial save touching no source derives nothing.

    A raw save (loaddata) always derives everything: never trust a fixture,
    whose stored fragments are dropped here (and rendered after the save); a
    fixture body over a limit of articles/limits.py is refused unrendered.
    """
    if raw:
        instance.refuse_body_over_limits()
        instance.fragments_key = ""
        for name in (
            "card_html",
            "lead_html",
            "page_meta_html",
            "page_header_html",
            "corrections_html",
        ):
            setattr(instance, name, "")
    if raw or update_fields is None:
        instance.refresh_derived_fields()
    elif SOURCE_FIELDS.intersection(update_fields):
        instance.refresh_derived_fields(update_fields)


@receiver(post_save, sender=Article)
@receiver(post_save, sender=Category)
def remember_loaded_row(sender, instance, created, raw, using, **kwargs):
    """In a bulk load, later rows name this one by natural key: keep it at hand."""
    if raw and (memo := loading.memo()) is not None:
        memo.remember(instance, using, instance.natural_key()[0], inserted=created)


class CategorizedArticleManager(models.Manager):
    def get_by_natural_key(self, document_key, category_name):
        category_name = nfc(category_name)
        memo = loading.memo()
        if memo is not None:
            key = (document_key, category_name)
            if found := memo.get(self.model, self.db, key):
                return found
            article = memo.get(Article, self.db, document_key)
            if article is not None and memo.was_inserted(Article, self.db, article.pk):
                # The load inserted the article: it has no category rows yet.
                raise self.model.DoesNotExist(key)
        return self.get(
            content_object__document_key=document_key, tag__name=category_name
        )


class CategorizedArticle(TaggedItemBase):
    content_object = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="categorized_items"
    )
    # Indexed with the article, newest id last (Meta): a category's members in
    # order of arrival, read backwards by the related articles (listings).
    tag = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="categorized_articles",
        db_index=False,
    )

    # Copies of the article's visibility, kept by database triggers
    # (articles/denormalized.py) for the category pages' index. NULL until
    # copied: loaddata may write the row before its article.
    article_status = models.CharField(  # noqa: DJ001
        max_length=20, null=True, editable=False
    )
    article_publish_at = models.DateTimeField(null=True, editable=False)
    article_expire_at = models.DateTimeField(null=True, editable=False)

    objects = CategorizedArticleManager()

    class Meta:
        verbose_name = _("기사 카테고리")
        verbose_name_plural = _("기사 카테고리")
        indexes = [
            models.Index(
                fields=["tag", "content_object"], name="categorized_by_category_idx"
            ),
            # A category page: its live rows newest first, the expiry read
            # from the index too.
            models.Index(
                fields=[
                    "tag",
                    "article_status",
                    "-article_publish_at",
                    "-content_object",
                    "article_expire_at",
                ],
                name="categorized_live_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="unique_article_category"
            )
        ]

    def natural_key(self):
        memo, db = loading.memo(), self._state.db
        article = memo and memo.get_pk(Article, db, self.content_object_id)
        category = memo and memo.get_pk(Category, db, self.tag_id)
        return (
            (article or self.content_object).document_key,
            (category or self.tag).name,
        )

    natural_key.dependencies = ["articles.article", "articles.category"]


@receiver(post_save, sender=CategorizedArticle)
def remember_loaded_category_row(sender, instance, raw, using, **kwargs):
    if raw and (memo := loading.memo()) is not None:
        memo.remember(instance, using, instance.natural_key())


class BylineManager(models.Manager):
    def get_by_natural_key(self, document_key, author_slug):
        return self.get(article__document_key=document_key, author__slug=author_slug)


class Byline(models.Model):
    """One author's place in an article's ordered byline."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("기사"),
        on_delete=models.CASCADE,
        related_name="bylines",
    )
    author = models.ForeignKey(
        Author, verbose_name=_("기자"), on_delete=models.PROTECT, related_name="bylines"
    )
    position = models.PositiveSmallIntegerField(_("순서"), default=0)

    # Copies of the article's visibility, kept by database triggers
    # (articles/denormalized.py) for the author pages' index. NULL until
    # copied: loaddata may write the row before its article.
    article_status = models.CharField(  # noqa: DJ001
        max_length=20, null=True, editable=False
    )
    article_publish_at = models.DateTimeField(null=True, editable=False)
    article_expire_at = models.DateTimeField(null=True, editable=False)

    objects = BylineManager()

    class Meta:
        verbose_name = _("바이라인")
        verbose_name_plural = _("바이라인")
        ordering = ["position", "pk"]
        indexes = [
            # An author page, as categorized_live_idx for a category page.
            models.Index(
                fields=[
                    "author",
                    "article_status",
                    "-article_publish_at",
                    "-article",
                    "article_expire_at",
                ],
                name="byline_live_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "author"], name="unique_article_author"
            )
        ]

    def __str__(self):
        return f"{self.author} ({self.position})"

    def natural_key(self):
        return (self.article.document_key, self.author.slug)

    natural_key.dependencies = ["articles.article", "articles.author"]
