"""The XSS corpus: every vector in tests/data/xss_vectors.yaml, in every field that
reaches a page or a feed, checked by parsing what readers and editors get.

Each placement is "<canary> <payload>", the canary a unique Korean token
(`카나리아-017-제목`: vector 17 in the title) that no sanitiser has a reason to
touch. A page passes when, parsed as a browser parses it (html5lib, the WHATWG
algorithm), it holds no element outside the page's allow-list, no on* attribute,
no URL attribute whose scheme is not http, https or mailto once whitespace,
control and invisible characters are stripped and entities decoded, no script
but our own, no style with expression()/javascript:, no <base> and no <meta
http-equiv>; and every canary placed on it is in its text or attributes (a
missing canary means the field was never rendered, which fails too). A value
refused at input passes only with the message the editor sees.

Batched so the whole corpus costs a few hundred page fetches: one live article
per vector carries it in every short field (title, excerpt, feature text, image
URL, alt, caption, credit, category, author; where the URL is refused, the alt,
caption and credit are an uploaded image's, on its Image record); bodies (HTML
and Markdown), corrections and take-down notices hold ten vectors per article.
"""

import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import html5lib
import pytest
import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from articles import feeds, workflow
from articles.models import Article, Author, Byline

from .factories import TINY_PNG, make_article, stored_image
from .people import make_staff

VECTORS_FILE = Path(__file__).parent / "data" / "xss_vectors.yaml"
BATCH = 10
IMAGE_BASE = "https://images.example.kr/"
SAFE_IMAGE = IMAGE_BASE + "사진.jpg"


@dataclass(frozen=True)
class Vector:
    n: int
    payload: str
    tail: bool  # swallows what follows it: placed last in its batch

    def canary(self, field: str) -> str:
        return f"카나리아-{self.n:03d}-{field}"

    def placed(self, field: str) -> str:
        return f"{self.canary(field)} {self.payload}"


def load_vectors() -> list[Vector]:
    entries = yaml.safe_load(VECTORS_FILE.read_text(encoding="utf-8"))
    vectors = []
    for n, entry in enumerate(entries, start=1):
        if isinstance(entry, str):
            entry = {"payload": entry}
        vectors.append(Vector(n, entry["payload"], bool(entry.get("tail"))))
    return vectors


VECTORS = load_vectors()

# Fields and their canary codes. Short fields hold one vector per article.
TITLE, EXCERPT, FEATURE, ALT, CAPTION, CREDIT = (
    "제목",
    "요약",
    "리드",
    "대체",
    "설명",
    "출처",
)
IMAGE_URL, CATEGORY, AUTHOR = "주소", "분류", "기자"
BODY_HTML, BODY_MD, CORRECTION, TAKEDOWN = "본문", "마크", "정정", "삭제"
FIELDS = [TITLE, EXCERPT, FEATURE, IMAGE_URL, ALT, CAPTION, CREDIT, CATEGORY, AUTHOR]
FIELDS += [BODY_HTML, BODY_MD, CORRECTION, TAKEDOWN]
NAME_LIMIT = 100  # Category.name and Author.name


def test_the_corpus_is_big_and_varied_enough():
    assert len(VECTORS) >= 150
    assert len({v.payload for v in VECTORS}) == len(VECTORS)
    text = " ".join(v.payload.lower() for v in VECTORS)
    for needle in (
        "<script", "onerror", "javascript:", "data:", "vbscript:", "&#106;",
        "\u200b", "\t", "<svg", "<math", "expression(", "<base", "refresh",
        "<iframe", "<object", "<form", "](javascript:", "![",
    ):  # fmt: skip
        assert needle in text, needle
    assert all(len(v.payload) <= 170 and "\x00" not in v.payload for v in VECTORS)


# --- Reading a page as a browser does ---------------------------------------

SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "srcset", "poster", "data",
    "background", "cite", "ping", "lowsrc", "dynsrc", "codebase", "icon",
    "manifest", "longdesc", "usemap", "xlink:href",
}  # fmt: skip
# Stripped before reading a scheme: what browsers skip (C0 controls, space, tab,
# newline) and what some filters forget (soft hyphen, zero-width and bidi marks).
INVISIBLE = re.compile(
    "[\x00-\x20\x7f-\x9f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u3164\ufeff\uffa0]"
)
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")

# Written down here, not read from the code under test: what an article body
# may contain (the sanitiser's list), and the elements our own templates use.
BODY_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "del", "div", "dl", "dt", "em", "figcaption", "figure",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "mark", "ol",
    "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}  # fmt: skip
PUBLIC_CHROME = {
    "html", "head", "body", "meta", "title", "link", "script", "header", "nav",
    "main", "footer", "article", "section", "aside", "h1", "form", "input",
    "button", "label", "picture", "source", "search", "datalist",
}  # fmt: skip
ADMIN_CHROME = PUBLIC_CHROME | {
    "select", "option", "optgroup", "textarea", "fieldset", "legend", "details",
    "summary", "dialog", "noscript", "svg", "path", "use", "symbol", "defs",
    "template", "output", "progress", "datalist", "g", "circle", "rect",
    "polyline", "line",
}  # fmt: skip


def local(name: str) -> str:
    """`{namespace}tag` -> `tag`; the xlink namespace keeps its prefix."""
    if name.startswith("{http://www.w3.org/1999/xlink}"):
        return "xlink:" + name.rpartition("}")[2]
    return name.rpartition("}")[2].lower()


def scheme_of(url: str) -> str | None:
    cleaned = INVISIBLE.sub("", html.unescape(url)).lower()
    match = SCHEME.match(cleaned)
    return match.group(1) if match else None


def urls_in(name: str, value: str) -> list[str]:
    if name == "srcset":
        return [part.strip().split(" ")[0] for part in value.split(",")]
    return [value]


def parse_html(text: str) -> ET.Element:
    return html5lib.parse(text, namespaceHTMLElements=False)


def is_our_script(element: ET.Element, *, admin: bool) -> bool:
    kind = (element.get("type") or "").lower()
    content = "".join(element.itertext())
    if kind in {"application/ld+json", "application/json"}:
        try:
            json.loads(content)
        except ValueError:
            return False
        return True
    src = element.get("src") or ""
    # Public pages load our own static files only (the search box's suggestions);
    # the admin loads Django's from anywhere on this site.
    prefix = "/" if admin else "/static/"
    return src.startswith(prefix) and not src.startswith("//") and not content.strip()


def violations(tree: ET.Element, *, allowed: set[str], admin: bool) -> list[str]:
    """Everything live in `tree` that no field of ours may put there."""
    found = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # a comment
        tag = local(element.tag)
        if tag not in allowed:
            found.append(f"<{tag}> outside the allow-list")
        if tag == "script" and not is_our_script(element, admin=admin):
            found.append(f"<script> {ET.tostring(element, 'unicode')[:80]}")
        if tag == "base":
            found.append("<base>")
        if tag == "meta" and element.get("http-equiv") is not None:
            found.append(f"<meta http-equiv={element.get('http-equiv')}>")
        if tag == "style":
            found.append("<style>")
        for raw_name, value in element.attrib.items():
            name = local(raw_name)
            if name.startswith("on"):
                found.append(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES:
                for url in urls_in(name, value):
                    scheme = scheme_of(url)
                    if scheme and scheme not in SAFE_SCHEMES:
                        found.append(f"<{tag} {name}={url[:60]!r}>")
            if name == "style":
                css = re.sub(r"/\*.*?\*/|\\|\s", "", html.unescape(value)).lower()
                if any(w in css for w in ("expression(", "javascript:", "vbscript:")):
                    found.append(f"<{tag} style={value[:60]!r}>")
                if "-moz-binding" in css or "behavior:" in css:
                    found.append(f"<{tag} style={value[:60]!r}>")
    return found


def readable(tree: ET.Element) -> str:
    """The text and attribute values of `tree`, outside scripts."""
    parts = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or local(element.tag) == "script":
            continue
        parts.append(element.text or "")
        parts.extend(element.attrib.values())
        parts.append(element.tail or "")
    return " ".join(parts)


def check_page(response, canaries, *, admin=False, status=200):
    assert response.status_code == status, response.request["PATH_INFO"]
    tree = parse_html(response.content.decode())
    allowed = BODY_TAGS | (ADMIN_CHROME if admin else PUBLIC_CHROME)
    problems = violations(tree, allowed=allowed, admin=admin)
    text = readable(tree)
    missing = [canary for canary in canaries if canary not in text]
    where = response.request["PATH_INFO"]
    assert not problems, f"{where}: {problems[:10]}"
    assert not missing, f"{where}: never rendered: {missing[:10]}"


# --- The corpus in the database ---------------------------------------------


def fits_name(vector: Vector, field: str) -> bool:
    return len(vector.placed(field)) <= NAME_LIMIT


def image_url_for(vector: Vector) -> tuple[str, str | None]:
    """The vector's image address, or a safe one and the refusal message."""
    url = IMAGE_BASE + vector.canary(IMAGE_URL) + vector.payload  # no space
    field = Article._meta.get_field("image_url")
    with translation.override("ko"):
        try:
            field.run_validators(url)
            field.to_python(url)
        except ValidationError as error:
            return SAFE_IMAGE, " ".join(error.messages)
    return url, None


def batches(vectors, size=BATCH):
    """Groups of `size`; swallowing vectors go last, one per group."""
    tails = [v for v in vectors if v.tail]
    plain = [v for v in vectors if not v.tail]
    count = max(len(tails), -(-len(vectors) // size))
    groups = [[] for _ in range(count)]
    for index, vector in enumerate(plain):
        groups[index % count].append(vector)
    for group, vector in zip(groups, tails, strict=False):
        group.append(vector)
    return groups


def html_body(group) -> str:
    return "\n".join(f"<p>{v.canary(BODY_HTML)}</p>{v.payload}" for v in group)


def markdown_body(group) -> str:
    """Each canary in a raw <p>, which also ends a tag a payload left open."""
    return "\n\n".join(f"<p>{v.canary(BODY_MD)}</p>\n\n{v.payload}" for v in group)


@dataclass
class Corpus:
    per_vector: dict  # vector n -> Article
    bodies: list  # (Article, field, group)
    taken_down: list  # (Article, group)
    refused_urls: dict  # vector n -> message
    categories: dict  # vector n -> Category
    authors: dict  # vector n -> Author

    def short_canaries(self, vector: Vector) -> list[str]:
        fields = [TITLE, FEATURE, ALT, CAPTION, CREDIT]
        if vector.n not in self.refused_urls:
            fields.append(IMAGE_URL)
        if vector.n in self.categories:
            fields.append(CATEGORY)
        if vector.n in self.authors:
            fields.append(AUTHOR)
        return [vector.canary(field) for field in fields]


def build_corpus() -> Corpus:
    editor = make_staff("Editor")
    per_vector, refused, categories, authors = {}, {}, {}, {}
    for vector in VECTORS:
        url, refusal = image_url_for(vector)
        if refusal:
            refused[vector.n] = refusal
        texts = {
            "alt": vector.placed(ALT),
            "caption": vector.placed(CAPTION),
            "credit": vector.placed(CREDIT),
        }
        if refusal:
            # No usable address: the texts go on an uploaded image's record.
            image = stored_image("사진.png", TINY_PNG, **texts)
            picture = {"image": image}
        else:
            picture = {"image_url": url, **{f"image_{k}": v for k, v in texts.items()}}
        article = make_article(
            title=vector.placed(TITLE),
            excerpt=vector.placed(EXCERPT),
            feature_text=vector.placed(FEATURE),
            body=f"<p>벡터 {vector.n}번 기사.</p>",
            **picture,
        )
        if fits_name(vector, CATEGORY):
            article.categories.add(vector.placed(CATEGORY))
            categories[vector.n] = article.categories.get()
        if fits_name(vector, AUTHOR):
            author = Author.objects.create(name=vector.placed(AUTHOR))
            Byline.objects.create(article=article, author=author, position=0)
            authors[vector.n] = author
        per_vector[vector.n] = article
    bodies = []
    for number, group in enumerate(batches(VECTORS)):
        for field, fmt, body in (
            (BODY_HTML, "html", html_body(group)),
            (BODY_MD, "markdown", markdown_body(group)),
        ):
            article = make_article(
                title=f"본문 묶음 {number} {fmt}", body=body, body_format=fmt
            )
            bodies.append((article, field, group))
        for vector in group:
            workflow.add_correction(
                article, by=editor, kind="correction", text=vector.placed(CORRECTION)
            )
    taken_down = []
    for number, group in enumerate(batches(VECTORS)):
        article = make_article(title=f"삭제 조치 묶음 {number}")
        notice = "\n".join(v.placed(TAKEDOWN) for v in group)
        taken_down.append(
            (workflow.take_down(article, by=editor, notice=notice), group)
        )
    return Corpus(per_vector, bodies, taken_down, refused, categories, authors)


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_corpus()
        transaction.set_rollback(True)


@pytest.fixture
def many_per_page(settings, monkeypatch):
    settings.NEWSROOM_ARTICLES_PER_PAGE = 1000
    monkeypatch.setattr(feeds, "FEED_LENGTH", 1000)


# --- Input refusals ---------------------------------------------------------


def test_image_addresses_that_are_not_web_urls_are_refused_with_a_message():
    field = Article._meta.get_field("image_url")
    with translation.override("ko"):
        for vector in VECTORS:
            with pytest.raises(ValidationError) as refused:
                field.run_validators(vector.payload)
            assert "올바른 URL" in " ".join(refused.value.messages), vector


@pytest.mark.django_db
def test_refused_image_addresses_name_what_is_wrong(corpus):
    assert corpus.refused_urls  # the payloads with spaces, at least
    for n, message in corpus.refused_urls.items():
        assert "올바른 URL" in message, (n, message)


# --- Public pages -----------------------------------------------------------


@pytest.mark.django_db
def test_article_pages_render_every_short_field_inert(client, corpus):
    for vector in VECTORS:
        article = corpus.per_vector[vector.n]
        response = client.get(article.get_absolute_url())
        check_page(response, corpus.short_canaries(vector))


@pytest.mark.django_db
def test_article_bodies_in_html_and_markdown_render_inert(client, corpus):
    for article, field, group in corpus.bodies:
        canaries = [v.canary(field) for v in group]
        if field == BODY_MD:
            canaries += [v.canary(CORRECTION) for v in group]
        check_page(client.get(article.get_absolute_url()), canaries)


@pytest.mark.django_db
def test_take_down_notices_render_inert(client, corpus):
    for article, group in corpus.taken_down:
        response = client.get(article.get_absolute_url())
        check_page(response, [v.canary(TAKEDOWN) for v in group], status=410)


@pytest.mark.django_db
def test_listing_pages_render_titles_and_excerpts_inert(client, corpus, many_per_page):
    response = client.get("/")
    canaries = [v.canary(TITLE) for v in VECTORS]
    check_page(response, canaries)


@pytest.mark.django_db
def test_category_and_author_pages_render_their_names_inert(client, corpus):
    for vector in VECTORS:
        if category := corpus.categories.get(vector.n):
            check_page(
                client.get(category.get_absolute_url()), [vector.canary(CATEGORY)]
            )
        if author := corpus.authors.get(vector.n):
            check_page(client.get(author.get_absolute_url()), [vector.canary(AUTHOR)])


# --- Feeds: XML first, then each HTML-bearing element's text as HTML ---------

DC = "{http://purl.org/dc/elements/1.1/}"
ATOM = "{http://www.w3.org/2005/Atom}"


def feed_problems(elements) -> tuple[list[str], str]:
    """Parse each element's decoded text as HTML, as a feed reader does."""
    problems, texts = [], []
    for element in elements:
        tree = parse_html(element.text or "")
        problems += violations(
            tree, allowed=BODY_TAGS | {"html", "head", "body"}, admin=False
        )
        texts.append(readable(tree))
    return problems, " ".join(texts)


def rss(client, path="/feeds/rss/") -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200
    return ET.fromstring(response.content)


@pytest.mark.django_db
def test_rss_titles_and_descriptions_are_inert(client, corpus, many_per_page):
    root = rss(client)
    items = root.iter("item")
    elements = [
        e for item in items for e in (item.find("title"), item.find("description"))
    ]
    problems, text = feed_problems(elements)
    assert not problems, problems[:10]
    for vector in VECTORS:
        assert vector.canary(TITLE) in text
        assert vector.canary(EXCERPT) in text


@pytest.mark.django_db
def test_rss_categories_and_authors_are_inert(client, corpus, many_per_page):
    root = rss(client)
    elements = [
        e
        for item in root.iter("item")
        for e in item
        if e.tag in {"category", f"{DC}creator"}
    ]
    problems, text = feed_problems(elements)
    assert not problems, problems[:10]
    for n in corpus.categories:
        assert VECTORS[n - 1].canary(CATEGORY) in text
    for n in corpus.authors:
        assert VECTORS[n - 1].canary(AUTHOR) in text


@pytest.mark.django_db
def test_atom_entries_are_inert(client, corpus, many_per_page):
    response = client.get("/feeds/atom/")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    html_elements, plain = [], []
    for entry in root.iter(f"{ATOM}entry"):
        for element in entry.iter():
            if element.get("type") in {"html", "xhtml"}:
                html_elements.append(element)
            else:
                plain.append(element.text or "")
                plain.extend(element.attrib.values())
    problems, text = feed_problems(html_elements)
    assert not problems, problems[:10]
    everything = text + " ".join(plain)
    for vector in VECTORS:
        assert vector.canary(TITLE) in everything
        assert vector.canary(EXCERPT) in everything


# --- The admin: change form, change list, history ---------------------------


@pytest.mark.django_db
def test_admin_change_forms_and_history_render_every_field_inert(admin_client, corpus):
    for vector in VECTORS:
        article = corpus.per_vector[vector.n]
        base = f"/admin/articles/article/{article.pk}/"
        canaries = [
            vector.canary(f) for f in (TITLE, EXCERPT, FEATURE, ALT, CAPTION, CREDIT)
        ]
        check_page(admin_client.get(base + "change/"), canaries, admin=True)
        check_page(
            admin_client.get(base + "history/"), [vector.canary(TITLE)], admin=True
        )


@pytest.mark.django_db
def test_admin_shows_bodies_corrections_and_notices_inert(admin_client, corpus):
    for article, field, group in corpus.bodies:
        base = f"/admin/articles/article/{article.pk}/"
        canaries = [v.canary(field) for v in group]
        check_page(admin_client.get(base + "change/"), canaries, admin=True)
        check_page(admin_client.get(base + "history/"), [], admin=True)
    for article, group in corpus.taken_down:
        base = f"/admin/articles/article/{article.pk}/"
        canaries = [v.canary(TAKEDOWN) for v in group]
        check_page(admin_client.get(base + "history/"), canaries, admin=True)


def change_list_text(admin_client, model: str) -> str:
    """Every page of an admin change list, each checked; their text joined."""
    texts = []
    for page in range(1, 20):
        response = admin_client.get(f"/admin/articles/{model}/?p={page}")
        if page > 1 and response.status_code != 200:
            break  # past the last page: the admin redirects
        check_page(response, [], admin=True)
        text = readable(parse_html(response.content.decode()))
        if page > 1 and text == texts[-1]:
            break
        texts.append(text)
    return " ".join(texts)


@pytest.mark.django_db
def test_admin_change_lists_render_titles_and_names_inert(admin_client, corpus):
    text = change_list_text(admin_client, "article")
    assert all(v.canary(TITLE) in text for v in VECTORS)
    text = change_list_text(admin_client, "category")
    assert all(VECTORS[n - 1].canary(CATEGORY) in text for n in corpus.categories)
    text = change_list_text(admin_client, "author")
    assert all(VECTORS[n - 1].canary(AUTHOR) in text for n in corpus.authors)


# --- The checks themselves can fail -------------------------------------------

LIVE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="javascript\u200b:alert(1)">x</a>',
    '<a href=" &#14; vbscript:x">x</a>',
    '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
    '<img srcset="https://a.kr/1.png 1x, javascript:alert(1) 2x">',
    '<p style="width:expr/**/ession(alert(1))">x</p>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<iframe src="https://evil.example/"></iframe>',
    '<form action="javascript:alert(1)"></form>',
    '<script type="application/ld+json">{"a": 1}</script><script>alert(1)</script>',
]
INERT = [
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<a href="https://example.com/?q=javascript:">x</a>',
    '<a href="/articles/서울/">x</a> <a href="mailto:desk@example.kr">y</a>',
    '<img src="https://example.com/a.png" alt="javascript:alert(1)">',
    '<script type="application/ld+json">{"headline": "\\u003cscript\\u003e"}</script>',
]


@pytest.mark.parametrize("markup", LIVE)
def test_the_page_check_finds_live_markup(markup):
    tree = parse_html(markup)
    assert violations(tree, allowed=BODY_TAGS | PUBLIC_CHROME, admin=False)


@pytest.mark.parametrize("markup", INERT)
def test_the_page_check_passes_inert_markup(markup):
    tree = parse_html(markup)
    assert not violations(tree, allowed=BODY_TAGS | PUBLIC_CHROME, admin=False)


@pytest.mark.django_db
def test_a_control_character_in_a_headline_no_longer_breaks_the_feeds(client):
    article = make_article(title="제목\x01에 제어\x0b문자", excerpt="요약\x1f")
    article.refresh_from_db()
    assert article.title == "제목에 제어문자"
    for path in ("/feeds/rss/", "/feeds/atom/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "제목에 제어문자" in response.content.decode()
