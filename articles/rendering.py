"""Body source (HTML or Markdown) to sanitised HTML.

This is the only module that imports bleach. bleach is unmaintained upstream since
June 2026, so everything it does for us sits behind `render_body()` and
`drop_image()`; swapping it for another sanitizer touches this file alone. Its
`linkify` is deliberately not used: it has an unfixed CPU-exhaustion bug on
untrusted text.

Sanitising reads an HTML5 parse tree (html5lib, so markup is read the way a
browser reads it):

1. elements whose content is code or foreign markup (`script`, `style`, `iframe`,
   `svg`, ...) are removed together with everything inside them; bleach alone would
   keep their text as visible prose;
2. bleach keeps the allow-listed tags and attributes, drops every other attribute
   (event handlers included) and every URL whose scheme is not http, https or
   mailto.

Step 2 used to serialise the tree of step 1 and hand that to `Cleaner.clean`, which
parses it again. When step 1 leaves only allow-listed elements (the bodies
newsrooms write), that second parse is skipped: the tree is given the text and
attribute values the second parse would have read (see `_as_reread`) and streamed
through bleach's own filter and serializer, which gives the same bytes for half
the work. Any other tree (an element bleach strips, an odd attribute name) still
takes the two-parse path, unchanged.
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


def _drop_and_demote(fragment: ET.Element) -> None:
    """Drop code and foreign markup with its content; demote h1 (the page title)."""
    for parent in list(fragment.iter()):
        for child in list(parent):
            if _local_name(child) in DROPPED_WITH_CONTENT:
                _remove(parent, child)
            elif _local_name(child) == "h1":
                child.tag = "h2"


# Attribute names the serializer writes and bleach's parser reads back unchanged.
_PLAIN_NAME = re.compile(r"[^\s\"'<>/={}]+")
_escape = html5lib_shim.escape
_NEWLINES = re.compile(r"\r\n?")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# html5lib's "in body" rules for the allow-listed tags, as far as they could close
# or move an element the serialised tree has open: start tags that close an open
# <p> in button scope, the elements that limit that scope, and those a new <li>,
# <dd> or <dt> does not look past (html5lib's special elements but address, div
# and p); a new <a> closes an open one unless a cell or caption lies between.
_CLOSES_P = frozenset(
    {"blockquote", "div", "dl", "figcaption", "figure", "ol", "p", "ul", "pre",
     "li", "dd", "dt", "table", "hr", *_HEADINGS}
)  # fmt: skip
_BUTTON_SCOPE = frozenset({"table", "td", "th", "caption"})
_LIST_ITEM_STOP = frozenset(
    name
    for namespace, name in html5lib_shim.constants.specialElements
    if namespace == html5lib_shim.namespaces["html"]
) - {"address", "div", "p"}
_LIST_ITEM_CLOSES = {"li": ("li",), "dd": ("dd", "dt"), "dt": ("dd", "dt")}
# Where each table part may sit, and what a table part may hold, for the table
# modes to read it back as it is; their own text must be white space.
_TABLE_PARENTS = {
    "caption": ("table",),
    "colgroup": ("table",),
    "col": ("colgroup",),
    "thead": ("table",),
    "tbody": ("table",),
    "tfoot": ("table",),
    "tr": ("thead", "tbody", "tfoot"),
    "td": ("tr",),
    "th": ("tr",),
}
_TABLE_CHILDREN = {
    "table": ("caption", "colgroup", "thead", "tbody", "tfoot"),
    "colgroup": ("col",),
    "thead": ("tr",),
    "tbody": ("tr",),
    "tfoot": ("tr",),
    "tr": ("td", "th"),
}
# Inside these the parser keeps the newline that starts a <pre>.
_IN_CELL = frozenset({"td", "th", "caption"})
_SPACE = "".join(html5lib_shim.constants.spaceCharacters)


def _nests_as_written(name: str, ancestors: list[str]) -> bool:
    """Whether html5lib, reading <name> with `ancestors` open (innermost last),
    inserts it there without closing any of them."""
    if name in _TABLE_PARENTS:
        return bool(ancestors) and ancestors[-1] in _TABLE_PARENTS[name]
    if ancestors and ancestors[-1] in _TABLE_CHILDREN:
        return False
    if name in _HEADINGS and ancestors and ancestors[-1] in _HEADINGS:
        return False
    if name in _CLOSES_P:
        for open_name in reversed(ancestors):
            if open_name == "p":
                return False
            if open_name in _BUTTON_SCOPE:
                break
    if name in _LIST_ITEM_CLOSES:
        for open_name in reversed(ancestors):
            if open_name in _LIST_ITEM_CLOSES[name]:
                return False
            if open_name in _LIST_ITEM_STOP:
                break
    if name == "a":
        for open_name in reversed(ancestors):
            if open_name == "a":
                return False
            if open_name in ("td", "th", "caption"):
                break
    return True


def _rereads_the_same(fragment: ET.Element) -> list[ET.Element] | None:
    """The <pre> elements outside table cells and captions when serialising
    `fragment` and parsing it with bleach's parser gives the same tree back
    (but for the newline a parser drops at the start of such a <pre>), else None.

    It does when every element is allow-listed (none is stripped, so none
    leaves its children to be re-nested), sits where the parser puts it when it
    reads it again, has only plainly named attributes (a namespaced one is
    written under its local name) and none whose value is exactly ">" (the
    serializer then loses track of where it is), and table parts hold no text.
    """
    pres: list[ET.Element] = []
    ancestors: list[str] = []
    stack: list[ET.Element | None] = list(reversed(fragment))
    while stack:
        element = stack.pop()
        if element is None:  # the end of the innermost open element
            ancestors.pop()
            continue
        name = element.tag
        if name is ET.Comment:
            if element.tail and ancestors and ancestors[-1] in _TABLE_CHILDREN:
                if element.tail.strip(_SPACE):
                    return None
            continue
        if name not in ALLOWED_TAGS or not _nests_as_written(name, ancestors):
            return None
        for attribute, value in element.attrib.items():
            if value == ">" or not _PLAIN_NAME.fullmatch(attribute):
                return None
        if name in _TABLE_CHILDREN and (element.text or "").strip(_SPACE):
            return None
        if element.tail and ancestors and ancestors[-1] in _TABLE_CHILDREN:
            if element.tail.strip(_SPACE):
                return None
        if name == "pre" and not _IN_CELL.intersection(ancestors):
            pres.append(element)
        ancestors.append(name)
        stack.append(None)
        stack.extend(reversed(element))
    return pres


def _attribute_as_written(value: str) -> str:
    """`value` as BleachHTMLSerializer writes it between the quotes.

    bleach's serializer escapes &, < and the quote, then restores each & that
    starts a known entity; when it picks single quotes (the value holds " but
    not ') it skips that restoring step: both are reproduced here.
    """
    value = _NEWLINES.sub("\n", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;")
    if '"' in value and "'" not in value:
        return value
    value = value.replace('"', "&quot;")
    return "".join(_cleaner.serializer.escape_base_amp(value))


def _as_reread(fragment: ET.Element, pres: list[ET.Element]) -> None:
    """Give `fragment` the text and attributes bleach's parser reads from its
    serialisation: line breaks as \\n, escaped text (that parser keeps entities
    as written), each attribute value as the serializer writes it, and no
    newline at the start of `pres` (the parser drops it)."""
    for element in fragment.iter():
        if element.text and "\r" in element.text:
            element.text = _NEWLINES.sub("\n", element.text)
        if element.tail and "\r" in element.tail:
            element.tail = _NEWLINES.sub("\n", element.tail)
    for pre in pres:
        if pre.text and pre.text[0] == "\n":
            pre.text = pre.text[1:] or None
    for element in fragment.iter():
        if element.text and element.tag is not ET.Comment:
            element.text = _escape(element.text)
        if element.tail:
            element.tail = _escape(element.tail)
        if element.attrib:
            for name, value in element.attrib.items():
                element.attrib[name] = _attribute_as_written(value)


def _clean_tree(fragment: ET.Element, pres: list[ET.Element]) -> str:
    """What `_cleaner.clean(_serialize(fragment))` gives, from the tree itself."""
    _as_reread(fragment, pres)
    filtered = bleach.sanitizer.BleachSanitizerFilter(
        source=_walker(fragment),
        allowed_tags=_cleaner.tags,
        attributes=_cleaner.attributes,
        strip_disallowed_tags=_cleaner.strip,
        strip_html_comments=_cleaner.strip_comments,
        css_sanitizer=_cleaner.css_sanitizer,
        allowed_protocols=_cleaner.protocols,
    )
    return _cleaner.serializer.render(filtered)


def sanitize_html(html: str) -> str:
    """Return `html` reduced to the article allow-list."""
    if not html:
        return ""
    fragment = _parse(html)
    _drop_and_demote(fragment)
    if (pres := _rereads_the_same(fragment)) is not None:
        return _clean_tree(fragment, pres).strip()
    return _reparse_and_clean(fragment)


def _reparse_and_clean(fragment: ET.Element) -> str:
    """Serialise the prepared tree and let bleach parse and clean it again."""
    return _cleaner.clean(_serialize(fragment)).strip()


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
