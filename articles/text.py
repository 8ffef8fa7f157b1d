"""Korean-first text helpers: Unicode normalisation, slugs and reading time."""

import re
import unicodedata

from django.utils.text import slugify

# Zero-width and bidi control characters: invisible, and never wanted in a URL.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

# Korean readers take in roughly 500 characters a minute in news prose; counting
# words would undercount, because particles make Korean words long.
CHARACTERS_PER_MINUTE = 500


# Control characters other than tab and line breaks: nobody types them, XML 1.0
# cannot carry them (one in a headline made every feed answer 500) and
# PostgreSQL text cannot hold NUL. Dropped wherever text is normalised.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def nfc(value: str) -> str:
    """Compose decomposed jamo (as macOS writes them) so equal text compares equal,
    and drop control characters."""
    return unicodedata.normalize("NFC", _CONTROL.sub("", value)) if value else value


def unicode_slug(value: str, *, max_length: int = 200) -> str:
    """Slugify keeping Hangul, dropping invisible characters."""
    slug = slugify(_INVISIBLE.sub("", nfc(value)), allow_unicode=True)
    return slug[:max_length].strip("-")


def reading_minutes(text: str) -> int:
    """Minutes to read `text`, counted in non-space characters, at least one."""
    characters = len("".join(text.split()))  # split() drops what isspace() sees
    return max(1, round(characters / CHARACTERS_PER_MINUTE))
