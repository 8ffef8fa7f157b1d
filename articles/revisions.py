"""Article snapshots: what a revision holds, and what changed between two of them.

Pure functions over plain dicts; writing revisions is the workflow's job.
"""

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.dateparse import parse_datetime
from django.utils.timezone import localtime

# Every field an editor can change, in the order the comparison page lists them.
TEXT_FIELDS = ("title", "slug", "excerpt", "feature_text", "body")
# "image" is the uploaded image's reference (its original's name, which is
# also the Image's natural key); its texts are the article's image_* texts,
# whichever image (upload or external) they belong to.
IMAGE_TEXT_FIELDS = ("image_alt", "image_caption", "image_credit")
PLAIN_FIELDS = ("body_format", "image", "image_url", *IMAGE_TEXT_FIELDS)
TIME_FIELDS = ("publish_at", "expire_at")
# Kept for the record, like times, but never restored: only an editor moves them.
PLACEMENT_FIELDS = ("is_pinned",)
# Restoring a revision brings these back; times, placement and status only move
# through the workflow's own steps, so a restore never publishes or hides anything.
RESTORED_FIELDS = TEXT_FIELDS + PLAIN_FIELDS

LABELS = {
    "title": "제목",
    "slug": "슬러그",
    "excerpt": "요약",
    "feature_text": "리드문",
    "body": "본문",
    "body_format": "본문 형식",
    "image": "대표 이미지 파일",
    "image_url": "외부 이미지 주소",
    "image_alt": "이미지 대체 텍스트",
    "image_caption": "사진 설명",
    "image_credit": "사진 출처",
    "publish_at": "게재 시각",
    "expire_at": "게재 종료 시각",
    "is_pinned": "첫 화면 톱 고정",
    "categories": "카테고리",
    "bylines": "바이라인",
    "owner": "담당자",
    "status": "상태",
}
ORDER = TEXT_FIELDS + PLAIN_FIELDS + TIME_FIELDS + PLACEMENT_FIELDS
ORDER += ("categories", "bylines", "owner", "status")

# Long text is compared sentence by sentence and block by block, so a one-line
# HTML body still shows where it changed.
_SPLIT = re.compile(r"\n+|(?<=</p>)|(?<=</h[2-6]>)|(?<=</li>)|(?<=[.!?])\s+")


def snapshot(article, *, categories=None, bylines=None) -> dict:
    """Every editable field of `article`, as JSON-friendly values.

    `categories` (names) and `bylines` (Author rows in byline order), when the
    caller has them, save reading them back.
    """
    if categories is None:
        categories = [category.name for category in article.categories.all()]
    if bylines is None:
        rows = article.bylines.select_related("author").order_by("position", "pk")
        bylines = [row.author for row in rows]
    data = {name: getattr(article, name) for name in TEXT_FIELDS}
    data.update({name: getattr(article, name) for name in PLAIN_FIELDS})
    data["image"] = article.image.file.name if article.image else ""
    data.update({name: getattr(article, name) for name in PLACEMENT_FIELDS})
    data.update(
        {name: _iso(getattr(article, name)) for name in TIME_FIELDS},
        categories=sorted(categories),
        bylines=[{"author": author.pk, "name": author.name} for author in bylines],
        owner=article.owner.get_username() if article.owner_id else "",
        status=article.status,
    )
    return data


def _iso(value: datetime | None) -> str | None:
    # To the second: the admin's time widgets drop microseconds, and a save that
    # only dropped them changed nothing an editor can see.
    return value.replace(microsecond=0).isoformat() if value else None


@dataclass
class Change:
    name: str
    label: str
    old: object
    new: object
    # For long text: (kind, text) rows, kind one of "same", "removed", "added",
    # "gap" (unchanged text left out).
    rows: list[tuple[str, str]] = field(default_factory=list)


def diff(old: dict, new: dict) -> list[Change]:
    """The fields whose values differ between two snapshots, in display order."""
    changes = []
    for name in ORDER:
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        change = Change(
            name, LABELS[name], _display(name, before), _display(name, after)
        )
        if name in ("excerpt", "feature_text", "body"):
            change.rows = text_rows(before or "", after or "")
        changes.append(change)
    return changes


def normalised(name: str, value):
    """A form's cleaned value in the form `snapshot` keeps it, to compare them."""
    if name in TIME_FIELDS:
        return _iso(value)
    if name == "categories":
        return sorted(getattr(c, "name", c) for c in value or [])
    if name == "image":
        return getattr(value, "name", value) or ""
    if name == "owner":
        return value.get_username() if value else ""
    return value


def display(name: str, value) -> str:
    """A snapshot's value as an editor reads it."""
    return _display(name, value)


def _display(name: str, value) -> str:
    if value in (None, "", []):
        return "(없음)"
    if isinstance(value, bool):
        return "예" if value else "아니요"
    if name == "status":
        from .models import Article

        return Article.Status(value).label
    if name in TIME_FIELDS:
        parsed = parse_datetime(value)
        return localtime(parsed).strftime("%Y-%m-%d %H:%M") if parsed else value
    if name == "categories":
        return ", ".join(value)
    if name == "bylines":
        return ", ".join(byline["name"] for byline in value)
    return str(value)


def text_rows(before: str, after: str, *, context: int = 1) -> list[tuple[str, str]]:
    """Removed and added pieces of text, with a little unchanged text around them."""
    old = [piece for piece in _SPLIT.split(before) if piece and piece.strip()]
    new = [piece for piece in _SPLIT.split(after) if piece and piece.strip()]
    rows: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        if rows:
            rows.append(("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend(("same", piece) for piece in old[i1:i2])
                continue
            rows.extend(("removed", piece) for piece in old[i1:i2])
            rows.extend(("added", piece) for piece in new[j1:j2])
    return rows


def apply(article, data: dict) -> None:
    """Put a snapshot's restorable article fields back on `article` (unsaved).

    The image itself is looked up by the workflow (it may be gone); then
    `apply_image_text` puts its texts back."""
    for name in RESTORED_FIELDS:
        if name in data and name != "image" and name not in IMAGE_TEXT_FIELDS:
            value = data[name]
            setattr(article, name, value if value is not None else "")


def apply_image_text(article, data: dict) -> None:
    """Put a snapshot's image texts back, on the image `article` now has."""
    for name in IMAGE_TEXT_FIELDS:
        if name in data:
            setattr(article, name, data[name] or "")
