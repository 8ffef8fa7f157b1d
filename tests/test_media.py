"""An image's public files follow its article (articles/workflow/media.py) and
never lead to the private original (issue 10, items 1 and 2)."""

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image

from articles import images, workflow
from articles.models import Article
from articles.models import Image as ImageRecord
from articles.workflow.signals import article_changed
from tests.factories import make_article
from tests.test_images import (
    SEOUL_CITY_HALL,
    gps_of,
    photo,
    rendition_files,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db


def committed():
    return TestCase.captureOnCommitCallbacks(execute=True)


def rendition_names(article) -> set[str]:
    return {item["name"] for item in (article.image.renditions or {}).get("items", [])}


def original(article) -> Image.Image:
    with images.original_storage().open(article.image.file.name) as file:
        image = Image.open(file)
        image.load()
    return image


@pytest.fixture
def published(editor):
    article = upload(
        make_article(title="광화문 집회 현장"), photo((1300, 800)), by=editor
    )
    assert rendition_names(article) and rendition_names(article) <= stored_files()
    return article


# Private, clean originals --------------------------------------------------------


def test_the_stored_original_carries_no_gps_and_no_camera(published):
    assert (
        b"GPS" not in images.original_storage().open(published.image.file.name).read()
    )
    image = original(published)
    assert gps_of(image) == {}
    assert dict(image.getexif()) == {}
    assert "xmp" not in image.info and "XML:com.adobe.xmp" not in image.info
    # The test photo really had them: the upload is where they were removed.
    assert gps_of(Image.open(__import__("io").BytesIO(photo())))[2] == SEOUL_CITY_HALL


def test_the_original_is_stored_upright_with_its_orientation_applied(editor):
    # Orientation 6: the camera held sideways; stored 2000x1200, shown 1200x2000.
    article = upload(make_article(), photo((2000, 1200), orientation=6), by=editor)

    image = original(article)
    assert image.size == (1200, 2000)
    assert (article.image_width, article.image_height) == (1200, 2000)
    assert image.getexif().get(0x0112) is None


def test_originals_live_outside_public_media_and_have_no_url(published):
    originals = images.original_storage()
    assert originals.exists(published.image.file.name)
    assert not default_storage.exists(published.image.file.name)
    root = settings.NEWSROOM_ORIGINALS_ROOT.resolve()
    assert not root.is_relative_to(settings.MEDIA_ROOT.resolve())
    with pytest.raises(ValueError, match="private"):
        originals.url(published.image.file.name)


def test_no_rendition_name_says_which_original_it_came_from(published, client):
    stem = published.image.file.name.rsplit("/", 1)[1].split(".")[0]
    folders = {name.rsplit("/", 1)[0] for name in rendition_names(published)}
    assert len(folders) == 1
    assert stem not in folders.pop()
    page = client.get(published.get_absolute_url()).content.decode()
    assert "<picture>" in page
    assert stem not in page


def test_renditions_are_free_of_gps_xmp_and_text(published):
    for name, image in rendition_files(published).items():
        assert gps_of(image) == {}, name
        assert "xmp" not in image.info and "XML:com.adobe.xmp" not in image.info
        assert not {"comment", "exif"} & set(image.info), name


# Public files follow the article ---------------------------------------------------


@pytest.mark.parametrize(
    "hide",
    [
        lambda a, by: workflow.unpublish(a, by=by),
        lambda a, by: workflow.take_down(
            a, by=by, notice="법원 결정에 따라 삭제합니다."
        ),
    ],
    ids=["unpublish", "take_down"],
)
def test_hiding_deletes_renditions_keeps_the_original_and_publishing_rebuilds(
    published, editor, superuser, hide
):
    public = rendition_names(published)
    with committed():
        hide(published, superuser)

    hidden = Article.objects.get(pk=published.pk)
    assert hidden.image.renditions == {}
    assert not public & stored_files()  # every public file answers 404 now
    assert images.original_storage().exists(hidden.image.file.name)

    if hidden.status == Article.Status.UNPUBLISHED:
        with committed():
            workflow.publish(hidden, by=superuser)
        again = Article.objects.get(pk=published.pk)
        assert rendition_names(again) and rendition_names(again) <= stored_files()
        assert not public & rendition_names(again)  # new names, never the old ones


def test_an_image_two_articles_show_keeps_its_files_while_the_other_is_live(
    client, published, superuser
):
    image = published.image
    other = make_article(title="같은 사진을 쓴 후속 기사", image=image)
    public = rendition_names(published)

    with committed():
        workflow.take_down(
            published, by=superuser, notice="법원 결정에 따라 삭제합니다."
        )

    # The other article still shows the photo: its public files stay.
    assert public <= stored_files()
    assert ImageRecord.objects.get(pk=image.pk).renditions["folder"]
    page = client.get(other.get_absolute_url()).content.decode()
    assert "<picture>" in page
    assert client.get(published.get_absolute_url()).status_code == 410

    with committed():
        workflow.unpublish(other, by=superuser)

    # No article may show it now: every public file goes, the original stays.
    assert not public & stored_files()
    assert ImageRecord.objects.get(pk=image.pk).renditions == {}
    assert images.original_storage().exists(image.file.name)


def test_replacing_a_shared_image_keeps_it_for_the_article_still_using_it(
    published, editor
):
    image = published.image
    other = make_article(title="같은 사진을 쓴 기사", image=image)
    public = rendition_names(published)

    replaced = upload(published, photo((900, 600)), by=editor)

    assert replaced.image_id != image.pk
    assert Article.objects.get(pk=other.pk).image_id == image.pk
    assert public <= stored_files()
    assert images.original_storage().exists(image.file.name)


def test_replacing_the_image_deletes_old_renditions_and_original(published, editor):
    old_original, old_public = published.image.file.name, rendition_names(published)

    replaced = upload(published, photo((900, 600)), by=editor)

    assert not old_public & stored_files()
    assert not images.original_storage().exists(old_original)
    assert not ImageRecord.objects.filter(
        file=old_original
    ).exists()  # no article used it
    assert images.original_storage().exists(replaced.image.file.name)


def test_clearing_the_image_deletes_renditions_and_original(published, editor):
    old_original, old_public = published.image.file.name, rendition_names(published)
    published.image = None
    with committed():
        workflow.save_article(published, by=editor)

    assert not old_public & stored_files()
    assert not images.original_storage().exists(old_original)


def test_deleting_the_article_deletes_its_original(superuser):
    article = make_article(status=Article.Status.DRAFT, publish_at=None)
    article = upload(article, photo((700, 500)), by=superuser)
    name = article.image.file.name
    with committed():
        workflow.delete_article(article, by=superuser)

    assert not images.original_storage().exists(name)


def test_the_change_signal_carries_the_image_change(published, editor):
    seen = []

    def receiver(action, before, after, **kwargs):
        if action == "save":  # the renditions task announces its own change
            seen.append((before, after))

    article_changed.connect(receiver)
    try:
        upload(published, photo((900, 600)), by=editor)
    finally:
        article_changed.disconnect(receiver)

    [(before, after)] = seen
    assert before.image != after.image
    assert before.renditions and before.renditions != after.renditions


def test_a_long_hangul_file_name_is_accepted_and_not_kept(client, editor):
    from tests.test_images import change_form_data

    article = make_article(title="긴 파일 이름")
    client.force_login(editor)
    url = f"/admin/articles/article/{article.pk}/change/"
    data = change_form_data(client, url)
    name = "광화문광장" * 25 + ".jpg"  # 129 characters
    data.update(image=SimpleUploadedFile(name, photo((800, 500))), image_alt="광장")

    with committed():
        response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Article.objects.get(pk=article.pk)
    assert "광화문" not in saved.image.file.name
    assert rendition_names(saved)
