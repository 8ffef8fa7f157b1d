"""Admin forms: the article form with its edit lock, image checks and step inputs."""

import warnings
from io import BytesIO

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from PIL import Image, UnidentifiedImageError

from . import limits
from .models import Article, ArticleRevision, Correction

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
# Decoded with these parsers only: a file named .jpg that is really TIFF, EPS or
# anything else never reaches another Pillow decoder.
IMAGE_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}


class FeaturedImageField(forms.ImageField):
    """An upload that is a JPEG, PNG, WebP or GIF image, checked by decoding it."""

    default_error_messages = {
        "too_big": "파일이 너무 큽니다(%(size)s). 10MB 이하의 이미지만 올릴 수 "
        "있습니다.",
        "too_many_pixels": "이미지가 너무 큽니다%(size)s. 4,000만 화소 이하로 "
        "줄여서 올리세요.",
        "wrong_format": "JPEG, PNG, WebP, GIF 이미지만 올릴 수 있습니다. 이 파일은 "
        "이미지가 아니거나 다른 형식입니다.",
        "broken": "이미지 파일이 깨져 있어 열 수 없습니다. 원본 파일을 다시 "
        "저장해서 올리세요.",
    }
    default_validators = []  # the file name proves nothing; the decoding below does

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.ClearableFileInput(
                attrs={"accept": ",".join(m for _, m in IMAGE_FORMATS.values())}
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        if upload.size > MAX_IMAGE_BYTES:
            raise ValidationError(
                self.error_messages["too_big"],
                code="too_big",
                params={"size": filesizeformat(upload.size)},
            )
        if hasattr(data, "temporary_file_path"):
            source = data.temporary_file_path()
        else:
            source = BytesIO(data.read())
        image_format = self._check(source)
        extension, content_type = IMAGE_FORMATS[image_format]
        upload.content_type = content_type
        # The stored name is random anyway (featured_image_path); its suffix now
        # tells the truth about the content.
        upload.name = f"image.{extension}"
        if hasattr(upload, "seek") and callable(upload.seek):
            upload.seek(0)
        return upload

    def _check(self, source) -> str:
        formats = list(IMAGE_FORMATS)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(source, formats=formats) as image:
                    image_format = image.format
                    self._check_pixels(*image.size)
                    image.verify()
                if hasattr(source, "seek"):
                    source.seek(0)
                # verify() does not decode pixels: load them, and count frames,
                # so a truncated file or an endless animation is caught here.
                with Image.open(source, formats=formats) as image:
                    frames = getattr(image, "n_frames", 1)
                    self._check_pixels(*image.size, frames=frames)
                    image.seek(0)
                    image.load()
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            # Pillow refuses to open it at all: far beyond our own limit.
            raise ValidationError(
                self.error_messages["too_many_pixels"],
                code="too_many_pixels",
                params={"size": ""},
            ) from None
        except UnidentifiedImageError:
            raise ValidationError(
                self.error_messages["wrong_format"], code="wrong_format"
            ) from None
        except Exception:
            # Pillow reports damaged files with many exception types.
            raise ValidationError(
                self.error_messages["broken"], code="broken"
            ) from None
        return image_format

    def _check_pixels(self, width: int, height: int, *, frames: int = 1) -> None:
        if width * height * frames > MAX_IMAGE_PIXELS:
            size = f"({width:,}×{height:,} 화소"
            size += f", {frames}장면)" if frames > 1 else ")"
            raise ValidationError(
                self.error_messages["too_many_pixels"],
                code="too_many_pixels",
                params={"size": size},
            )


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

    def clean_body(self):
        body = self.cleaned_data.get("body", "")
        fmt = self.cleaned_data.get("body_format") or self.instance.body_format
        if reason := limits.body_refusal(body, fmt):
            raise ValidationError(reason, code="body_limit")
        return body

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
