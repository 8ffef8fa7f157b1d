"""Mark the query's words in a title and a short snippet of the text.

The text is HTML-escaped first and only then wrapped in ``<mark>``, so nothing
from an article can become markup. A form (``search.analysis.Phrase.forms``)
is found in the original text by a pattern that allows what the compact form
dropped: separators between two Hangul characters (``서울시청`` marks
``서울 시청``), any separator where the form has a space, and case differences.
"""

import re
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SNIPPET_BEFORE = 40
SNIPPET_AFTER = 100
_HANGUL = re.compile("[\uac00-\ud7a3\u3131-\u318e]")
_SEPARATORS = r"[\W_]"


@lru_cache(maxsize=256)
def pattern(forms: tuple[str, ...]) -> re.Pattern | None:
    parts = []
    for form in sorted(set(forms), key=len, reverse=True):
        piece = []
        for index, char in enumerate(form):
            if char == " ":
                piece.append(f"{_SEPARATORS}+")
                continue
            if index and form[index - 1] != " ":
                both_hangul = _HANGUL.match(char) and _HANGUL.match(form[index - 1])
                if both_hangul:
                    piece.append(f"{_SEPARATORS}*")
            piece.append(re.escape(char))
        parts.append("".join(piece))
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


def _marked(text: str, found: re.Pattern | None) -> SafeString:
    if found is None:
        return escape(text)
    out, last = [], 0
    for match in found.finditer(text):
        if match.end() == match.start():
            continue
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # every piece escaped above


def highlight(text: str, forms: tuple[str, ...]) -> SafeString:
    return _marked(text, pattern(forms))


def snippet(texts: list[str], forms: tuple[str, ...], fallback: str) -> SafeString:
    """Up to ~140 characters around the first match in `texts`, marked."""
    found = pattern(forms)
    for text in texts:
        match = found.search(text) if found else None
        if match is None:
            continue
        start = max(0, match.start() - SNIPPET_BEFORE)
        end = min(len(text), match.end() + SNIPPET_AFTER)
        # Start and end on a space where there is one nearby.
        if start:
            space = text.find(" ", start, match.start())
            start = space + 1 if space != -1 else start
        if end < len(text):
            space = text.rfind(" ", match.end(), end)
            end = space if space != -1 else end
        piece = " ".join(text[start:end].split())
        marked = _marked(piece, found)
        return mark_safe(  # `marked` is escaped
            ("… " if start else "") + marked + (" …" if end < len(text) else "")
        )
    short = fallback if len(fallback) <= 160 else fallback[:159] + "…"
    return _marked(short, found)
