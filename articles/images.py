"""Which featured images we accept, and their responsive renditions.

This module is the one place for image rules: the formats we decode (IMAGE_FORMATS),
the limits (MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS) and the decode guard (`opened`, and
`check_upload` on top of it). The admin's upload field and the rendition maker both
use them; nothing here imports a form, an admin module or a view (see
tests/test_dependencies.py). A refused upload raises Django's ValidationError
(django.core, not django.forms) with a code and a Korean message, so any face
(form, importer, API) shows the same words.

An uploaded image is shown through renditions only: fixed widths (WIDTHS, never
wider than the original, never sizes a request asks for), each in WebP and in the
upload's own format. They are made by the task worker after an article is saved
(`workflow.save_article` queues `articles.tasks.make_renditions`, which calls
`make_renditions` with no lock held, then `store_renditions`), never in the
save request nor while a reader waits; until they exist pages show a
placeholder, never the upload itself. They are kept in the media storage
(`default_storage`), so nothing here assumes a local disk.

Choices, so nobody has to rediscover them:

- Renditions are listed in `Image.renditions`, a JSON column, not in a model of
  their own: every page that shows a card (front page, lists, search, related
  articles) then gets them with the article row and its image (one join,
  `select_related("image")`), with no extra query per card. The list names the
  file it was made from (`source`); a list for another file, or naming files
  outside its folder (a fixture, a stale save), is ignored and a placeholder
  is shown instead.
- Renditions are re-encoded stills of the first frame: EXIF orientation is applied
  first, then every piece of metadata (EXIF with GPS, XMP, comments) is left
  behind; only an RGB colour profile is kept, so colours do not shift. A GIF, or
  any animated image, becomes a still PNG (and WebP): resizing animations frame by
  frame costs far more than a featured image is worth.
- A WebP upload gets WebP renditions only: its own format is WebP.
- Photos (JPEG, WebP) become lossy WebP; graphics (PNG, GIF) lossless WebP, so
  text in a chart stays sharp.
- New files are written before the list changes; the files of the old list are
  deleted only once the transaction commits, so a rolled-back save never leaves
  an article pointing at deleted files.
"""

from __future__ import annotations

import logging
import math
import re
import secrets
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from io import BytesIO
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.db import models, transaction
from django.db.models.fields.files import ImageFieldFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

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
ACCEPTED_CONTENT_TYPES = ",".join(mime for _, mime in IMAGE_FORMATS.values())

UPLOAD_ERRORS = {
    "too_big": "파일이 너무 큽니다(%(size)s). 10MB 이하의 이미지만 올릴 수 있습니다.",
    "too_many_pixels": "이미지가 너무 큽니다%(size)s. 4,000만 화소 이하로 줄여서 "
    "올리세요.",
    "wrong_format": "JPEG, PNG, WebP, GIF 이미지만 올릴 수 있습니다. 이 파일은 "
    "이미지가 아니거나 다른 형식입니다.",
    "broken": "이미지 파일이 깨져 있어 열 수 없습니다. 원본 파일을 다시 저장해서 "
    "올리세요.",
}

WIDTHS = (480, 800, 1200, 1600)
# The `src` of the <img>, for the rare browser that ignores srcset.
DEFAULT_WIDTH = 800
RENDITION_ROOT = "articles/renditions"
PRUNE_MIN_AGE = timedelta(hours=1)

WEBP = "WEBP"
# The upload's format -> the format of its non-WebP renditions.
FALLBACK_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "PNG", "WEBP": WEBP}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", WEBP: "webp"}
LOSSLESS_SOURCES = {"PNG", "GIF"}

_FOLDER = re.compile(re.escape(RENDITION_ROOT) + r"/[0-9a-f]{32}")
ORIGINAL_QUALITY = {"JPEG": 92, WEBP: 92}


def _refusal(code: str, **params) -> ValidationError:
    return ValidationError(UPLOAD_ERRORS[code], code=code, params=params or None)


def check_file_size(size: int) -> None:
    """Refuse a file over MAX_IMAGE_BYTES before anything decodes it."""
    if size > MAX_IMAGE_BYTES:
        raise _refusal("too_big", size=filesizeformat(size))


def check_pixels(width: int, height: int, *, frames: int = 1) -> None:
    """Refuse an image (all its frames together) over MAX_IMAGE_PIXELS."""
    if width * height * frames > MAX_IMAGE_PIXELS:
        size = f"({width:,}×{height:,} 화소"
        size += f", {frames}장면)" if frames > 1 else ")"
        raise _refusal("too_many_pixels", size=size)


@contextmanager
def opened(source) -> Iterator[Image.Image]:
    """The decode guard: open `source` with our decoders only, within our limits.

    Only IMAGE_FORMATS' parsers see the bytes; Pillow's decompression-bomb warning
    is an error; an image over MAX_IMAGE_PIXELS is refused (ValidationError,
    code too_many_pixels) before its pixels are decoded.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(source, formats=list(IMAGE_FORMATS)) as image:
            check_pixels(*image.size)
            yield image


def check_upload(source) -> str:
    """Decode an upload fully and return its format; ValidationError if refused.

    `source` is a path or a seekable binary file. The file name proves nothing:
    the header picks the format, verify() checks the structure, and loading the
    pixels (with every frame counted) catches truncated files and endless
    animations.
    """
    try:
        with opened(source) as image:
            image_format = image.format
            image.verify()
        if hasattr(source, "seek"):
            source.seek(0)
        with opened(source) as image:
            check_pixels(*image.size, frames=getattr(image, "n_frames", 1))
            image.seek(0)
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refuses to open it at all: far beyond our own limit.
        raise _refusal("too_many_pixels", size="") from None
    except UnidentifiedImageError:
        raise _refusal("wrong_format") from None
    except Exception:
        # Pillow reports damaged files with many exception types.
        raise _refusal("broken") from None
    return image_format


class OriginalsStorage(FileSystemStorage):
    """Where uploaded originals live: a folder of their own, never public.

    Not under MEDIA_ROOT and with no URL (`url()` refuses), so no page, feed or
    rendition can point at an original; readers get renditions only. Every file
    saved here is first re-encoded by `clean_original`, so whichever face stores
    an original (admin, importer, seed, migration), it carries no metadata.
    The folder is NEWSROOM_ORIGINALS_ROOT; a deployment puts it on shared,
    private storage.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("base_url", None)
        super().__init__(**kwargs)

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.NEWSROOM_ORIGINALS_ROOT)

    @property
    def location(self):
        from os.path import abspath

        return abspath(self.base_location)

    def url(self, name):
        raise ValueError("Originals are private: show a rendition instead.")

    def _save(self, name, content):
        if not isinstance(content, CleanOriginal):  # cleaned once, not twice
            data, image_format = clean_original(content)
            content = CleanOriginal(data, image_format)
        path = PurePosixPath(name)
        name = str(path.with_suffix(f".{EXTENSIONS[content.image_format]}"))
        return super()._save(name, content)


class CleanOriginal(ContentFile):
    """An upload already re-encoded by `clean_original` (see `cleaned`)."""

    def __init__(self, data: bytes, image_format: str):
        super().__init__(data, name=f"image.{EXTENSIONS[image_format]}")
        self.image_format = image_format
        self.content_type = f"image/{EXTENSIONS[image_format].replace('jpg', 'jpeg')}"


def cleaned(source) -> CleanOriginal:
    """The checked upload as the original we store: no metadata, upright.

    Cleaned before the model sees it, so the dimensions it records are the
    upright ones (an EXIF-rotated photo swaps width and height).
    """
    return CleanOriginal(*clean_original(source))


def original_storage():
    """The storage of uploaded originals (STORAGES["originals"])."""
    return storages["originals"]


def clean_original(source) -> tuple[bytes, str]:
    """The upload re-encoded with no metadata, and its format.

    EXIF orientation is applied first, then only the pixels and an RGB colour
    profile are kept: no EXIF (GPS, camera, owner), XMP, IPTC, comments or text
    chunks. An animation keeps its first frame (pages show stills anyway), so
    GIFs are stored as PNG. JPEG and WebP are re-encoded at quality 92.
    """
    if hasattr(source, "seek"):
        source.seek(0)
    with opened(source) as image:
        source_format = image.format
        image.seek(0)
        image.load()
        still = _normalised(ImageOps.exif_transpose(image))
    image_format = FALLBACK_FORMATS[source_format]
    options: dict = {}
    if profile := still.info.get("icc_profile"):
        options["icc_profile"] = profile
    if image_format in ORIGINAL_QUALITY:
        options["quality"] = ORIGINAL_QUALITY[image_format]
    if image_format == "JPEG" and still.mode == "RGBA":
        still = still.convert("RGB")
    output = BytesIO()
    still.save(output, format=image_format, **options)
    return output.getvalue(), image_format


class MissingFileTolerantImageFieldFile(ImageFieldFile):
    def _get_image_dimensions(self):
        try:
            return super()._get_image_dimensions()
        except OSError:
            # A fixture may name a file that is not in storage: the page still
            # renders, without dimensions.
            self._dimensions_cache = (None, None)
            return self._dimensions_cache


class MissingFileTolerantImageField(models.ImageField):
    """An ImageField whose size is unknown, not an error, when its file is missing.

    Django reads the file's dimensions whenever an article without stored
    dimensions is loaded; with a missing file that raised on every page.
    """

    attr_class = MissingFileTolerantImageFieldFile


@dataclass(frozen=True)
class Rendition:
    name: str
    width: int
    height: int
    format: str

    @property
    def url(self) -> str:
        return default_storage.url(self.name)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "format": self.format,
        }


@dataclass(frozen=True)
class Picture:
    """What a <picture> element needs: a WebP set and an original-format set."""

    webp: tuple[Rendition, ...]
    fallback: tuple[Rendition, ...]

    @property
    def webp_srcset(self) -> str:
        return _srcset(self.webp)

    @property
    def srcset(self) -> str:
        return _srcset(self.fallback)

    @property
    def default(self) -> Rendition:
        fitting = [r for r in self.fallback if r.width <= DEFAULT_WIDTH]
        return fitting[-1] if fitting else self.fallback[0]

    @property
    def largest(self) -> Rendition:
        return self.fallback[-1]


def _srcset(renditions) -> str:
    return ", ".join(f"{r.url} {r.width}w" for r in renditions)


def widths_for(original_width: int) -> list[int]:
    """The rendition widths for an image: the fixed ones below its width, plus its
    own width (capped at the largest fixed width)."""
    widths = [w for w in WIDTHS if w < original_width]
    top = min(original_width, WIDTHS[-1])
    if top not in widths:
        widths.append(top)
    return widths


def new_rendition_folder() -> str:
    """A fresh random folder for one image's renditions: nothing in a rendition's
    URL says which original it came from, so none can be derived from it."""
    return f"{RENDITION_ROOT}/{secrets.token_hex(16)}"


def picture(image) -> Picture | None:
    """The renditions of `image` (an Image record), or None to show a placeholder."""
    name = image.file.name if image and image.file else ""
    data = image.renditions if image else {}
    if not name or not isinstance(data, dict) or data.get("source") != name:
        return None
    renditions = _trusted(data.get("items"), data.get("folder"))
    if not renditions:
        return None
    webp = tuple(r for r in renditions if r.format == WEBP)
    fallback = tuple(r for r in renditions if r.format != WEBP)
    if not fallback:
        return Picture(webp=(), fallback=webp)
    return Picture(webp=webp, fallback=fallback)


def _trusted(items, folder) -> list[Rendition]:
    """Renditions as stored, if every entry is well formed and in `folder`, one
    of our random rendition folders."""
    if not isinstance(items, list) or not isinstance(folder, str):
        return []
    if not _FOLDER.fullmatch(folder):
        return []
    renditions = []
    for item in items:
        try:
            rendition = Rendition(
                name=str(item["name"]),
                width=int(item["width"]),
                height=int(item["height"]),
                format=str(item["format"]),
            )
        except (KeyError, TypeError, ValueError):
            return []
        path = PurePosixPath(rendition.name)
        if (
            str(path.parent) != folder
            or rendition.format not in EXTENSIONS
            or not (0 < rendition.width <= WIDTHS[-1] and rendition.height > 0)
        ):
            return []
        renditions.append(rendition)
    return sorted(renditions, key=lambda r: (r.format, r.width))


def make_renditions(image) -> dict:
    """Write the renditions of `image` into a new random folder and return their
    list (as `Image.renditions` keeps it), or {} when the original cannot be
    read. Touches no database row: the caller stores the list (store_renditions)
    or, when it is no longer wanted, deletes the files (delete_renditions)."""
    name = image.file.name if image.file else ""
    if not name:
        return {}
    folder = new_rendition_folder()
    renditions = _make(image.file.storage, name, folder)
    if not renditions:
        return {}
    return {
        "source": name,
        "folder": folder,
        "items": [r.as_dict() for r in renditions],
    }


def store_renditions(image, data: dict) -> None:
    """Make `data` the image's renditions (one UPDATE, no save signals); the
    files of the list it replaces are deleted once the transaction commits."""
    old = image.renditions if isinstance(image.renditions, dict) else {}
    type(image).objects.filter(pk=image.pk).update(renditions=data)
    image.renditions = data
    image.forget_picture()
    _delete_on_commit(_names(old) - _names(data))


def generate_renditions(image, *, force: bool = False) -> bool:
    """Make and store the renditions of `image`, unless they are up to date.

    Returns whether anything changed. `force` remakes them even when they look
    up to date. For commands and the seed; the worker makes them outside any
    lock (articles.tasks)."""
    if not force and renditions_current(image):
        return False
    data = make_renditions(image)
    if not data and not image.renditions:
        return False
    store_renditions(image, data)
    return True


def renditions_current(image) -> bool:
    """Whether the image's listed renditions are its own and all there."""
    name = image.file.name if image.file else ""
    data = image.renditions if isinstance(image.renditions, dict) else {}
    return bool(name) and _up_to_date(data, name)


def drop_renditions(image) -> None:
    """Forget the image's renditions now and delete their files on commit: no
    public file of it may outlive the change (take-down, unpublish, removal)."""
    old = image.renditions if isinstance(image.renditions, dict) else {}
    if old:
        type(image).objects.filter(pk=image.pk).update(renditions={})
    image.renditions = {}
    image.forget_picture()
    _delete_on_commit(_names(old))


def discard_renditions(data) -> None:
    """Delete the files of a rendition list once the transaction commits."""
    _delete_on_commit(_names(data))


def delete_renditions(data) -> None:
    """Delete the files of a rendition list that was never stored, now."""
    _delete_files(sorted(_names(data)))


def _up_to_date(data: dict, name: str) -> bool:
    if data.get("source") != name:
        return False
    renditions = _trusted(data.get("items"), data.get("folder"))
    # A save from an instance loaded before the image changed twice may bring back
    # a list whose files are gone: check, it costs one stat (or HEAD) per file.
    return bool(renditions) and all(default_storage.exists(r.name) for r in renditions)


def _names(data) -> set[str]:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return set()
    return {
        item["name"]
        for item in data["items"]
        if isinstance(item, dict) and isinstance(item.get("name"), str)
    }


def _delete_on_commit(names: set[str]) -> None:
    if names:
        transaction.on_commit(partial(_delete_files, sorted(names)))


def _delete_files(names: list[str]) -> None:
    for name in names:
        # Only our own folder: a hand-edited list must not delete an upload.
        if not name.startswith(f"{RENDITION_ROOT}/") or ".." in name.split("/"):
            continue
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not delete rendition %s", name, exc_info=True)


def _make(storage, name: str, folder: str) -> list[Rendition]:
    """Decode the stored image once and write every rendition; [] if it cannot be
    read."""
    try:
        with storage.open(name, "rb") as source:
            stills = _stills(source)
    except (
        OSError,
        UnidentifiedImageError,
        ValueError,
        ValidationError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        # The save goes on: the page shows the plain image until
        # `manage.py rebuild_renditions` succeeds.
        logger.warning("No renditions for %s", name, exc_info=True)
        return []
    source_format, frames = stills
    renditions = []
    for image in frames:
        for image_format in dict.fromkeys((WEBP, FALLBACK_FORMATS[source_format])):
            content = _encode(image, image_format, source_format)
            stored = default_storage.save(
                f"{folder}/{image.width}w.{EXTENSIONS[image_format]}",
                ContentFile(content),
            )
            renditions.append(
                Rendition(stored, image.width, image.height, image_format)
            )
    return renditions


def _stills(source) -> tuple[str, list[Image.Image]]:
    """The upload's format and its first frame at every rendition width."""
    with opened(source) as image:
        source_format = image.format
        orientation = image.getexif().get(0x0112, 1)
        sideways = orientation in (5, 6, 7, 8)
        width, height = image.size[::-1] if sideways else image.size
        widths = widths_for(width)
        if source_format == "JPEG":
            # Decode a large JPEG at a reduced scale that is still at least
            # as large as the biggest rendition: far less memory and time.
            scale = widths[-1] / width
            wanted = (
                math.ceil(image.width * scale),
                math.ceil(image.height * scale),
            )
            image.draft(image.mode, wanted)
        image.seek(0)
        image.load()
        still = _normalised(ImageOps.exif_transpose(image))
    frames = []
    for target in sorted(widths, reverse=True):
        size = (target, max(1, round(target * height / width)))
        frames.append(
            still
            if still.size == size
            else still.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        )
        still = frames[-1]
    return source_format, frames[::-1]


def _normalised(image: Image.Image) -> Image.Image:
    """RGB or RGBA pixels with nothing but an RGB colour profile attached."""
    profile = image.info.get("icc_profile")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if image.mode == "CMYK":
        image = _cmyk_to_rgb(image, profile)
    elif image.mode.startswith("I"):
        # 16-bit greyscale: scale to 8 bits, or convert() would clip it to white.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    image = image.convert("RGBA" if has_alpha else "RGB")
    # A new image: no EXIF (GPS included), XMP, comments or text chunks follow it.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    if isinstance(profile, bytes) and profile[16:20] == b"RGB ":
        clean.info["icc_profile"] = profile
    return clean


def _cmyk_to_rgb(image: Image.Image, profile) -> Image.Image:
    """Print-desk CMYK JPEGs: through their own profile when they carry one."""
    if profile:
        try:
            return ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
        except (OSError, ImageCms.PyCMSError):
            logger.warning("Unusable CMYK colour profile; converting plainly")
    return image.convert("RGB")


def _encode(image: Image.Image, image_format: str, source_format: str) -> bytes:
    options: dict = {"icc_profile": image.info.get("icc_profile")}
    if image_format == "JPEG":
        options |= {"quality": 82, "optimize": True, "progressive": True}
    elif image_format == "PNG":
        options |= {"optimize": True}
    elif source_format in LOSSLESS_SOURCES:
        options |= {"lossless": True, "quality": 80, "method": 4}
    else:
        options |= {"quality": 80, "method": 4}
    if not options["icc_profile"]:
        del options["icc_profile"]
    output = BytesIO()
    image.save(output, format=image_format, **options)
    return output.getvalue()


def prune_renditions(
    lists: Iterable, *, now: datetime, min_age: timedelta = PRUNE_MIN_AGE
) -> list[str]:
    """Delete rendition files that none of `lists` names; returns their names.

    `lists` are the `Image.renditions` values of every image (the caller
    reads them: this module stays free of model queries). Files younger than
    `min_age` stay: a save still in its transaction may have written them.
    """
    listed: set[str] = set()
    for data in lists:
        listed |= _names(data)
    deleted = []
    for name in _walk(RENDITION_ROOT):
        if name in listed:
            continue
        if now - default_storage.get_modified_time(name) < min_age:
            continue
        default_storage.delete(name)
        deleted.append(name)
    return deleted


def _walk(folder: str):
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _walk(f"{folder}/{sub}")
