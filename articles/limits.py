"""How large and how deep an article body may be, checked before anything renders it.

Sanitising (html5lib + bleach, pure Python) and Markdown conversion grow faster than
the body: nested elements and long runs of siblings cost quadratic time, and so do
Python-Markdown's scans for the end of an unclosed `[` or `(`. One save must never
hold a worker for long (see benchmarks/RESULTS.md), so a body is refused, with a
message naming the limit, when it is over any of these:

- `MAX_BODY_CHARACTERS` characters (Unicode characters, what an editor counts);
- `MAX_BODY_DEPTH` elements nested inside one another;
- `MAX_BODY_ELEMENTS` elements in all;
- for Markdown, `MAX_MARKDOWN_SCAN` characters that Python-Markdown would re-read
  looking for the `]` or `)` that closes a bracket.

Everything is measured by one linear scan over the source, without building a tree.
The scan follows the parts of the HTML5 tree rules that close elements (end tags in
scope, `<p>`, `<li>`, table cells, void elements), keeps formatting elements (`<b>`,
`<a>`, ...) open until their own end tag as a browser re-opens them, and counts tags
inside comments as text but tags inside code blocks as markup; where it simplifies,
it counts deeper. tests/test_limits.py compares it with html5lib's own tree on
fuzzed tag soup; the rare soups it undercounts (SVG/MathML break-outs, stray
`<frameset>`) stay bounded by the element limit, which caps the depth too.
Markdown depth is a line's quotes (`>`) plus two per list level (`ul` and `li`),
plus the depth of the raw HTML in it. This module imports no models, forms or
views: the admin form and the importer both call `body_refusal`, and a
fixture's raw save asks `Article.refuse_body_over_limits` (which calls it).
"""

import re

MAX_BODY_CHARACTERS = 50_000
MAX_BODY_DEPTH = 32
MAX_BODY_ELEMENTS = 3_000
MAX_MARKDOWN_SCAN = 500_000

HTML = "html"
MARKDOWN = "markdown"


class BodyOverLimit(ValueError):
    """A body over a limit reached a save that would render it (a fixture's row).

    A ValueError, so Django's loaddata names the object and the fixture around it.
    """


_VOID = frozenset(
    {"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr",
     "image", "img", "input", "keygen", "link", "meta", "param", "source", "track",
     "wbr"}
)  # fmt: skip
_FORMATTING = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike",
     "strong", "tt", "u"}
)  # fmt: skip
# Elements an end tag does not look past (the HTML5 "default scope").
_SCOPE = frozenset(
    {"applet", "caption", "html", "table", "td", "th", "marquee", "object",
     "template", "mi", "mo", "mn", "ms", "mtext", "annotation-xml",
     "foreignobject", "desc", "title"}
)  # fmt: skip
_TABLE_SCOPE = frozenset({"html", "table", "template"})
_TABLE_PARTS = frozenset(
    {"tr", "td", "th", "tbody", "thead", "tfoot", "caption", "table"}
)
# Start tags that close an open <p> (HTML5 "in body" rules).
_CLOSES_P = frozenset(
    {"address", "article", "aside", "blockquote", "center", "details", "dialog",
     "dir", "div", "dl", "fieldset", "figcaption", "figure", "footer", "header",
     "hgroup", "main", "menu", "nav", "ol", "p", "section", "summary", "ul", "h1",
     "h2", "h3", "h4", "h5", "h6", "pre", "listing", "form", "table", "hr", "xmp",
     "li", "dd", "dt", "plaintext"}
)  # fmt: skip
# Elements a new <li>, <dd> or <dt> does not close past: the HTML5 "special"
# elements other than address, div and p.
_LIST_STOP = frozenset(
    {"applet", "area", "article", "aside", "base", "basefont", "bgsound",
     "blockquote", "body", "br", "button", "caption", "center", "col", "colgroup",
     "dd", "details", "dir", "dl", "dt", "embed", "fieldset", "figcaption",
     "figure", "footer", "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5",
     "h6", "head", "header", "hgroup", "hr", "html", "iframe", "img", "input",
     "keygen", "li", "link", "listing", "main", "marquee", "menu", "meta", "nav",
     "noembed", "noframes", "noscript", "object", "ol", "param", "plaintext",
     "pre", "script", "search", "section", "select", "source", "style", "summary",
     "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead",
     "title", "tr", "track", "ul", "wbr", "xmp", "mi", "mo", "mn", "ms", "mtext",
     "annotation-xml", "foreignobject", "desc"}
)  # fmt: skip
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# End tags that close their element when it is in scope, whatever lies above it.
_SCOPED_END = frozenset(
    {"address", "article", "aside", "blockquote", "button", "center", "details",
     "dialog", "dir", "div", "dl", "fieldset", "figcaption", "figure", "footer",
     "header", "hgroup", "listing", "main", "menu", "nav", "ol", "pre", "search",
     "section", "summary", "ul", "li", "dd", "dt", "applet", "marquee", "object",
     "form"}
)  # fmt: skip
# Outside a table these start tags are ignored.
_TABLE_ONLY = frozenset(
    {"tr", "td", "th", "tbody", "thead", "tfoot", "caption", "col", "colgroup"}
)
_RAW_TEXT = frozenset(
    {"script", "style", "xmp", "iframe", "noembed", "noframes", "textarea", "title"}
)
_FOREIGN = frozenset({"svg", "math"})
# In a body fragment these open nothing and their end tags close nothing.
_IGNORED = frozenset({"html", "head", "body", "frameset"})

_SPACE = "\t\n\f\r "
_TAG_NAME = re.compile(r"[^\t\n\f\r />]*")
_SPACES = re.compile(r"[\t\n\f\r /]*")
_ATTR_NAME = re.compile(r"[^\t\n\f\r />][^\t\n\f\r />=]*")
_BLANKS = re.compile(r"[\t\n\f\r ]*")
_UNQUOTED = re.compile(r"[^\t\n\f\r >]*")
_COMMENT_END = re.compile(r"--!?>")

_MD_LINE_START = re.compile(r"[ \t>]*")
_MD_LIST_ITEM = re.compile(r"(?:[*+-]|\d{1,9}[.)])(?:[ \t]|$)")
_MD_BLANK_LINE = re.compile(r"\n[ \t>]*\n")
_MD_BRACKETS = re.compile(r"[\[\]()]")


def body_refusal(source: str, fmt: str) -> str | None:
    """Why this body may not be saved (naming the limit it is over), or None."""
    source = source or ""
    if len(source) > MAX_BODY_CHARACTERS:
        return (
            f"본문이 너무 깁니다({len(source):,}자). 본문은 "
            f"{MAX_BODY_CHARACTERS:,}자까지 쓸 수 있습니다. 나누어 두 기사로 "
            "올리세요."
        )
    if fmt == MARKDOWN:
        depth, elements = markdown_shape(source, stop_deeper_than=MAX_BODY_DEPTH)
    else:
        depth, elements = html_shape(source, stop_deeper_than=MAX_BODY_DEPTH)
    if depth > MAX_BODY_DEPTH:
        return (
            f"본문의 요소가 너무 깊이 겹쳐 있습니다({depth}단계). 태그·목록·인용은 "
            f"{MAX_BODY_DEPTH}단계까지만 겹쳐 쓸 수 있습니다. 닫히지 않은 태그가 "
            "없는지 확인하세요."
        )
    if elements > MAX_BODY_ELEMENTS:
        return (
            f"본문의 요소가 너무 많습니다(약 {elements:,}개). 문단·제목·목록 항목·"
            f"표의 칸·링크·강조 같은 요소는 {MAX_BODY_ELEMENTS:,}개까지 쓸 수 "
            "있습니다. 큰 표는 나누어 올리세요."
        )
    if fmt == MARKDOWN and (scan := markdown_bracket_scan(source)) > MAX_MARKDOWN_SCAN:
        return (
            "본문에 닫히지 않은 대괄호 '['나 괄호 '('가 너무 많습니다(다시 읽을 "
            f"글자 약 {scan:,}자, 한도 {MAX_MARKDOWN_SCAN:,}자). 괄호를 닫거나 "
            "앞에 역슬래시(\\)를 붙이세요."
        )
    return None


def html_shape(html: str, *, stop_deeper_than: int | None = None) -> tuple[int, int]:
    """(deepest nesting, number of elements) a browser would build, or more.

    With `stop_deeper_than`, the scan ends as soon as the depth passes it (the
    element count is then partial), so a hostile body costs no more than a good one.
    """
    scanner = _Scanner(stop_deeper_than)
    scanner.feed(html)
    return scanner.deepest, scanner.elements


def markdown_shape(
    source: str, *, stop_deeper_than: int | None = None
) -> tuple[int, int]:
    """(deepest nesting, number of elements) this Markdown could turn into, or more.

    Elements: every non-blank line (a paragraph, item, heading or row), every
    table cell, link bracket and tag, and every pair of emphasis or code marks.
    """
    line_depth = 0
    lines = 0
    for line in source.splitlines():
        if not line.strip():
            continue
        lines += 1
        line_depth = max(line_depth, _markdown_line_depth(line))
    html_depth, html_elements = html_shape(
        source,
        stop_deeper_than=None
        if stop_deeper_than is None
        else max(stop_deeper_than - line_depth, 0),
    )
    marks = source.count("*") + source.count("_") + source.count("`")
    elements = (
        lines
        + source.count("|")
        + source.count("[")
        + source.count("<")
        + marks // 2
        + html_elements
    )
    return line_depth + html_depth, elements


def _markdown_line_depth(line: str) -> int:
    lead = _MD_LINE_START.match(line).group()
    quotes = lead.count(">")
    indent = lead.rpartition(">")[2].expandtabs(4)
    rest = line[len(lead) :]
    levels = len(indent) // 4 + (1 if _MD_LIST_ITEM.match(rest) else 0)
    return quotes + 2 * levels + 1  # + the paragraph, item text or heading


def markdown_bracket_scan(source: str) -> int:
    """About how many characters Python-Markdown re-reads finding closing brackets.

    For each `[` and `(`, the distance to the bracket that closes it, or to the end
    of its paragraph when none does: Markdown looks that far for a link's end.
    """
    total = 0
    for paragraph in _MD_BLANK_LINE.split(source):
        if "[" not in paragraph and "(" not in paragraph:
            continue
        open_at: dict[str, list[int]] = {"[": [], "(": []}
        for match in _MD_BRACKETS.finditer(paragraph):
            char, at = match.group(), match.start()
            if char in "[(":
                open_at[char].append(at)
            else:
                stack = open_at["[" if char == "]" else "("]
                if stack:
                    total += at - stack.pop()
        end = len(paragraph)
        for stack in open_at.values():
            total += sum(end - at for at in stack)
    return total


class _Scanner:
    """A linear walk over HTML tags that tracks the open elements."""

    def __init__(self, stop_deeper_than: int | None = None):
        self.stop_deeper_than = stop_deeper_than
        self.stack: list[str] = []
        self.formatting: list[str] = []  # open formatting elements, re-opened
        self.deepest = 0
        self.elements = 0

    def feed(self, html: str) -> None:
        pos, end = 0, len(html)
        while True:
            if self.stop_deeper_than is not None and (
                self.deepest > self.stop_deeper_than
            ):
                return
            pos = html.find("<", pos)
            if pos < 0 or pos + 1 >= end:
                return
            nxt = html[pos + 1]
            if nxt == "!":
                pos = self._declaration(html, pos)
            elif nxt == "?":
                pos = self._until_gt(html, pos + 2)
            elif nxt == "/":
                if (
                    pos + 2 < end
                    and html[pos + 2].isascii()
                    and html[pos + 2].isalpha()
                ):
                    name, pos = self._tag(html, pos + 2)
                    if pos < 0:
                        return
                    self._end(name)
                elif html.startswith("</>", pos):
                    pos += 3
                else:
                    pos = self._until_gt(html, pos + 2)
            elif nxt.isascii() and nxt.isalpha():
                name, pos = self._tag(html, pos + 1)
                if pos < 0:
                    return
                if name == "plaintext":
                    self._start(name)
                    return  # everything after it is text
                self._start(name)
                if name in _RAW_TEXT and not _FOREIGN.intersection(self.stack):
                    pos = self._skip_raw_text(html, pos, name)
            else:
                pos += 1
            if pos < 0:
                return

    def _until_gt(self, html: str, pos: int) -> int:
        found = html.find(">", pos)
        return -1 if found < 0 else found + 1

    def _declaration(self, html: str, pos: int) -> int:
        if html.startswith("<!--", pos):
            for abrupt in ("<!-->", "<!--->"):
                if html.startswith(abrupt, pos):
                    return pos + len(abrupt)
            match = _COMMENT_END.search(html, pos + 4)
            return -1 if match is None else match.end()
        return self._until_gt(html, pos + 2)

    def _tag(self, html: str, pos: int) -> tuple[str, int]:
        """Read a tag's name and attributes from `pos`; -1 when the file ends in it."""
        name_match = _TAG_NAME.match(html, pos)
        name = name_match.group().lower()
        pos = name_match.end()
        end = len(html)
        while True:
            pos = _SPACES.match(html, pos).end()
            if pos >= end:
                return name, -1
            if html[pos] == ">":
                return name, pos + 1
            pos = _ATTR_NAME.match(html, pos).end()
            pos = _BLANKS.match(html, pos).end()
            if pos < end and html[pos] == "=":
                pos = _BLANKS.match(html, pos + 1).end()
                if pos >= end:
                    return name, -1
                quote = html[pos]
                if quote in "\"'":
                    closing = html.find(quote, pos + 1)
                    if closing < 0:
                        return name, -1
                    pos = closing + 1
                elif quote != ">":
                    pos = _UNQUOTED.match(html, pos).end()

    def _skip_raw_text(self, html: str, pos: int, name: str) -> int:
        closing = re.compile(rf"</{name}[\t\n\f\r />]", re.I)
        match = closing.search(html, pos)
        return -1 if match is None else match.start()

    def _start(self, name: str) -> None:
        if not _FOREIGN.isdisjoint(self.stack):
            # Inside SVG or MathML every tag opens an element and none closes
            # another: more than a browser keeps open, never less.
            self.elements += 1
            self._count_depth()
            self.stack.append(name)
            return
        if name in _IGNORED or (name in _TABLE_ONLY and "table" not in self.stack):
            return
        self.elements += 1
        if name in _CLOSES_P:
            self._close_p()
        if name in {"li", "dd", "dt"}:
            group = {"li"} if name == "li" else {"dd", "dt"}
            self._close_last(group, _LIST_STOP - group)
        elif name in {"td", "th"}:
            self._close_last({"td", "th"}, _TABLE_SCOPE)
        elif name == "tr":
            self._close_last({"tr"}, _TABLE_SCOPE)
        elif name in {"tbody", "thead", "tfoot"}:
            self._close_last({"tbody", "thead", "tfoot"}, _TABLE_SCOPE)
        elif name in _HEADINGS and self.stack and self.stack[-1] in _HEADINGS:
            self.stack.pop()
        elif name == "option" and self.stack and self.stack[-1] == "option":
            self.stack.pop()
        # A row or cell straight in a table gets the tbody (and tr) it lacks.
        top = self.stack[-1] if self.stack else ""
        if name == "tr" and top == "table":
            self.stack.append("tbody")
        elif name in {"td", "th"} and top == "table":
            self.stack += ["tbody", "tr"]
        elif name in {"td", "th"} and top in {"tbody", "thead", "tfoot"}:
            self.stack.append("tr")
        self._count_depth()
        if name in _VOID:
            return
        self.stack.append(name)
        if name in _FORMATTING:
            self.formatting.append(name)

    def _count_depth(self) -> None:
        """Note the depth of an element opened now, on top of the stack."""
        # Formatting elements closed implicitly come back inside what opens next.
        reopened = len(self.formatting) - sum(
            1 for item in self.stack if item in _FORMATTING
        )
        depth = len(self.stack) + max(reopened, 0) + 1
        self.deepest = max(self.deepest, depth)

    def _end(self, name: str) -> None:
        foreign_roots = [i for i, item in enumerate(self.stack) if item in _FOREIGN]
        if foreign_roots:
            # Only an element of the SVG or MathML subtree is closed from in it.
            for index in range(len(self.stack) - 1, foreign_roots[-1] - 1, -1):
                if self.stack[index] == name:
                    del self.stack[index:]
                    return
            return
        if name in _IGNORED:
            return
        if name in _FORMATTING:
            if name in self.formatting:
                index = len(self.formatting) - 1 - self.formatting[::-1].index(name)
                del self.formatting[index]
            # Only the element itself leaves the stack: what it held stays open.
            at = self._in_scope(name, _SCOPE)
            if at is not None:
                del self.stack[at]
            return
        if name == "br":
            self._start("br")  # </br> is a <br>
            return
        if name == "p" and self._in_scope("p", _SCOPE | {"button"}) is None:
            self._start("br")  # a stray </p> makes an empty <p>, a leaf like <br>
            return
        if name in _HEADINGS:
            for index in range(len(self.stack) - 1, -1, -1):
                if self.stack[index] in _HEADINGS:
                    del self.stack[index:]  # any open heading: </h3> closes <h2>
                    return
                if self.stack[index] in _SCOPE:
                    return
            return
        if name in _TABLE_PARTS:
            at = self._in_scope(name, _TABLE_SCOPE)
        elif name in _SCOPED_END:
            at = self._in_scope(name, _SCOPE)
        else:
            # Any other end tag closes its element only if no special element
            # (a block, a list item, a cell) was opened after it.
            at = self._in_scope(name, _LIST_STOP)
        if at is not None:
            del self.stack[at:]

    def _in_scope(self, name: str, scope: frozenset) -> int | None:
        for index in range(len(self.stack) - 1, -1, -1):
            item = self.stack[index]
            if item == name:
                return index
            if item in scope:
                return None
        return None

    def _close_p(self) -> None:
        at = self._in_scope("p", _SCOPE | {"button"})
        if at is not None:
            del self.stack[at:]

    def _close_last(self, group: set[str], stop: frozenset) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            item = self.stack[index]
            if item in group:
                del self.stack[index:]
                return
            if item in stop:
                return
