"""Body source (HTML or Markdown) to sanitised HTML.

This is the only module that imports bleach. bleach is unmaintained upstream since
June 2026, so everything it does for us sits behind `render_body()` and
`drop_image()`; swapping it for another sanitizer touches this file alone. Its
`linkify` is deliberately not used: it has an unfixed CPU-exhaustion bug on
untrusted text.

Sanitising happens in two passes over an HTML5 parse tree (bleach's own parser, so
both passes read markup the way a browser does):

1. elements whose content is code or foreign markup (`script`, `style`, `iframe`,
   `svg`, ...) are removed together with everything inside them; bleach alone would
   keep their text as visible prose;
2. bleach keeps the allow-listed tags and attributes, drops every other attribute
   (event handlers included) and every URL whose scheme is not http, https or
   mailto.
"""

import re
import xml.etree.ElementTree as ET

import bleach
import markdown
from bleach import html5lib_shim
from markdown.extensions.toc import slugify_unicode

from .text import nfc

HTML = "html"
MARKDOWN = "markdown"

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col",
        "colgroup", "dd", "del", "div", "dl", "dt", "em", "figcaption", "figure",
        "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "mark", "ol",
        "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
    }
)  # fmt: skip
_ANCHOR_TARGETS = ("h2", "h3", "h4", "h5", "h6", "li", "sup", "div")
ALLOWED_ATTRIBUTES: dict[str, list[str]] = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "img": ["src", "alt", "title", "width", "height"],
    "td": ["colspan", "rowspan"],
    "th": ["colspan", "rowspan", "scope"],
    "col": ["span"],
    "colgroup": ["span"],
    "ol": ["start", "reversed"],
    "time": ["datetime"],
    "blockquote": ["cite"],
    "q": ["cite"],
    # Markdown's table of contents and footnotes link to these.
    **{tag: ["id"] for tag in _ANCHOR_TARGETS},
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# Removed with everything inside them: their content is code, foreign markup or a
# form, never article prose.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed",
        "applet", "noscript", "noembed", "noframes", "template", "svg", "math",
        "form", "button", "input", "select", "textarea", "base", "link", "meta",
        "title", "head", "xmp", "plaintext", "portal",
    }
)  # fmt: skip

MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "footnotes", "sane_lists", "toc"]
# The page title is the only h1, so a Markdown "# heading" becomes an h2.
MARKDOWN_CONFIG = {"toc": {"slugify": slugify_unicode, "baselevel": 2}}

_cleaner = bleach.sanitizer.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)
_walker = html5lib_shim.getTreeWalker("etree")


def _parse(html: str) -> ET.Element:
    parser = html5lib_shim.HTMLParser(namespaceHTMLElements=False)
    return parser.parseFragment(html)


def _serialize(fragment: ET.Element) -> str:
    serializer = html5lib_shim.BleachHTMLSerializer(
        quote_attr_values="always",
        omit_optional_tags=False,
        escape_lt_in_attrs=True,
        resolve_entities=False,
        sanitize=False,
        alphabetical_attributes=False,
    )
    return serializer.render(_walker(fragment))


def _remove(parent: ET.Element, child: ET.Element) -> None:
    """Remove `child` and its content, keeping the text that followed it."""
    index = list(parent).index(child)
    if child.tail:
        if index:
            previous = parent[index - 1]
            previous.tail = (previous.tail or "") + child.tail
        else:
            parent.text = (parent.text or "") + child.tail
    parent.remove(child)


def _local_name(element: ET.Element) -> str:
    """The tag without its namespace: svg and math children carry one."""
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rpartition("}")[2].lower()


def _prepare(html: str) -> str:
    """Drop code and foreign markup with its content; demote h1 (the page title)."""
    fragment = _parse(html)
    for parent in list(fragment.iter()):
        for child in list(parent):
            if _local_name(child) in DROPPED_WITH_CONTENT:
                _remove(parent, child)
            elif _local_name(child) == "h1":
                child.tag = "h2"
    return _serialize(fragment)


def sanitize_html(html: str) -> str:
    """Return `html` reduced to the article allow-list."""
    if not html:
        return ""
    return _cleaner.clean(_prepare(html)).strip()


def markdown_to_html(source: str) -> str:
    return markdown.markdown(
        source,
        extensions=MARKDOWN_EXTENSIONS,
        extension_configs=MARKDOWN_CONFIG,
        output_format="html",
    )


def render_body(source: str, fmt: str) -> str:
    """Render an article body to safe HTML: Markdown first if it is Markdown."""
    source = nfc(source or "")
    if fmt == MARKDOWN:
        source = markdown_to_html(source)
    elif fmt != HTML:
        raise ValueError(f"Unknown body format {fmt!r}: use 'html' or 'markdown'.")
    return sanitize_html(source)


# A tag (its name in group 1) or a comment of this module's output: attribute
# values are always quoted and may hold a ">", and text never holds a bare "<"
# (the serializer escapes it). The search index reads body text with it too.
TAG = re.compile(
    r"""<(?:!--.*?--|/?([a-zA-Z][a-zA-Z0-9]*)(?:"[^"]*"|'[^']*'|[^'">])*)>""",
    re.DOTALL,
)


def text_of(html: str) -> str:
    """The text of sanitised HTML (render_body's output) without its tags,
    entities kept as written: what Django's strip_tags gives for it, without
    strip_tags' parser (which took 15 times longer)."""
    return TAG.sub("", html)


def drop_image(html: str, src: str) -> str:
    """Remove the body's first image when it shows `src` (already shown above it).

    A paragraph or figure left empty by the removal goes too. Stored sources are
    never changed: this runs on rendered HTML when the article is saved, and the
    result is the stored body HTML, so no page view parses the body.
    """
    if not src or "<img" not in html:
        return html
    fragment = _parse(html)
    parents = {child: parent for parent in fragment.iter() for child in parent}
    first_image = next(fragment.iter("img"), None)
    if first_image is None or first_image.get("src") != src:
        return html
    container = parents[first_image]
    _remove(container, first_image)
    if (
        container is not fragment
        and container.tag in {"p", "figure", "a"}
        and not "".join(container.itertext()).strip()
        and not container.findall(".//img")
    ):
        _remove(parents[container], container)
    return _serialize(fragment).strip()
