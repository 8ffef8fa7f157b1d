"""The sanitiser and Markdown renderer: what reaches a page from a body source.

Database-free. Expected outputs are written by hand from the allow-list.
"""

import random

import pytest

from articles import rendering
from articles.rendering import drop_image, render_body, sanitize_html

SEED_IMAGE = "https://newsdao.kr/res/images/meta/newsdao_breakingnews.jpg"


def html(source: str) -> str:
    return render_body(source, "html")


def test_script_is_removed_with_its_content():
    out = html("<p>푸틴 방북<script>alert('방북')</script> 소식</p>")
    assert out == "<p>푸틴 방북 소식</p>"


@pytest.mark.parametrize(
    "element",
    ["script", "style", "iframe", "object", "template", "noscript", "textarea",
     "form", "svg", "math", "title", "xmp"],
)  # fmt: skip
def test_code_and_foreign_elements_vanish_with_their_content(element):
    out = html(f"<p>앞</p><{element}>alert(document.cookie)</{element}><p>뒤</p>")
    assert "alert" not in out
    assert out == "<p>앞</p><p>뒤</p>"


def test_void_elements_that_load_or_redirect_are_removed():
    out = html('<base href="https://evil.example/"><link rel=stylesheet href=x>'
               '<meta http-equiv=refresh content="0;url=https://evil.example/">'
               '<embed src="https://evil.example/x.swf"><p>본문</p>')  # fmt: skip
    assert out == "<p>본문</p>"


@pytest.mark.parametrize(
    "attribute",
    ['onerror="alert(1)"', "ONERROR=alert(1)", "onMouseOver='alert(1)'",
     'style="background:url(javascript:alert(1))"', 'class="x"', 'data-ke-size="16"'],
)  # fmt: skip
def test_event_handlers_style_and_unknown_attributes_are_dropped(attribute):
    out = html(f'<img src="https://example.kr/a.jpg" alt="사진" {attribute}>')
    assert out == '<img src="https://example.kr/a.jpg" alt="사진">'


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
     "java\tscript:alert(1)", "java\nscript:alert(1)", "&#106;avascript:alert(1)",
     "javascript&colon;alert(1)", "vbscript:msgbox(1)",
     "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="],
)  # fmt: skip
def test_dangerous_link_schemes_are_dropped(url):
    out = html(f'<a href="{url}">링크</a><img src="{url}" alt="그림">')
    assert out == '<a>링크</a><img alt="그림">'


@pytest.mark.parametrize(
    "url", ["https://example.kr/기사", "http://example.kr/", "mailto:desk@example.kr",
            "/articles/방북/", "#각주-1"],
)  # fmt: skip
def test_web_mail_and_relative_links_are_kept(url):
    assert html(f'<a href="{url}">링크</a>') == f'<a href="{url}">링크</a>'


def test_formaction_and_srcset_are_not_allowed_anywhere():
    out = html('<img src="https://e.kr/a.jpg" srcset="javascript:alert(1) 1x" alt="">'
               '<button formaction="javascript:alert(1)">x</button>')  # fmt: skip
    assert out == '<img src="https://e.kr/a.jpg" alt="">'


def test_newsroom_markup_survives():
    source = (
        '<h2>북-러 협력</h2><blockquote cite="https://e.kr/">"협력 확대"</blockquote>'
        '<figure><img src="https://e.kr/p.jpg" alt="회담 장면"><figcaption>평양에서'
        "</figcaption></figure><table><caption>일정</caption><thead><tr>"
        '<th scope="col">날짜</th></tr></thead><tbody><tr><td colspan="2">18일</td>'
        "</tr></tbody></table><ul><li><strong>경제</strong></li><li><em>군사</em></li>"
        "</ul>"
    )
    assert html(source) == source


def test_page_level_h1_in_a_body_becomes_h2():
    assert html("<h1>소제목</h1>") == "<h2>소제목</h2>"


def test_sanitising_is_idempotent():
    nasty = ('<svg><p><style><img src=x onerror=alert(1)></style></p></svg>'
             '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>'
             '<a href="java&#x09;script:alert(1)">x</a><p>끝</p>')  # fmt: skip
    once = sanitize_html(nasty)
    assert "onerror" not in once and "javascript" not in once
    assert sanitize_html(once) == once


def test_markdown_is_rendered_then_sanitised():
    source = (
        "# 북-러 관계\n\n**푸틴** 대통령의 [방북](https://e.kr/방북)\n\n"
        "<script>alert(1)</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        "[클릭](javascript:alert(1))\n"
    )
    out = render_body(source, "markdown")
    assert '<h2 id="북-러-관계">북-러 관계</h2>' in out
    assert '<strong>푸틴</strong> 대통령의 <a href="https://e.kr/방북">방북</a>' in out
    assert "<script" not in out and "alert(1)</" not in out
    assert "onerror" not in out
    assert "<a>클릭</a>" in out


def test_markdown_tables_and_footnotes_keep_their_anchors():
    source = (
        "| 구분 | 내용 |\n|---|---|\n| 경제 | 협력 |\n\n회담[^1]\n\n[^1]: 2024년 6월\n"
    )
    out = render_body(source, "markdown")
    assert "<th>구분</th>" in out and "<td>협력</td>" in out
    assert 'href="#fn:1"' in out and 'id="fn:1"' in out


def test_unknown_body_format_is_an_error_naming_the_format():
    with pytest.raises(ValueError, match="'rtf'"):
        render_body("본문", "rtf")


def test_decomposed_hangul_is_composed():
    decomposed = "\u1107\u1161\u11bc\u1107\u116e\u11a8"  # 방북 as jamo
    assert html(f"<p>{decomposed}</p>") == "<p>방북</p>"


def test_lead_image_equal_to_featured_image_is_dropped_with_its_paragraph():
    body = f'<p><img src="{SEED_IMAGE}" alt="속보"></p><h2>제목</h2><p>본문</p>'
    assert drop_image(body, SEED_IMAGE) == "<h2>제목</h2><p>본문</p>"


def test_lead_image_with_a_different_source_is_kept():
    body = '<p><img src="https://e.kr/other.jpg" alt="다른 사진"></p><p>본문</p>'
    assert drop_image(body, SEED_IMAGE) == body


def test_only_the_first_image_is_considered():
    body = (
        '<p>앞 문단</p><p><img src="https://e.kr/1.jpg" alt="">'
        f'<img src="{SEED_IMAGE}" alt=""></p>'
    )
    assert drop_image(body, SEED_IMAGE) == body


def test_paragraph_with_text_beside_the_dropped_image_is_kept():
    body = f'<p><img src="{SEED_IMAGE}" alt="">사진 설명</p>'
    assert drop_image(body, SEED_IMAGE) == "<p>사진 설명</p>"


@pytest.mark.parametrize(
    "source, fmt",
    [
        ('<p title="a>b">x &amp; y &lt;z&gt;</p>', "html"),
        ("<a href='https://a.kr' title='q\"<>'>링크</a>", "html"),
        ("a < b > c, 1 &lt; 2", "html"),
        ("<script>x</script><p>안녕 &nbsp; 하세요<br>둘째 줄</p>", "html"),
        ("<svg><p>a</p></svg><<p>>< p><a title='<p>'>z</a>", "html"),
        ("<table><tr><td>가</td><th>나</th></tr></table><!-- 주석 -->", "html"),
        ("# 제목\n\n*강조* `<코드>` <b>굵게</b>\n\n| a |\n|---|\n| 1 |", "markdown"),
        ("본문[^1]\n\n[^1]: 각주 <i>기울임</i>", "markdown"),
    ],
)
def test_text_of_sanitised_html_is_what_strip_tags_gives(source, fmt):
    """Reading time counts the body's text: the fast tag pattern must read
    the sanitiser's output as Django's HTML parser does."""
    from django.utils.html import strip_tags

    from articles.rendering import text_of

    rendered = render_body(source, fmt)

    assert text_of(rendered) == strip_tags(rendered)


def _two_parses(source: str) -> str:
    """The sanitiser as it was: the prepared tree serialised, then bleach's
    own parse and clean of that."""
    fragment = rendering._parse(source)
    rendering._drop_and_demote(fragment)
    return rendering._reparse_and_clean(fragment)


# Where reading the prepared tree directly could part from bleach's second
# parse of it: each is a rule of the HTML5 tree builder or of bleach's
# serializer that the one-parse path follows, or a case it hands back.
REPARSE_EDGES = [
    "<pre>\n\n첫 줄</pre>",
    "<pre>&#10;첫 줄</pre>",
    "<pre>&#13;첫 줄</pre>",
    "<table><td><pre>&#10;칸</pre></td></table>",
    "<p>줄&#13;바꿈\r\n</p>",
    "<p title='말 \"인용\" &amp; &lt;꺾쇠&gt;'>x</p>",
    '<a href="/a?b=1&amp;copy=2&amp;lt=3" title="&amp;lt; &copy">x</a>',
    '<img alt=\'"\' src="https://e.kr/&quot;.jpg">',
    "<p title='>'><?x>&amp;lt;</p>",
    "<p>&amp;lt;script&amp;gt; &copy; &amp;copy; &notit; &#128;</p>",
    "<h4>가<table><h4>나",
    "<h3><i><h2>다</i>",
    "<a href=/1><table><a href=/2>라",
    "<dt>마<table><dt>바",
    "<li>사<table><li>아",
    "<p>자<table><p>차",
    "<ol reversed start=3><li>카</ol>",
    "<!-- 주석 --><p>타<!-- 주석 --> 파</p>",
    '<a href="javascript&amp;colon;alert(1)">x</a>',
    "<a href='java&#13;script:alert(1)'>x</a>",
    '<a {x}href="javascript:alert(1)">x</a>',
    "<section><li>하<nav><li>거</nav></section>",
    "<p>\x01\x0b\x0c\u200b</p>",
]


@pytest.mark.parametrize("source", REPARSE_EDGES)
def test_one_parse_sanitises_as_two_parses_did(source):
    assert sanitize_html(source) == _two_parses(source)


def test_one_parse_sanitises_tag_soup_as_two_parses_did():
    rng = random.Random(8)
    tags = [*sorted(rendering.ALLOWED_TAGS), "h1", "section", "nav", "font", "svg",
            "script", "table", "td", "tr", "pre", "a", "li", "p", "p"]  # fmt: skip
    attributes = ["href", "title", "alt", "src", "cite", "start", "reversed",
                  "onclick", "a\"b", "{x}href"]  # fmt: skip
    values = ["https://e.kr/?a=1&b=2", "javascript:alert(1)", "&#106;avascript:x",
              "a\"b", "a'b", "&amp;lt;", "&copy", ">", "", "#각주-1"]  # fmt: skip
    texts = ["본문", "a & b", "&amp;lt;", "&nbsp;", "1 < 2", "\n", "\r\n", "&#10;",
             "&#13;", "\x01", "<!--c-->", "</ x>", "<?x>", "'\"", " "]  # fmt: skip

    def part():
        roll = rng.random()
        if roll < 0.35:
            attrs = "".join(
                f" {rng.choice(attributes)}='{rng.choice(values)}'"
                for _ in range(rng.randint(0, 2))
            )
            return f"<{rng.choice(tags)}{attrs}>"
        if roll < 0.6:
            return f"</{rng.choice(tags)}>"
        return rng.choice(texts)

    sources = ["".join(part() for _ in range(rng.randint(1, 30))) for _ in range(300)]
    differing = [s for s in sources if sanitize_html(s) != _two_parses(s)]
    assert differing == []


def test_newsroom_bodies_are_sanitised_in_one_parse():
    sources = [
        '<h2>북-러 협력</h2><p>본문 <a href="https://e.kr/?a=1&amp;b=2">링크</a></p>'
        '<figure><img src="https://e.kr/p.jpg" alt="회담"><figcaption>평양'
        "</figcaption></figure><ul><li><strong>경제</strong></li></ul>",
        render_body("| 구분 | 내용 |\n|---|---|\n| 경제 | 협력 |\n\n회담[^1]\n\n"
                    "[^1]: 2024년 6월\n\n```\n코드 <b>\n```\n", "markdown"),
    ]  # fmt: skip
    for source in sources:
        fragment = rendering._parse(source)
        rendering._drop_and_demote(fragment)
        assert rendering._rereads_the_same(fragment) is not None, source


def test_bodies_with_stripped_elements_take_the_two_parse_path():
    fragment = rendering._parse("<section><p>본문</p></section>")
    assert rendering._rereads_the_same(fragment) is None
