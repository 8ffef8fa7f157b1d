"""Read and check front-matter documents; nothing here touches the database."""

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .. import limits, rendering
from ..models import Article, validate_web_url
from ..text import nfc, unicode_slug
from . import assets

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
# Files a folder scan picks up; a file named on the command line is always read.
DOCUMENT_SUFFIXES = MARKDOWN_SUFFIXES | HTML_SUFFIXES | {".txt"}

TEXT_KEYS = ("title", "excerpt", "feature_text", "image_alt", "image_caption",
             "image_credit")  # fmt: skip
MODELLED_KEYS = frozenset(
    {*TEXT_KEYS, "categories", "category", "image", "date", "published", "id",
     "permalink", "slug", "author", "authors"}
)  # fmt: skip

# Where an article keeps what its document said before the importer resolved it
# (the `image` value, body image paths), in `Article.front_matter`; export writes
# those back. A document may not use the key itself.
ORIGINAL_KEY = "newsroom:original"

# A front matter that expands (YAML aliases) past this many values is refused.
MAX_FRONT_MATTER_VALUES = 10_000
# Hostile YAML (alias and merge-key bombs) is refused before it can expand: real
# front matter is a few hundred bytes and rarely uses an alias at all.
MAX_FRONT_MATTER_BYTES = 64 * 1024
MAX_FRONT_MATTER_ALIASES = 50
# A file larger than this is refused after reading this much plus one byte: room
# for the longest body (limits.MAX_BODY_CHARACTERS, up to 4 bytes each in UTF-8)
# and the largest front matter.
MAX_DOCUMENT_BYTES = 4 * limits.MAX_BODY_CHARACTERS + MAX_FRONT_MATTER_BYTES
# Publish dates outside these years are typing mistakes (0001-01-01), not history.
EARLIEST_YEAR, LATEST_YEAR = 1800, 2200

_FRONT_MATTER = re.compile(
    r"""\A---[ \t]*\r?\n              # the opening line
        (.*?)                        # the YAML, possibly empty
        ^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)  # the closing line; the body follows
    """,
    re.S | re.M | re.X,
)
_HTML_START = re.compile(r"\A\s*<(?:!--|[A-Za-z][A-Za-z0-9-]*(?:\s|/?>))")
_DATE_PREFIX = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})-")


class DocumentError(Exception):
    """One document cannot be imported; `problem` says why."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class ImportRefused(Exception):
    """The run imported nothing: every bad document is listed."""

    def __init__(self, errors: Sequence[DocumentError]):
        self.errors = list(errors)
        lines = "\n".join(f"  {error}" for error in self.errors)
        super().__init__(
            f"Nothing was imported: {len(self.errors)} document(s) have problems.\n"
            f"{lines}"
        )


@dataclass(frozen=True)
class Document:
    path: Path
    key: str
    title: str
    body: str
    body_format: str
    excerpt: str = ""
    feature_text: str = ""
    image_url: str = ""
    image_path: str = ""  # a site or relative path, as written (stripped)
    image_original: str = ""  # the `image` value exactly as written
    image_file: Path | None = None  # the file under --assets to copy
    image_alt: str = ""
    image_caption: str = ""
    image_credit: str = ""
    slug: str = ""
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    publish_at: dt.datetime | None = None  # None: the time of the import
    published: bool = True
    extra: dict = field(default_factory=dict)
    body_images: tuple[tuple[str, str], ...] = ()  # (URL written, original path)
    warnings: tuple[str, ...] = ()  # imported anyway; the run lists them at the end


def detect_format(name: str, body: str) -> str:
    """The body format a document named `name` with this body is imported as."""
    suffix = Path(name).suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return rendering.MARKDOWN
    if suffix in HTML_SUFFIXES or _HTML_START.match(body):
        return rendering.HTML
    return rendering.MARKDOWN


def split_front_matter(text: str) -> tuple[str, str]:
    """Split a document into its YAML text and its body; ValueError if it has none."""
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ValueError("no front matter (the file must start with a '---' line)")
    return match.group(1), text[match.end() :]


def read_document(
    path: Path, *, site: assets.OldSite | None = None, root: Path | None = None
) -> Document:
    """Read and check one document without touching the database.

    `site` says where the old site's images are (see `assets`); `root` is the
    folder the document was found under (its own folder by default).
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_DOCUMENT_BYTES + 1)
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise DocumentError(
                path,
                f"larger than the import limit of {MAX_DOCUMENT_BYTES:,} bytes "
                f"(본문은 {limits.MAX_BODY_CHARACTERS:,}자까지)",
            )
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start]
        raise DocumentError(
            path, f"not valid UTF-8 (byte {byte:#04x} at offset {exc.start})"
        ) from None
    except OSError as exc:
        raise DocumentError(path, f"cannot be read ({exc.strerror})") from None
    try:
        document = parse_document(
            text.removeprefix("\ufeff"), name=path.name, path=path
        )
        placed = place_images(document, site or assets.OldSite(), root or path.parent)
        # Image paths made URLs may have lengthened the body: check it as stored
        # (parse_document checked it as read, so only when it changed).
        if placed.body != document.body:
            _check_body(placed.body, placed.body_format)
        return placed
    except ValueError as exc:
        raise DocumentError(path, str(exc)) from None


def place_images(document: Document, site: assets.OldSite, root: Path) -> Document:
    """Resolve the document's image paths on the old site; warn what stays."""
    # The document's place in the old site: under --assets, else under the
    # folder it was found in.
    folder = url_folder = None
    if site.assets is not None:
        folder = url_folder = assets.site_folder(document.path, site.assets)
    if url_folder is None:
        url_folder = assets.site_folder(document.path, root) or ""
    warnings = []
    changes: dict = {}
    if document.image_path:
        located = assets.locate(
            document.image_path,
            folder=folder if site.assets is not None else url_folder,
            site=site,
        )
        if located.url:
            changes["image_url"] = _checked_image_url(located.url)
        elif located.file:
            changes["image_file"] = located.file
        else:
            warnings.append(
                f"featured image {document.image_path!r} not imported: "
                f"{located.problem}"
            )
    body = assets.rewrite_body(
        document.body,
        document.body_format,
        folder=folder,
        url_folder=url_folder,
        site=site,
    )
    if body.kept:
        warnings.append(
            "body image paths kept as written: "
            + ", ".join(repr(path) for path in body.kept)
        )
    return dataclasses.replace(
        document,
        body=body.body,
        body_images=body.rewritten,
        warnings=tuple(warnings),
        **changes,
    )


def parse_document(text: str, *, name: str, path: Path) -> Document:
    """Turn a document's text into a checked `Document`; ValueError names a problem."""
    if "\x00" in text:
        raise ValueError("contains a NUL character")
    yaml_text, body = split_front_matter(text)
    if len(yaml_text.encode("utf-8", "surrogatepass")) > MAX_FRONT_MATTER_BYTES:
        raise ValueError(
            f"front matter is too large: more than {MAX_FRONT_MATTER_BYTES:,} bytes"
        )
    body_format = detect_format(name, body)
    _check_body(body, body_format)
    try:
        data = _load_yaml(yaml_text) if yaml_text.strip() else {}
    except yaml.YAMLError as exc:
        raise ValueError(_describe_yaml_error(exc)) from None
    except RecursionError:
        raise ValueError("front matter is nested too deeply") from None
    if not isinstance(data, dict):
        raise ValueError(
            f"front matter must be a mapping of keys to values, not {_kind(data)}"
        )
    if ORIGINAL_KEY in data:
        raise ValueError(f"{ORIGINAL_KEY!r} is a reserved front-matter key")
    extra = _to_json(
        {key: value for key, value in data.items() if key not in MODELLED_KEYS}
    )
    texts = {key: _text(data, key) for key in TEXT_KEYS}
    if not texts["title"]:
        raise ValueError("no title")
    key = _text(data, "id") or _text(data, "permalink") or nfc(name)
    _check_length("document_key", key, "document key (id, permalink or file name)")
    for text_key, value in texts.items():
        _check_length(text_key, value, text_key)
    return Document(
        path=path,
        key=key,
        body=body,
        body_format=body_format,
        **_image(data.get("image")),
        slug=unicode_slug(_text(data, "slug")),
        categories=_names(data, ("categories", "category")),
        authors=_names(data, ("author", "authors"), need_slug=True),
        publish_at=_publish_at(data.get("date"), name),
        published=_published(data.get("published")),
        extra=extra,
        **texts,
    )


def _check_body(body: str, body_format: str) -> None:
    if reason := limits.body_refusal(body, body_format):
        raise ValueError(reason)


def find_documents(
    paths: Iterable[str | Path],
) -> tuple[list[Path], list[DocumentError]]:
    """Files named, plus document files under folders named (hidden ones skipped)."""
    found: dict[Path, Path] = {}
    missing = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for candidate in sorted(path.rglob("*")):
                relative = candidate.relative_to(path).parts
                if (
                    candidate.is_file()
                    and candidate.suffix.lower() in DOCUMENT_SUFFIXES
                    and not any(part.startswith(".") for part in relative)
                ):
                    found.setdefault(candidate.resolve(), candidate)
        elif path.is_file():
            found.setdefault(path.resolve(), path)
        else:
            missing.append(DocumentError(path, "no such file or folder"))
    return list(found.values()), missing


def read_documents(
    paths: Iterable[str | Path], *, site: assets.OldSite | None = None
) -> list[Document]:
    """Read every document; refuse them all if any one is bad."""
    paths = list(paths)
    folders = [Path(raw).resolve() for raw in paths if Path(raw).is_dir()]
    paths, errors = find_documents(paths)
    documents, seen = [], {}
    for path in paths:
        where = path.resolve()
        root = next((f for f in folders if where.is_relative_to(f)), path.parent)
        try:
            document = read_document(path, site=site, root=root)
        except DocumentError as error:
            errors.append(error)
            continue
        if document.key in seen:
            errors.append(
                DocumentError(
                    path,
                    f"same document key {document.key!r} as {seen[document.key]} "
                    "(give one of them an 'id' in its front matter)",
                )
            )
            continue
        seen[document.key] = path
        documents.append(document)
    if errors:
        raise ImportRefused(errors)
    return documents


class _Dates:
    """Name the line of an impossible date (2024-02-30): a loader mixin."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                problem=f"bad date {node.value!r} ({exc})",
                problem_mark=node.start_mark,
            ) from None


class _Loader(_Dates, yaml.SafeLoader):
    """PyYAML's safe loader, naming the line of an impossible date.

    It also refuses alias bombs while composing, before anything expands: more
    than MAX_FRONT_MATTER_ALIASES aliases. (Merge keys, `<<: *a`, cannot multiply:
    PyYAML 6.0.2+ merges each key once.)
    """

    def compose_document(self):
        self._aliases = 0
        return super().compose_document()

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases = getattr(self, "_aliases", 0) + 1
            if self._aliases > MAX_FRONT_MATTER_ALIASES:
                line = self.peek_event().start_mark.line + 2  # as in the file
                raise ValueError(
                    "front matter is too large: more than "
                    f"{MAX_FRONT_MATTER_ALIASES} YAML aliases (*name); one more "
                    f"at line {line}"
                )
        return super().compose_node(parent, index)


class _FastLoader(_Dates, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's safe loader (about 9× faster than _Loader, when PyYAML has
    it), naming bad dates too. It composes in C, where _Loader's alias count
    cannot see: _load_yaml gives it only text that can hold no alias."""


for _loader in (_Loader, _FastLoader):
    _loader.add_constructor(
        "tag:yaml.org,2002:timestamp", _loader.construct_yaml_timestamp
    )


def _load_yaml(text: str):
    """The front matter's data, by the fast loader when the text holds no `*`
    (every alias starts with one, so nothing can expand), else by _Loader,
    which counts aliases. Anything the fast loader refuses is read again by
    _Loader, so a broken front matter is described as it always was."""
    if "*" not in text:
        try:
            return yaml.load(text, Loader=_FastLoader)
        except yaml.YAMLError:
            pass
    return yaml.load(text, Loader=_Loader)


def _describe_yaml_error(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return f"broken YAML front matter: {problem}"
    # Lines of the file: +1 for the opening '---' line, +1 to count from one.
    message = f"broken YAML front matter at line {mark.line + 2}: {problem}"
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark is not None:
        message += f" ({context} at line {context_mark.line + 2})"
    return message


def _kind(value) -> str:
    return {list: "a list", str: "text", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{key!r} must be text, not {_kind(value)}")
    return _storable(str(value), key).strip()


def _storable(value: str, key) -> str:
    """`value` in NFC, if a database can store it (YAML escapes can make NULs)."""
    if "\x00" in value:
        raise ValueError(f"{key!r} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{key!r} contains an unpaired surrogate") from None
    return nfc(value)


# The image texts' limits: an Image's, which an external image's fields share.
_LIMITED_BY = {
    f"image_{name}": f"image_url_{name}" for name in ("alt", "caption", "credit")
}


def _check_length(field_name: str, value: str, label: str) -> None:
    field = Article._meta.get_field(_LIMITED_BY.get(field_name, field_name))
    limit = field.max_length
    if limit and len(value) > limit:
        raise ValueError(f"{label} is longer than {limit} characters")


def _names(data: dict, keys: tuple[str, str], *, need_slug=False) -> tuple[str, ...]:
    """Names from a list or a comma-separated string (names may contain spaces)."""
    names: dict[str, str] = {}
    for key in keys:
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            items = value.split(",")
        elif isinstance(value, list):
            items = value
        else:
            raise ValueError(f"{key!r} must be a list or comma-separated text")
        for item in items:
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                raise ValueError(f"{key!r} must list names, not {_kind(item)}")
            name = _storable(str(item), key).strip()
            if len(name) > 100:  # Category.name and Author.name
                raise ValueError(f"{key!r} name longer than 100 characters: {name!r}")
            if need_slug and name and not unicode_slug(name):
                raise ValueError(f"{key!r} name has no letters or digits: {name!r}")
            if name:
                names.setdefault(name.casefold(), name)
    return tuple(names.values())


def _image(value) -> dict:
    """An http(s) URL as `image_url`, a site or relative path as `image_path`."""
    if value is None or value == "":
        return {}
    if not isinstance(value, str):
        raise ValueError(
            f"'image' must be an http or https URL or a site path, not {_kind(value)}"
        )
    original = _storable(value, "image")
    reference = original.strip()
    if reference and assets.is_path(reference):
        return {"image_path": reference, "image_original": value}
    return {"image_url": _checked_image_url(reference), "image_original": value}


def _checked_image_url(url: str) -> str:
    try:
        validate_web_url(url)
    except ValidationError:
        raise ValueError(
            f"'image' must be an http or https URL or a site path: {url!r}"
        ) from None
    if len(url) > Article._meta.get_field("image_url").max_length:
        raise ValueError("'image' URL is too long")
    return url


def _publish_at(value, name: str) -> dt.datetime | None:
    """The front-matter date, else a YYYY-MM-DD- file-name prefix, else None."""
    source = "'date'" if value is not None else "the file name"
    if value is None:
        prefix = _DATE_PREFIX.match(name)
        if not prefix:
            return None
        try:
            value = dt.date(*(int(part) for part in prefix.groups()))
        except ValueError:
            raise ValueError(f"bad date in the file name: {name!r}") from None
    elif isinstance(value, str):
        text = value.strip()
        try:
            value = parse_datetime(text) or parse_date(text)
        except ValueError:
            value = None
        if value is None:
            raise ValueError(
                f"bad date: {text!r} (use YYYY-MM-DD [HH:MM[:SS] [+09:00]])"
            )
    if isinstance(value, dt.date) and not (EARLIEST_YEAR <= value.year <= LATEST_YEAR):
        raise ValueError(
            f"bad date {value.isoformat()!r} in {source}: the year must lie between "
            f"{EARLIEST_YEAR} and {LATEST_YEAR}"
        )
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            return timezone.make_aware(value)
        return value
    if isinstance(value, dt.date):
        return timezone.make_aware(dt.datetime.combine(value, dt.time()))
    raise ValueError(
        f"bad date: 'date' must be a date (YYYY-MM-DD [HH:MM[:SS] [+09:00]]), "
        f"not {_kind(value)} {value!r}"
    )


def _published(value) -> bool:
    if value is None:
        return True
    if not isinstance(value, bool):
        raise ValueError(f"'published' must be true or false, not {value!r}")
    return value


def _to_json(value, budget: list[int] | None = None):
    """A JSON-safe copy of kept front matter: dates become ISO text."""
    budget = budget if budget is not None else [MAX_FRONT_MATTER_VALUES]
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError("front matter is too large (or refers to itself)")
    if isinstance(value, dict):
        return {_json_key(k): _to_json(v, budget) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        items = sorted(value, key=repr) if isinstance(value, set) else value
        return [_to_json(item, budget) for item in items]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, bytes):
        raise ValueError("binary values are not supported in front matter")
    if isinstance(value, str):
        return _storable(value, "front matter")
    return value


def _json_key(key) -> str:
    return _storable(key if isinstance(key, str) else str(key), "front matter")
