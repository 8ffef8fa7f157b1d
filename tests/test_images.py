"""Responsive renditions of featured images: queued on save, served with <picture>.

The suite runs tasks with Django's immediate backend, and a save queues its
task on commit: `saved()` runs the commit callbacks, as a real commit would.
test_tasks.py runs the real queue with a worker process.
"""

import json
import re
import struct
import zlib
from datetime import timedelta
from html.parser import HTMLParser
from io import BytesIO

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.forms import MultiWidget
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from articles import images, workflow
from articles.models import Article, Category
from articles.models import Image as ImageRecord
from tests.factories import (
    make_article,
    make_seed_like_article,
    stored_image,
    uploaded,
)
from tests.people import make_staff

pytestmark = pytest.mark.django_db

RED, BLUE = (220, 20, 20), (20, 20, 220)
SEOUL_CITY_HALL = (37.0, 33.0, 59.0)


# Test images ---------------------------------------------------------------------


def photo(size=(2000, 1200), fmt="JPEG", *, orientation=None) -> bytes:
    """A two-colour photo (red left half, blue right half) with GPS in its EXIF."""
    width, height = size
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Samsung"
    exif[ExifTags.Base.Model] = "Galaxy S24"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = SEOUL_CITY_HALL
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (126.0, 58.0, 41.0)
    buffer = BytesIO()
    if fmt == "GIF":
        image.convert("P").save(buffer, format="GIF")
    else:
        image.save(buffer, format=fmt, exif=exif)
    return buffer.getvalue()


def gps_of(image: Image.Image) -> dict:
    return dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


def committed():
    """Run what waits for the commit (the renditions task) as a commit would."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def upload(article, content: bytes, *, by, name="현장 사진.jpg") -> Article:
    article.image = uploaded(name, content)
    article.image_alt = "서울시청 앞 광장에 모인 시민들"
    with committed():
        saved = workflow.save_article(article, by=by)
    saved.refresh_from_db()
    return saved


def stored_files(folder="articles") -> set[str]:
    """Every file in the public media storage under `folder`."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return set()
    found = {f"{folder}/{name}" for name in files}
    for sub in folders:
        found |= stored_files(f"{folder}/{sub}")
    return found


def stored_raw(article, name: str, content: bytes) -> None:
    """Put a file among the originals as it is, behind the upload checks' back
    (as a restored backup or a hand copy would)."""
    raw = FileSystemStorage(location=settings.NEWSROOM_ORIGINALS_ROOT)
    image = ImageRecord()
    image.file.name = raw.save(f"articles/{name}", ContentFile(content))
    image.save()
    article.image = image


def decoded(name: str) -> Image.Image:
    with default_storage.open(name) as file:
        image = Image.open(BytesIO(file.read()))
        image.load()
    return image


def rendition_files(article) -> dict[str, Image.Image]:
    """Every rendition the article lists, decoded from storage."""
    return {
        item["name"]: decoded(item["name"])
        for item in article.image.renditions["items"]
    }


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(markup: str) -> list[tuple[str, dict]]:
    collector = TagCollector()
    collector.feed(markup)
    return collector.tags


def pictures(page: str) -> list[list[tuple[str, dict]]]:
    return [tags(m) for m in re.findall(r"<picture>.*?</picture>", page, re.S)]


def srcset_widths(srcset: str) -> dict[str, int]:
    """URL -> the width descriptor the page claims for it."""
    entries = (entry.strip().rsplit(" ", 1) for entry in srcset.split(","))
    return {url: int(width.removesuffix("w")) for url, width in entries}


def storage_name(url: str) -> str:
    assert url.startswith(settings.MEDIA_URL)
    return url.removeprefix(settings.MEDIA_URL)


def page_of(client, article) -> str:
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# Making renditions ------------------------------------------------------------------


def test_uploading_through_the_admin_makes_webp_and_jpeg_renditions(client, editor):
    article = make_article(title="서울광장 집회")
    client.force_login(editor)
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = change_form_data(client, url)
    data.update(
        image=SimpleUploadedFile("광장.jpg", photo((2000, 1200))),
        image_alt="서울광장에 모인 시민들",
    )

    with committed():
        response = client.post(url, data)

    assert response.status_code == 302
    article.refresh_from_db()
    found = {
        (image.format, image.width, image.height)
        for image in rendition_files(article).values()
    }
    expected_heights = {480: 288, 800: 480, 1200: 720, 1600: 960}  # 5:3 kept
    assert found == {
        (fmt, width, height)
        for fmt in ("WEBP", "JPEG")
        for width, height in expected_heights.items()
    }


def test_renditions_are_never_wider_than_the_original(editor):
    article = upload(make_article(), photo((1000, 500)), by=editor)

    widths = {
        (image.format, image.width) for image in rendition_files(article).values()
    }

    assert widths == {
        (fmt, width) for fmt in ("WEBP", "JPEG") for width in (480, 800, 1000)
    }


def test_a_large_photo_decoded_at_reduced_scale_still_gets_exact_sizes(editor):
    article = upload(make_article(), photo((4800, 3200)), by=editor)

    found = {(i.format, i.size) for i in rendition_files(article).values()}

    assert found == {
        (fmt, (width, round(width * 2 / 3)))  # nearest pixel
        for fmt in ("WEBP", "JPEG")
        for width in (480, 800, 1200, 1600)
    }


def test_a_small_original_gets_one_rendition_per_format_at_its_own_width(editor):
    article = upload(make_article(), photo((320, 200)), by=editor)

    found = {(i.format, i.size) for i in rendition_files(article).values()}

    assert found == {("WEBP", (320, 200)), ("JPEG", (320, 200))}


def test_renditions_carry_no_exif_and_no_gps(editor):
    original = photo((1000, 600))
    with Image.open(BytesIO(original)) as source:
        assert gps_of(source)  # the upload really carries a location

    article = upload(make_article(), original, by=editor)

    for name, image in rendition_files(article).items():
        assert not gps_of(image), name
        assert not image.getexif(), name
        assert "exif" not in image.info and "xmp" not in image.info, name


def test_exif_orientation_is_applied_before_resizing(editor):
    # Stored landscape, to be shown turned 90° clockwise: a portrait photo whose
    # left (red) half ends up on top.
    article = upload(make_article(), photo((1200, 800), orientation=6), by=editor)

    for name, image in rendition_files(article).items():
        width, height = image.size
        assert height > width, name
        rgb = image.convert("RGB")
        top, bottom = (
            rgb.getpixel((width // 2, 5)),
            rgb.getpixel((width // 2, height - 5)),
        )
        assert top[0] > 150 and top[2] < 100, name  # red
        assert bottom[2] > 150 and bottom[0] < 100, name  # blue
    assert max(i.width for i in rendition_files(article).values()) == 800


@pytest.mark.parametrize(
    ("fmt", "name", "expected"),
    [
        ("PNG", "도표.png", {"WEBP", "PNG"}),
        ("GIF", "움짤.gif", {"WEBP", "PNG"}),  # a still of the first frame
        ("WEBP", "사진.webp", {"WEBP"}),
    ],
)
def test_renditions_keep_the_original_format_family(editor, fmt, name, expected):
    article = upload(make_article(), photo((900, 600), fmt), by=editor, name=name)

    found = rendition_files(article).values()

    assert {image.format for image in found} == expected
    assert {image.width for image in found} == {480, 800, 900}


def test_saving_again_without_a_new_image_keeps_the_same_files(editor):
    article = upload(make_article(), photo((1000, 600)), by=editor)
    before = stored_files()

    article.title = "제목만 고친 기사"
    workflow.save_article(article, by=editor)

    assert stored_files() == before
    assert {item["name"] for item in article.image.renditions["items"]} <= before


def test_replacing_the_image_deletes_the_old_renditions(
    editor, django_capture_on_commit_callbacks
):
    article = upload(make_article(), photo((1000, 600)), by=editor)
    old = {item["name"] for item in article.image.renditions["items"]}
    assert old <= stored_files()

    with django_capture_on_commit_callbacks(execute=True):
        upload(article, photo((1300, 700)), by=editor, name="새 사진.jpg")

    article.refresh_from_db()
    new = {item["name"] for item in article.image.renditions["items"]}
    assert new and not new & old
    assert not old & stored_files()
    assert new <= stored_files()
    assert max(decoded(name).width for name in new) == 1300  # the new image's own


def test_removing_the_image_deletes_its_renditions(
    editor, django_capture_on_commit_callbacks
):
    article = upload(make_article(), photo((1000, 600)), by=editor)
    old = {item["name"] for item in article.image.renditions["items"]}

    image = article.image
    with django_capture_on_commit_callbacks(execute=True):
        article.image = None
        workflow.save_article(article, by=editor)

    assert Article.objects.get(pk=article.pk).image is None
    assert not ImageRecord.objects.filter(pk=image.pk).exists()  # no article uses it
    assert not images.original_storage().exists(image.file.name)
    assert not old & stored_files()


def test_a_rolled_back_save_keeps_the_old_renditions(editor):
    article = upload(make_article(), photo((1000, 600)), by=editor)
    old = {item["name"] for item in article.image.renditions["items"]}

    # The test's transaction never commits: nothing may be deleted yet.
    article.image = uploaded("새 사진.jpg", photo((1300, 700)))
    workflow.save_article(article, by=editor)

    assert old <= stored_files()


def test_restoring_a_revision_whose_image_was_replaced_shows_no_image_and_says_so(
    editor, django_capture_on_commit_callbacks
):
    article = upload(make_article(), photo((1000, 600)), by=editor)
    first_image = article.image.file.name
    first = article.revisions.order_by("pk").last()
    with django_capture_on_commit_callbacks(execute=True):
        upload(article, photo((1300, 700)), by=editor)
    assert not images.original_storage().exists(first_image)  # replaced: removed

    with django_capture_on_commit_callbacks(execute=True):
        workflow.restore_revision(article, first, by=editor)

    restored = Article.objects.get(pk=article.pk)
    assert not restored.image  # never resurrected
    assert not images.original_storage().exists(first_image)
    assert restored.revisions.order_by("pk").last().note == (
        f"{first.version}판 복원 (대표 이미지 파일은 지워져 복원하지 않았습니다.)"
    )


def test_restoring_a_revision_whose_original_file_is_gone_shows_no_image(
    client, editor
):
    article = upload(make_article(title="사진이 사라질 기사"), photo(), by=editor)
    name = article.image.file.name
    first = article.revisions.order_by("pk").last()
    assert first.data["image"] == name
    images.original_storage().delete(name)  # lost from storage, record still there

    with committed():
        workflow.restore_revision(article, first, by=editor)

    restored = Article.objects.get(pk=article.pk)
    assert restored.image is None
    assert not images.original_storage().exists(name)  # never resurrected
    assert restored.revisions.order_by("pk").last().note == (
        f"{first.version}판 복원 (대표 이미지 파일은 지워져 복원하지 않았습니다.)"
    )
    page = page_of(client, restored)
    assert "picture-pending" not in page and "<picture>" not in page


def test_a_revision_keeps_the_image_and_its_texts_and_restores_them(editor):
    article = upload(make_article(), photo((1000, 600)), by=editor)
    article.image_caption = "첫 사진 설명"
    article.image_credit = "김사진 기자"
    with committed():
        workflow.save_article(article, by=editor)
    kept = article.revisions.order_by("pk").last()
    assert (kept.data["image"], kept.data["image_caption"]) == (
        article.image.file.name,
        "첫 사진 설명",
    )
    article = Article.objects.get(pk=article.pk)
    article.image_caption = "고친 사진 설명"
    article.image_alt = "고친 대체 텍스트"
    with committed():
        workflow.save_article(article, by=editor)
    assert ImageRecord.objects.get(pk=article.image_id).caption == "고친 사진 설명"

    with committed():
        workflow.restore_revision(article, kept, by=editor)

    image = ImageRecord.objects.get(pk=article.image_id)
    assert (image.alt, image.caption, image.credit) == (
        "서울시청 앞 광장에 모인 시민들",
        "첫 사진 설명",
        "김사진 기자",
    )


def test_restoring_an_older_revision_with_its_image_kept_brings_renditions_back(
    editor, django_capture_on_commit_callbacks
):
    article = upload(make_article(), photo((1000, 600)), by=editor)
    first = article.revisions.order_by("pk").last()
    article.title = "제목을 고친 판"
    with committed():
        workflow.save_article(article, by=editor)

    with committed():
        workflow.restore_revision(article, first, by=editor)

    restored = Article.objects.get(pk=article.pk)
    assert restored.picture is not None
    assert max(i.width for i in rendition_files(restored).values()) == 1000


def test_deleting_an_article_deletes_its_renditions(django_capture_on_commit_callbacks):
    superuser = make_staff(None)
    article = upload(make_article(status=Article.Status.DRAFT), photo(), by=superuser)
    names = {item["name"] for item in article.image.renditions["items"]}

    with django_capture_on_commit_callbacks(execute=True):
        workflow.delete_article(article, by=superuser)

    assert names and not names & stored_files()


def test_an_unreadable_image_saves_the_article_without_renditions(editor):
    article = make_article(title="깨진 사진 기사")
    stored_raw(article, "broken.jpg", b"\xff\xd8 not really a jpeg")
    article.image_alt = "깨진 사진"

    workflow.save_article(article, by=editor)

    saved = Article.objects.get(pk=article.pk)
    assert saved.title == "깨진 사진 기사"
    assert saved.image.renditions == {}


def test_a_stored_image_over_the_pixel_limit_gets_no_renditions(editor):
    """The rendition maker decodes through the upload's guard: a pixel flood put
    in storage behind the form's back is refused before its pixels are read."""
    article = make_article()
    stored_raw(article, "flood.png", png_claiming(7000, 6000))
    article.image_alt = "대체 텍스트"

    workflow.save_article(article, by=editor)

    article.refresh_from_db()
    assert article.image.renditions == {}
    assert article.picture is None


# Which images we accept -----------------------------------------------------------


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a size its data does not have (a pixel flood)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (lambda: "그냥 글자입니다".encode(), "wrong_format"),
        (lambda: photo((64, 48), "TIFF"), "wrong_format"),
        (lambda: photo((400, 300))[:600], "broken"),
        (lambda: png_claiming(7000, 6000), "too_many_pixels"),
        (lambda: png_claiming(100_000, 100_000), "too_many_pixels"),
    ],
    ids=["text", "tiff", "truncated-jpeg", "over-40-megapixels", "pillow-bomb"],
)
def test_check_upload_refuses_with_a_code_and_a_korean_message(content, code):
    with pytest.raises(ValidationError) as refused:
        images.check_upload(BytesIO(content()))

    assert refused.value.code == code
    assert any("\uac00" <= ch <= "\ud7a3" for ch in " ".join(refused.value.messages))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_check_upload_names_the_format_the_bytes_are_in(fmt):
    assert images.check_upload(BytesIO(photo((64, 48), fmt))) == fmt


def test_a_file_over_ten_megabytes_is_refused_before_decoding():
    images.check_file_size(images.MAX_IMAGE_BYTES)  # exactly the limit is fine

    with pytest.raises(ValidationError) as refused:
        images.check_file_size(images.MAX_IMAGE_BYTES + 1)

    assert refused.value.code == "too_big"
    assert "10MB 이하" in refused.value.messages[0]


# Serving them --------------------------------------------------------------------


def test_article_page_serves_a_picture_with_webp_and_jpeg_srcsets(client, editor):
    article = upload(make_article(), photo((2000, 1200)), by=editor)

    [picture] = pictures(page_of(client, article))

    [(_, source)] = [(tag, attrs) for tag, attrs in picture if tag == "source"]
    [(_, img)] = [(tag, attrs) for tag, attrs in picture if tag == "img"]
    assert source["type"] == "image/webp"
    assert source["sizes"] == img["sizes"]
    for srcset, fmt in ((source["srcset"], "WEBP"), (img["srcset"], "JPEG")):
        claimed = srcset_widths(srcset)
        assert sorted(claimed.values()) == [480, 800, 1200, 1600]
        for url, width in claimed.items():
            image = decoded(storage_name(url))
            assert (image.format, image.width) == (fmt, width)
    assert img["alt"] == "서울시청 앞 광장에 모인 시민들"
    image = decoded(storage_name(img["src"]))
    assert (img["width"], img["height"]) == (str(image.width), str(image.height))
    # The article's own image is what the reader came for: fetched first.
    assert img["loading"] == "eager"
    assert img["fetchpriority"] == "high"
    assert article.image.file.name not in page_of(client, article)  # never the original


def test_cards_load_their_pictures_lazily_with_a_small_size_hint(client, editor):
    politics = Category.objects.create(name="정치")
    article = upload(make_article(categories=[politics]), photo(), by=editor)

    response = client.get(politics.get_absolute_url())

    assert response.status_code == 200
    [picture] = pictures(response.content.decode())
    img = dict(picture)["img"]
    assert img["loading"] == "lazy"
    assert "fetchpriority" not in img
    assert "14rem" in img["sizes"]
    assert set(srcset_widths(img["srcset"]).values()) == {480, 800, 1200, 1600}
    assert article.title in response.content.decode()


def test_external_image_is_shown_as_it_is_and_loaded_lazily(client):
    article = make_seed_like_article()

    page = page_of(client, article)

    assert "<picture>" not in page
    imgs = [attrs for tag, attrs in tags(page) if tag == "img"]
    [img] = [attrs for attrs in imgs if attrs.get("src") == article.image_url]
    assert img["loading"] == "lazy"
    assert img["decoding"] == "async"
    assert "srcset" not in img


def test_a_missing_media_file_from_a_fixture_does_not_break_the_page(client, tmp_path):
    fixture = tmp_path / "missing_image.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "articles.image",
                    "fields": {
                        "file": "articles/사라진-사진.jpg",
                        "alt": "사라진 사진",
                    },
                },
                {
                    "model": "articles.article",
                    "fields": {
                        "title": "사진이 사라진 기사",
                        "slug": "사진이-사라진-기사",
                        "document_key": "missing-image",
                        "body": "<p>본문은 그대로다.</p>",
                        "body_format": "html",
                        "status": "published",
                        "publish_at": "2024-06-17T09:00:00+09:00",
                        "first_published_at": "2024-06-17T09:00:00+09:00",
                        "created_at": "2024-06-17T09:00:00+09:00",
                        "updated_at": "2024-06-17T09:00:00+09:00",
                        "image": ["articles/사라진-사진.jpg"],
                    },
                },
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    call_command("loaddata", str(fixture), verbosity=0)
    article = Article.objects.get(document_key="missing-image")

    page = page_of(client, article)

    assert "본문은 그대로다." in page
    assert "<picture>" not in page


def test_renditions_listed_by_a_fixture_are_not_served(client, editor):
    victim = upload(make_article(), photo((1000, 600)), by=editor)
    article = make_article(
        title="수상한 픽스처 기사", image=stored_image("own.jpg", photo((1000, 600)))
    )
    # A list naming another article's upload (it keeps its GPS data).
    ImageRecord.objects.filter(pk=article.image_id).update(
        renditions={
            "source": article.image.file.name,
            "items": [
                {
                    "name": victim.image.file.name,
                    "width": 480,
                    "height": 288,
                    "format": "JPEG",
                }
            ],
        }
    )

    page = page_of(client, Article.objects.get(pk=article.pk))

    assert victim.image.file.name not in page
    assert "<picture>" not in page


def test_a_page_view_never_makes_renditions(client):
    article = make_article(
        title="변환본 없는 기사", image=stored_image("plain.jpg", photo(), alt="광장")
    )
    before = stored_files()

    page = page_of(client, article)
    client.get("/")

    assert stored_files() == before
    assert ImageRecord.objects.get(pk=article.image_id).renditions == {}
    # A placeholder of the photo's proportions stands in; the upload is never linked.
    [img] = [
        attrs
        for tag, attrs in tags(page)
        if "picture-pending" in attrs.get("class", "")
    ]
    assert img["src"].endswith("img/picture-pending.svg")
    assert (img["width"], img["height"], img["alt"]) == ("2000", "1200", "광장")
    assert article.image.file.name not in page


def test_pictures_on_a_list_page_cost_no_queries(client, editor):
    culture = Category.objects.create(name="문화")

    def page_queries(expected_pictures):
        client.get(culture.get_absolute_url())  # the site lists, cached once
        with CaptureQueriesContext(connection) as captured:
            response = client.get(culture.get_absolute_url())
        assert len(pictures(response.content.decode())) == expected_pictures
        return len(captured)

    upload(make_article(categories=[culture]), photo((600, 400)), by=editor)
    one = page_queries(1)
    for _ in range(2):
        upload(make_article(categories=[culture]), photo((600, 400)), by=editor)

    assert page_queries(3) == one


# Existing images -----------------------------------------------------------------


def test_rebuild_renditions_makes_them_for_images_saved_before(client):
    image = stored_image("old.jpg", photo((1000, 600)), alt="예전 사진")
    article = make_article(title="예전에 올린 사진", image=image)
    assert ImageRecord.objects.get(pk=image.pk).renditions == {}

    call_command("rebuild_renditions", verbosity=0)

    article.refresh_from_db()
    assert {i.width for i in rendition_files(article).values()} == {480, 800, 1000}
    assert len(pictures(page_of(client, article))) == 1


def test_prune_deletes_only_rendition_files_no_image_lists(editor):
    article = upload(make_article(), photo((1000, 600)), by=editor)
    listed = {item["name"] for item in article.image.renditions["items"]}
    stray = default_storage.save(
        f"{images.RENDITION_ROOT}/gone/480w.jpg", ContentFile(photo((480, 300)))
    )

    lists = [image.renditions for image in ImageRecord.objects.all()]
    fresh = images.prune_renditions(lists, now=timezone.now())
    later = images.prune_renditions(lists, now=timezone.now() + timedelta(hours=2))

    assert fresh == []  # a save in progress may have just written it
    assert later == [stray]
    assert listed <= stored_files()
    assert images.original_storage().exists(article.image.file.name)


# Helpers for the admin test ------------------------------------------------------


def change_form_data(client, url) -> dict:
    """What the change form would post back unchanged, inlines included."""
    response = client.get(url)
    assert response.status_code == 200
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            widget = field.field.widget
            if getattr(widget, "input_type", None) == "file":
                continue
            if isinstance(widget, MultiWidget):
                parts = widget.decompress(field.value())
                for i, (sub, part) in enumerate(
                    zip(widget.widgets, parts, strict=True)
                ):
                    data[f"{field.html_name}_{i}"] = sub.format_value(part) or ""
            else:
                value = widget.format_value(field.value())
                data[field.html_name] = "" if value is None else value
    return data


def test_editing_a_shared_images_caption_shows_on_every_article_using_it(
    client, editor, django_capture_on_commit_callbacks
):
    image = stored_image(
        "shared.jpg", photo((1000, 600)), alt="광장", caption="옛 설명"
    )
    first = make_article(title="첫 기사", image=image)
    second = make_article(title="둘째 기사", image=image)
    assert "옛 설명" in page_of(client, second)

    first = Article.objects.get(pk=first.pk)
    first.image.caption = "새 설명"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.save_article(first, by=editor, expected_version=first.version)

    second.refresh_from_db()
    assert "새 설명" in second.page_header_html  # its stored page header
    page = page_of(client, second)
    assert "새 설명" in page
    assert "옛 설명" not in page
