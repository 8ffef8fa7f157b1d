"""Admin forms: the article form with its edit lock, image checks and step inputs."""

from io import BytesIO

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import ValidationError

from . import images, limits, ratelimits, revisions, workflow
from .models import Article, Correction, Image


class PrivateImageInput(forms.ClearableFileInput):
    """The upload widget without a link to the current file: originals are
    private (no URL); the change form's thumbnail shows a rendition instead."""

    template_name = "articles/widgets/private_file_input.html"

    def is_initial(self, value):
        return bool(value and getattr(value, "name", None))  # no .url to ask

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["private_label"] = "비공개 원본 (아래 미리 보기는 변환본)"
        return context


class FeaturedImageField(forms.ImageField):
    """An upload that is a JPEG, PNG, WebP or GIF image, checked by decoding it.

    The rules (formats, limits, the decode guard, the messages) are
    `images.check_file_size` and `images.check_upload`; this field only feeds
    them the upload and renames it after what it turned out to be.
    """

    default_validators = []  # the file name proves nothing; the decoding does
    too_many = (
        "이미지는 한 사람이 한 시간에 %(limit)s장까지 올릴 수 있습니다. "
        "%(minutes)s분 뒤에 이미지를 다시 골라 저장하세요. 다른 입력 내용은 "
        "그대로 남아 있고, 아직 아무것도 저장하지 않았습니다."
    )
    # The person uploading (set by ArticleAdminForm), counted by ratelimits.py.
    uploader = None

    def __init__(self, **kwargs):
        # Always ours, also over the admin's AdminFileWidget (which links the file).
        kwargs["widget"] = PrivateImageInput(
            attrs={"accept": images.ACCEPTED_CONTENT_TYPES}
        )
        super().__init__(**kwargs)
        # The uploader's file name is never stored (the stored one is random):
        # a long Hangul name must not be refused for its length.
        self.max_length = None

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        images.check_file_size(upload.size)
        if self.uploader is not None:
            minutes = ratelimits.take_upload(self.uploader)
            if minutes is not None:
                raise ValidationError(
                    self.too_many,
                    code="too_many",
                    params={"limit": ratelimits.uploads_per_hour(), "minutes": minutes},
                )
        if hasattr(data, "temporary_file_path"):
            source = data.temporary_file_path()
        else:
            source = BytesIO(data.read())
        images.check_upload(source)
        if hasattr(source, "seek"):
            source.seek(0)
        # Stored re-encoded, with no EXIF/GPS/XMP and its orientation applied,
        # under a random name (featured_image_path) whose suffix tells the truth.
        return images.cleaned(source)


# The article form's fields, in the order the form shows them.
ARTICLE_FIELDS = [
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


# Form fields, not Article columns: they write the article's Image.
IMAGE_FORM_FIELDS = ("image", *revisions.IMAGE_TEXT_FIELDS)


class ArticleAdminForm(forms.ModelForm):
    """The article change form, with the version it was opened at.

    A save over a version the editor never saw is refused (the workflow's
    SaveArticle check; a POST without `seen_version` is refused too). The refused
    form keeps the typed text and the version it was opened with, and lists, field
    by field, what the other person changed beside what this editor typed. Saving
    again goes through only once the editor has chosen, for every such field,
    which text to keep (`keep_<field>` = "mine" or "theirs"); `merge_base` then
    names the version the comparison was made against, and the save is checked
    against that version, so a third save in between starts the merge over.
    """

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    merge_base = forms.IntegerField(widget=forms.HiddenInput, required=False)
    user = None  # set by ArticleAdmin.get_form
    # Fields a merge can settle from this form; others (the image file, bylines)
    # are shown for information.
    MERGEABLE = tuple(name for name in ARTICLE_FIELDS if name != "image")
    # What happens to a changed field the editor cannot pick here.
    KEPT_THEIRS = "상대가 저장한 내용이 남습니다. 바꾸려면 저장한 뒤 다시 고치세요."
    KEPT_MINE = "저장하면 아래 입력란의 내용이 남습니다."

    # The featured image's upload and texts write the article's Image record
    # (or, for an external image, the article's own image_url_* fields).
    image = FeaturedImageField(label="대표 이미지", required=False)
    image_alt = forms.CharField(
        label="이미지 대체 텍스트",
        max_length=300,
        required=False,
        help_text="이미지를 볼 수 없는 독자를 위한 설명. 업로드한 이미지에는 "
        "필수입니다.",
    )
    image_caption = forms.CharField(label="사진 설명", max_length=500, required=False)
    image_credit = forms.CharField(label="사진 출처", max_length=200, required=False)

    class Meta:
        model = Article
        fields = [name for name in ARTICLE_FIELDS if name not in IMAGE_FORM_FIELDS]
        # The admin builds the form with the fieldsets' names: the Article's
        # `image` column is never written from `cleaned_data["image"]`.
        exclude = ["image"]  # noqa: DJ006 (with `fields`, for the admin's sake)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflicts = []
        self.expected_version = None
        if "image" in self.fields and getattr(self.user, "pk", None):
            self.fields["image"].uploader = self.user
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version
        for name in revisions.IMAGE_TEXT_FIELDS:
            if name in self.fields and name not in self.initial:
                self.initial[name] = getattr(self.instance, name)
        if "image" in self.fields and "image" not in self.initial:
            self.initial["image"] = (
                self.instance.image.file if self.instance.image else None
            )

    def _post_clean(self):
        self._attach_image()
        super()._post_clean()

    def _attach_image(self) -> None:
        """Put the upload (a new Image), the cleared image and the typed texts
        on the instance, before the model's own checks (alt text required)."""
        cleaned = self.cleaned_data
        if "image" in cleaned and "image" in self.fields:
            upload = cleaned["image"]
            if self.fields["image"].disabled:
                pass
            elif upload is False:  # "clear" ticked
                self.instance.image = None
            elif isinstance(upload, images.CleanOriginal):  # a new upload
                self.instance.image = Image(file=upload)
        for name in revisions.IMAGE_TEXT_FIELDS:
            field = self.fields.get(name)
            if name in cleaned and field is not None and not field.disabled:
                setattr(self.instance, name, cleaned[name])

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
        # Locked until the admin's transaction ends, so nobody saves in between.
        current = workflow.stored(self.instance)
        seen, base = cleaned.get("seen_version"), cleaned.get("merge_base")
        self.expected_version = seen
        if base == current.version and seen != current.version:
            choices = self._choices(current, seen)
            if choices is not None:
                for name, keep in choices.items():
                    if keep == "theirs":
                        cleaned[name] = self._stored_value(current, name)
                self.expected_version = base
        action = workflow.SaveArticle(self.user or workflow.SYSTEM)
        refusal = action.check(current, expected_version=self.expected_version)
        if refusal is not None:
            if refusal.code == "stale":
                self._offer_merge(current, seen, cleaned)
            raise ValidationError(refusal, code=refusal.code or "refused")
        return cleaned

    def _changed(self, current, seen) -> tuple[dict, list[str]]:
        """The stored snapshot and the fields others changed since `seen`. With
        no record of `seen` (no version posted, or an article older than its
        revisions), the fields where the typed text differs from the stored."""
        base, theirs, changed = workflow.changed_since(current, seen or 0)
        if not base:
            changed = [name for name in changed if self._differs(name, theirs)]
        return theirs, changed

    def _mergeable(self, names) -> list[str]:
        return [
            name
            for name in names
            if name in self.MERGEABLE
            and name in self.fields
            and not self.fields[name].disabled
        ]

    def _choices(self, current, seen) -> dict[str, str] | None:
        """The editor's pick for every field changed since `seen`, or None."""
        theirs, changed = self._changed(current, seen)
        picks = {}
        for name in self._mergeable(changed):
            keep = self.data.get(f"keep_{name}")
            if keep not in ("mine", "theirs"):
                return None
            picks[name] = keep
        return picks

    def _differs(self, name, theirs) -> bool:
        if name not in self.fields or name not in self.cleaned_data:
            return False
        return revisions.normalised(name, self.cleaned_data[name]) != theirs.get(name)

    def _stored_value(self, current, name):
        if name == "categories":
            return sorted(current.categories.values_list("name", flat=True))
        return getattr(current, name)

    def _offer_merge(self, current, seen, cleaned) -> None:
        """Keep the typed text and the opened version; show theirs beside mine."""
        theirs, changed = self._changed(current, seen)
        mergeable = self._mergeable(changed)
        self.data = self.data.copy()
        self.data[self.add_prefix("merge_base")] = current.version
        for name in changed:
            mine = (
                revisions.normalised(name, cleaned[name]) if name in cleaned else None
            )
            self.conflicts.append(
                {
                    "name": name,
                    "label": revisions.LABELS[name],
                    "theirs": revisions.display(name, theirs.get(name)),
                    "mine": revisions.display(name, mine) if name in cleaned else "",
                    "mergeable": name in mergeable,
                    "note": self.KEPT_MINE if name == "bylines" else self.KEPT_THEIRS,
                    "keep": self.data.get(f"keep_{name}", ""),
                }
            )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="메모", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


# Text a step cannot do without is judged by the step's check, which says so in
# its own words; the fields are optional here so that message is the one shown.
class SendBackForm(forms.Form):
    comment = forms.CharField(
        label="반려 사유",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="기자에게 보입니다. 무엇을 고쳐야 하는지 적어 주세요.",
    )


class TakeDownForm(forms.Form):
    notice = forms.CharField(
        label="독자에게 보일 안내문",
        required=False,
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
    # The limits are the workflow's (CreateShareLink); its check explains them.
    hours = forms.IntegerField(
        label="유효 시간(시간)",
        help_text="기본 48시간, 최대 14일.",
    )
    note = forms.CharField(
        label="받는 사람",
        max_length=200,
        required=False,
        help_text="누구에게 보내는 링크인지 적어 두세요. 예: 법률 검토용.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hours"].initial = workflow.DEFAULT_HOURS
