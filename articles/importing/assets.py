"""Images a document names by a path on the old site, not by a URL.

Jekyll and Hugo write `image: /assets/img/cover.jpg` (a site path) or
`image: cover.jpg` (relative to the document). Such a path means something only
with the old site at hand, so the run says where that is:

- `OldSite.assets`, the old site's root folder (`--assets`): the featured image
  is copied into media storage through `featured_upload`, the one seam to the
  admin's upload checks.
- `OldSite.url`, the old site's address (`--site-url`): the path becomes an
  absolute URL there, for the featured image and for body images alike.

A site path is read from the site root; a relative path from the document's
folder, placed in the site by its position under `--assets` (or, without it,
under the folder named on the command line). Under `--assets` a path that
climbs out of the root (`..`, a symlink) is refused; for a URL the root clamps
it, as a browser does. A path's `?query`/`#fragment` stay on the URL and are
dropped for the file; `%XX` escapes are decoded to find the file. A leading
`{{ site.baseurl }}` or `{{ site.url }}` (Jekyll's Liquid) is the site root.

Body images are `<img src>` in either format and inline Markdown images
(`![alt](path "title")`); reference-style Markdown images and `srcset` stay as
written. Every rewrite is recorded so export can put the original paths back.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File

from .. import rendering

_LIQUID_ROOT = re.compile(r"\A\{\{-?\s*site\.(?:baseurl|url)\s*-?\}\}")
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
_SRC = re.compile(
    r"""(\bsrc\s*=\s*)(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>"'`=<]+))""",
    re.I,
)
# ![alt](<path> "title") or ![alt](path "title"); alt without nested brackets.
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\(\s*(?:<(?P<angle>[^>\n]*)>|(?P<plain>[^\s)]+))")
# Characters that would end the path in an attribute or a Markdown link.
_UNSAFE_IN_URL = re.compile(r"""[\s"'<>()\\`]""")


class EscapesRoot(ValueError):
    """The path points outside the old site's root folder."""


@dataclass(frozen=True)
class OldSite:
    """Where the old site's files (`assets`) or pages (`url`) are."""

    assets: Path | None = None
    url: str = ""

    def __post_init__(self):
        if self.assets is not None:
            object.__setattr__(self, "assets", Path(self.assets).resolve())
        if self.url:
            object.__setattr__(self, "url", self.url.rstrip("/") + "/")


@dataclass(frozen=True)
class Located:
    """What an image path became: a URL to show, a file to copy, or neither."""

    url: str = ""
    file: Path | None = None
    problem: str = ""  # why it could not be used (a warning, not a refusal)


def is_path(reference: str) -> bool:
    """A site or relative path, not a URL of any scheme or a fragment."""
    split = urlsplit(reference)
    return bool(reference) and not (
        split.scheme or reference.startswith(("//", "#", "\\\\"))
    )


def site_folder(document: Path, base: Path) -> str | None:
    """The document's folder as a path from `base` ('' there), None if outside."""
    folder = document.resolve().parent
    if not folder.is_relative_to(base.resolve()):
        return None
    relative = folder.relative_to(base.resolve()).as_posix()
    return "" if relative == "." else relative


def locate(reference: str, *, folder: str | None, site: OldSite) -> Located:
    """Turn one image path into a URL or a file; EscapesRoot under `--assets`.

    `folder` is the document's place in the site; None for a document outside
    the `--assets` folder, whose relative paths lead nowhere known.
    """
    reference = _LIQUID_ROOT.sub("/", reference, count=1)
    path, suffix = _split_suffix(reference)
    path = path.replace("\\", "/")
    if path.startswith("/"):
        joined = path.lstrip("/")
    elif folder is None:
        return Located(
            problem="a relative path, and the document is not in the --assets folder"
        )
    else:
        joined = f"{folder}/{path}" if folder else path
    relative = posixpath.normpath(f"/{joined}").lstrip("/")
    normal = posixpath.normpath(joined) if joined else ""
    climbs = normal == ".." or normal.startswith("../")
    if site.assets is not None:
        if climbs:
            raise EscapesRoot(
                f"image path {reference!r} leads out of the --assets folder"
            )
        return _file(site.assets, relative, reference)
    if site.url:
        return Located(url=site.url + _UNSAFE_IN_URL.sub(_escape, relative) + suffix)
    return Located(problem="no --assets or --site-url to find it")


def _split_suffix(reference: str) -> tuple[str, str]:
    cut = min(
        (i for i in (reference.find("?"), reference.find("#")) if i >= 0),
        default=len(reference),
    )
    return reference[:cut], reference[cut:]


def _escape(match: re.Match) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode())


def _file(root: Path, relative: str, reference: str) -> Located:
    for name in dict.fromkeys((relative, unquote(relative))):
        candidate = root / name
        resolved = candidate.resolve()
        if not resolved.is_relative_to(root):
            raise EscapesRoot(
                f"image path {reference!r} leads out of the --assets folder "
                f"(to {resolved})"
            )
        if resolved.is_file():
            return Located(file=resolved)
    return Located(problem=f"no file {relative!r} in the --assets folder")


def featured_upload(path: Path) -> tuple[File | None, str, str]:
    """The file as a checked featured-image upload, its SHA-256, or why not.

    The checks are the admin's upload field's own (formats, size, pixels, a full
    decode), so an imported image is accepted exactly when an upload would be.
    This is the one call into them.
    """
    from ..forms import FeaturedImageField  # the admin's check; see the docstring

    try:
        with path.open("rb") as handle:
            upload = FeaturedImageField(required=False).clean(
                File(handle, name=path.name)
            )
            handle.seek(0)
            # Of the file as found, so importing the same file again is a no-op.
            digest = hashlib.sha256(handle.read()).hexdigest()
    except OSError as exc:
        return None, "", f"cannot be read ({exc.strerror})"
    except ValidationError as exc:
        return None, "", " ".join(exc.messages)
    return upload, digest, ""  # re-encoded without metadata (images.cleaned)


@dataclass(frozen=True)
class BodyImages:
    body: str
    rewritten: tuple[tuple[str, str], ...] = ()  # (URL written, original path)
    kept: tuple[str, ...] = ()  # paths left as written


def rewrite_body(
    body: str, body_format: str, *, folder: str | None, url_folder: str, site: OldSite
) -> BodyImages:
    """The body with its image paths made absolute URLs on the old site.

    Without `--site-url` the paths stay and are listed in `kept`. Under
    `--assets` a path out of the root raises EscapesRoot, though body images
    are not copied yet (that comes with the image library).
    """
    rewritten, kept = [], []

    def replace(path: str) -> str:
        if not is_path(path):
            return path
        if site.assets is not None:
            locate(path, folder=folder, site=OldSite(assets=site.assets))
        if not site.url:
            kept.append(path)
            return path
        url = locate(path, folder=url_folder, site=OldSite(url=site.url)).url
        rewritten.append((url, path))
        return url

    new_body = _replace_paths(body, body_format, replace)
    return BodyImages(new_body, tuple(rewritten), tuple(dict.fromkeys(kept)))


def restore_body(body: str, body_format: str, rewritten) -> str:
    """Undo `rewrite_body`: each URL it wrote goes back to the path it replaced."""
    originals: dict[str, list[str]] = {}
    for url, path in rewritten or ():
        originals.setdefault(url, []).append(path)
    if not originals:
        return body

    def replace(value: str) -> str:
        paths = originals.get(value)
        if not paths:
            return value
        return paths.pop(0) if len(paths) > 1 else paths[0]

    return _replace_paths(body, body_format, replace)


def _replace_paths(body: str, body_format: str, replace) -> str:
    def in_tag(tag: re.Match) -> str:
        def in_src(src: re.Match) -> str:
            for group, quote in (("dq", '"'), ("sq", "'"), ("bare", "")):
                value = src.group(group)
                if value is not None:
                    return f"{src.group(1)}{quote}{replace(value)}{quote}"
            return src.group()

        return _SRC.sub(in_src, tag.group(), count=1)

    body = _IMG_TAG.sub(in_tag, body)
    if body_format != rendering.MARKDOWN:
        return body

    def in_markdown(image: re.Match) -> str:
        group = "angle" if image.group("angle") is not None else "plain"
        start, end = image.span(group)
        text = image.group()
        offset = image.start()
        value = replace(image.group(group))
        return text[: start - offset] + value + text[end - offset :]

    return _MD_IMAGE.sub(in_markdown, body)
