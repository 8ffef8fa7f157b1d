"""Hostile featured-image uploads through the admin (issue 10): each is refused
with a clear message and nothing changes, except a photo carrying GPS, which is
accepted with every piece of its metadata gone from what is stored."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image

from articles import images
from articles.models import Article, ArticleRevision
from tests.factories import make_article
from tests.test_admin import admin_url, as_user, form_data
from tests.test_images import gps_of, photo, png_claiming, stored_files

pytestmark = pytest.mark.django_db


def bomb() -> bytes:
    """A real 10,000 x 10,000 image that compresses to a few kilobytes."""
    buffer = BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


HOSTILE = {
    "bomb": (bomb, "4,000만 화소 이하로"),
    "pixel_flood": (lambda: png_claiming(30_000, 30_000), "4,000만 화소 이하로"),
    "truncated": (lambda: photo((1200, 800))[:3000], "이미지 파일이 깨져 있어"),
    "polyglot": (
        lambda: b"GIF89a/*" + b"\x00" * 8 + b"*/=1;<script>alert(1)</script>",
        "JPEG, PNG, WebP, GIF 이미지만",
    ),
    "svg": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "JPEG, PNG, WebP, GIF 이미지만",
    ),
    "empty": (lambda: b"", "제출된 파일이 비어 있습니다."),
    "oversize": (
        lambda: photo((64, 64)) + b"\0" * (images.MAX_IMAGE_BYTES + 1),
        "10MB 이하의 이미지만",
    ),
}


def state(article) -> tuple:
    row = Article.objects.filter(pk=article.pk).values().get()
    return row, ArticleRevision.objects.count(), stored_files(), originals()


def originals() -> set:
    storage = images.original_storage()
    try:
        return set(storage.listdir("articles")[1])
    except FileNotFoundError:
        return set()


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_upload_is_refused_with_a_message_and_nothing_saved(
    client, editor, kind
):
    make, message = HOSTILE[kind]
    article = make_article(title="악성 업로드 대상 기사")
    as_user(client, editor)
    data = form_data(client, article)
    data.update(image=SimpleUploadedFile("사진.jpg", make()), image_alt="설명")
    before = state(article)

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(admin_url("change", article), data)

    assert response.status_code == 200  # the form again, with its error
    errors = response.context["adminform"].form.errors["image"]
    assert any(message in error for error in errors), errors
    assert state(article) == before


def test_a_photo_with_gps_is_accepted_and_stored_without_any_metadata(client, editor):
    article = make_article(title="제보자 사진 기사")
    as_user(client, editor)
    data = form_data(client, article)
    upload = photo((1600, 1000))
    assert gps_of(Image.open(BytesIO(upload)))  # the photo really has GPS
    data.update(image=SimpleUploadedFile("제보.jpg", upload), image_alt="제보 사진")

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(admin_url("change", article), data)

    assert response.status_code == 302
    saved = Article.objects.get(pk=article.pk)
    names = [saved.image.file.name]
    opened = [images.original_storage().open(saved.image.file.name)]
    for item in saved.image.renditions["items"]:
        names.append(item["name"])
        opened.append(images.default_storage.open(item["name"]))
    assert len(names) == 1 + 8  # the original and 4 widths x (WebP, JPEG)
    for name, file in zip(names, opened, strict=True):
        with file:
            raw = file.read()
        image = Image.open(BytesIO(raw))
        assert gps_of(image) == {}, name
        assert dict(image.getexif()) == {}, name
        assert not {"xmp", "XML:com.adobe.xmp", "exif", "comment"} & set(image.info)
        assert b"Galaxy" not in raw and b"Samsung" not in raw, name
        # The upload had no colour profile, so none (and no text in one) is added.
        assert image.info.get("icc_profile") is None, name
