"""Admin forms: the article form with its edit lock, image checks and step inputs."""

from io import BytesIO

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from . import images
from .models import Article, ArticleRevision, Correction


class FeaturedImageField(forms.ImageField):
    """An upload that is a JPEG, PNG, WebP or GIF image, checked by decoding it.

    The rules (formats, limits, the decode guard, the messages) are
    `images.check_file_size` and `images.check_upload`; this field only feeds
    them the upload and renames it after what it turned out to be.
    """

    default_validators = []  # the file name proves nothing; the decoding does

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.ClearableFileInput(attrs={"accept": images.ACCEPTED_CONTENT_TYPES}),
        )
        super().__init__(**kwargs)

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        images.check_file_size(upload.size)
        if hasattr(data, "temporary_file_path"):
            source = data.temporary_file_path()
        else:
            source = BytesIO(data.read())
        image_format = images.check_upload(source)
        extension, content_type = images.IMAGE_FORMATS[image_format]
        upload.content_type = content_type
        # The stored name is random anyway (featured_image_path); its suffix now
        # tells the truth about the content.
        upload.name = f"image.{extension}"
        if hasattr(upload, "seek") and callable(upload.seek):
            upload.seek(0)
        return upload


class ArticleAdminForm(forms.ModelForm):
    """The article change form, with the version it was opened at.

    A save over a version the editor never saw is refused; their text stays in the
    form, and the hidden version moves to the latest, so saving again after
    reading the other change is a deliberate choice.
    """

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "excerpt",
            "feature_text",
            "body_format",
            "body",
            "image",
            "image_url",
            "image_alt",
            "image_caption",
            "image_credit",
            "categories",
            "owner",
            "publish_at",
            "expire_at",
            "is_pinned",
        ]
        field_classes = {"image": FeaturedImageField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        seen = cleaned.get("seen_version")
        # Locked until the admin's transaction ends, so nobody saves in between.
        current = (
            Article.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        if seen is not None and current is not None and seen != current:
            self.data = self.data.copy()
            self.data[self.add_prefix("seen_version")] = current
            raise ValidationError(self._stale_message(seen, current), code="stale")
        return cleaned

    def _stale_message(self, seen: int, current: int):
        latest = (
            ArticleRevision.objects.filter(article_id=self.instance.pk)
            .order_by("-pk")
            .first()
        )
        base = (
            ArticleRevision.objects.filter(article_id=self.instance.pk, version=seen)
            .order_by("-pk")
            .first()
        )
        who = latest.created_by_name if latest else "다른 사람"
        message = format_html(
            "이 기사를 연 뒤에 {}님이 먼저 저장했습니다(지금 {}판, 연 것은 {}판). "
            "입력한 내용은 아래에 그대로 있습니다. 바뀐 내용을 확인하고 필요하면 "
            "합친 다음 다시 저장하세요. 다시 저장하면 이 내용이 최신 판이 됩니다.",
            who,
            current,
            seen,
        )
        if latest and base:
            url = reverse(
                "admin:articles_article_revision_compare",
                args=[self.instance.pk],
            )
            message = format_html(
                '{} <a href="{}?a={}&amp;b={}">무엇이 바뀌었는지 보기</a>',
                message,
                url,
                base.pk,
                latest.pk,
            )
        return message


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="메모", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class SendBackForm(forms.Form):
    comment = forms.CharField(
        label="반려 사유",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="기자에게 보입니다. 무엇을 고쳐야 하는지 적어 주세요.",
    )


class TakeDownForm(forms.Form):
    notice = forms.CharField(
        label="독자에게 보일 안내문",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="기사 주소에서 410(삭제됨) 응답과 함께 이 안내문이 보입니다.",
    )


class PublishForm(forms.Form):
    at = forms.SplitDateTimeField(
        label="게재 시각",
        required=False,
        widget=admin_widgets.AdminSplitDateTime,
        help_text="비워 두면 저장된 게재 시각, 그것도 없으면 지금 게재합니다. "
        "미래 시각이면 그때 저절로 공개됩니다.",
    )
    expire_at = forms.SplitDateTimeField(
        label="게재 종료 시각",
        required=False,
        widget=admin_widgets.AdminSplitDateTime,
        help_text="선택 사항. 이 시각에 공개 사이트에서 저절로 내려갑니다.",
    )

    def __init__(self, *args, article=None, **kwargs):
        super().__init__(*args, **kwargs)
        if article is not None:
            self.fields["at"].initial = article.publish_at
            self.fields["expire_at"].initial = article.expire_at

    def clean(self):
        cleaned = super().clean()
        at, expire_at = cleaned.get("at"), cleaned.get("expire_at")
        if at and expire_at and expire_at <= at:
            raise ValidationError("게재 종료 시각은 게재 시각보다 뒤여야 합니다.")
        if expire_at and expire_at <= timezone.now():
            raise ValidationError("게재 종료 시각이 이미 지났습니다.")
        return cleaned


STEP_FORMS = {
    "send_back": SendBackForm,
    "take_down": TakeDownForm,
    "publish": PublishForm,
}


class CorrectionForm(forms.ModelForm):
    class Meta:
        model = Correction
        fields = ["kind", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}


class ShareLinkForm(forms.Form):
    hours = forms.IntegerField(
        label="유효 시간(시간)",
        min_value=1,
        max_value=24 * 14,
        initial=48,
        help_text="기본 48시간, 최대 14일.",
    )
    note = forms.CharField(
        label="받는 사람",
        max_length=200,
        required=False,
        help_text="누구에게 보내는 링크인지 적어 두세요. 예: 법률 검토용.",
    )
