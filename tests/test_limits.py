"""Body limits: what is measured, and that the admin and the importer refuse before
anything renders (a wrapper counts calls to the real `render_body`)."""

import json
import random
from io import StringIO
from pathlib import Path

import pytest
from bleach import html5lib_shim
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from articles import limits, rendering
from articles.limits import (
    MAX_BODY_CHARACTERS,
    MAX_BODY_DEPTH,
    MAX_BODY_ELEMENTS,
    body_refusal,
    html_shape,
    markdown_shape,
)
from articles.models import Article
from tests.factories import make_article
from tests.test_admin import admin_url, form_data

HTML, MARKDOWN = "html", "markdown"
SENTENCE = "서울시는 내년도 예산안을 발표했다. "
SIZE_MESSAGE = f"본문은 {MAX_BODY_CHARACTERS:,}자까지"
DEPTH_MESSAGE = f"{MAX_BODY_DEPTH}단계까지만"
ELEMENTS_MESSAGE = f"{MAX_BODY_ELEMENTS:,}개까지"


def nested_divs(depth: int) -> str:
    return "<div>" * depth + "<p>" + SENTENCE + "</p>" + "</div>" * depth


def korean_text(characters: int) -> str:
    return (SENTENCE * (characters // len(SENTENCE) + 1))[:characters]


def real_depth(html: str) -> int:
    """The deepest element in the tree html5lib (the sanitiser's parser) builds."""
    fragment = html5lib_shim.HTMLParser(namespaceHTMLElements=False).parseFragment(html)
    deepest, stack = 0, [(fragment, 0)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack += [(c, depth + 1) for c in element if isinstance(c.tag, str)]
    return deepest


# What is measured ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [HTML, MARKDOWN])
def test_body_of_exactly_the_character_limit_is_accepted_one_more_is_not(fmt):
    body = korean_text(MAX_BODY_CHARACTERS)

    assert body_refusal(body, fmt) is None
    refusal = body_refusal(body + "다", fmt)
    assert SIZE_MESSAGE in refusal
    assert f"({MAX_BODY_CHARACTERS + 1:,}자)" in refusal


def test_characters_are_counted_not_bytes():
    body = "가" * MAX_BODY_CHARACTERS  # three bytes each in UTF-8

    assert len(body.encode()) == 3 * MAX_BODY_CHARACTERS
    assert body_refusal(body, HTML) is None


def test_html_nested_to_the_depth_limit_is_accepted_one_more_level_is_not():
    at_limit = nested_divs(MAX_BODY_DEPTH - 1)  # the <p> is the last level

    assert html_shape(at_limit)[0] == MAX_BODY_DEPTH == real_depth(at_limit)
    assert body_refusal(at_limit, HTML) is None
    refusal = body_refusal(nested_divs(MAX_BODY_DEPTH), HTML)
    assert DEPTH_MESSAGE in refusal
    assert f"({MAX_BODY_DEPTH + 1}단계)" in refusal


@pytest.mark.parametrize(
    "unclosed",
    [
        "<div>",
        "<blockquote>",
        "<b>",  # a browser keeps re-opening it inside what follows
        "<span><div/>",  # '/>' does not close a div
        "<table><tr><td>",
    ],
)
def test_unclosed_tags_count_as_nesting(unclosed):
    body = (unclosed + SENTENCE) * (MAX_BODY_DEPTH + 1)

    assert real_depth(body) > MAX_BODY_DEPTH
    assert DEPTH_MESSAGE in body_refusal(body, HTML)


@pytest.mark.parametrize(
    "markup",
    [
        "<p>첫 문단<p>둘째 문단",  # an open <p> closes at the next one
        "<ul><li>하나<li>둘<li>셋</ul>",
        "<table><tr><td>가<td>나<tr><td>다</table>",
        "<dl><dt>용어<dd>설명<dt>용어<dd>설명</dl>",
        "<!-- <div><div><div> -->",
        "<p title='<div><div>'>인용</p>",
    ],
)
def test_implied_closings_comments_and_attributes_are_not_nesting(markup):
    body = markup * 500

    assert html_shape(body)[0] <= 4
    assert body_refusal(body, HTML) is None


def test_repeated_hostile_fragments_never_hide_their_depth():
    """The scan follows the HTML5 tree rules closely enough that no fragment, however
    often repeated, nests deeper than it counts (to within a few levels)."""
    tags = ["div", "p", "b", "i", "a", "span", "ul", "li", "table", "tr", "td",
            "tbody", "blockquote", "h2", "dl", "dt", "dd", "br", "svg", "g", "math",
            "script", "style", "em", "button", "select", "option", "caption",
            "template", "object", "font", "nobr", "title", "textarea", "body",
            "html", "head", "frameset", "col", "figure", "pre"]  # fmt: skip
    pieces = ["x", " ", "<!--", "-->", "'", '"', "=", "/", ">", "<"]
    attributes = ["", " id=1", ' a="x"', " /", " b='>'"]
    rng = random.Random(20261201)
    for _ in range(600):
        fragment = ""
        for _ in range(rng.randint(1, 8)):
            roll, tag = rng.random(), rng.choice(tags)
            if roll < 0.5:
                fragment += f"<{tag}{rng.choice(attributes)}>"
            elif roll < 0.85:
                fragment += f"</{tag}>"
            else:
                fragment += rng.choice(pieces)
        body = fragment * 40
        assert html_shape(body)[0] + 3 >= real_depth(body), fragment


def test_markdown_quotes_and_lists_count_as_nesting():
    quotes = ">" * MAX_BODY_DEPTH + " 인용문\n"
    lists = "".join("    " * level + "- 항목\n" for level in range(MAX_BODY_DEPTH // 2))

    assert DEPTH_MESSAGE in body_refusal(quotes, MARKDOWN)
    assert DEPTH_MESSAGE in body_refusal(lists, MARKDOWN)
    assert body_refusal(">" * 10 + " 인용문\n", MARKDOWN) is None
    assert real_depth(rendering.markdown_to_html(lists)) <= markdown_shape(lists)[0]


def test_raw_html_inside_markdown_counts_on_top_of_markdown_nesting():
    body = "> > 인용 안의 " + "<span>" * (MAX_BODY_DEPTH - 2) + "글\n"

    assert markdown_shape(body)[0] > MAX_BODY_DEPTH
    assert DEPTH_MESSAGE in body_refusal(body, MARKDOWN)
    assert body_refusal(body, HTML) is None  # as HTML, '>' is just text


@pytest.mark.parametrize(
    ("unit", "fmt"), [("<p>가</p>", HTML), ("- 가\n", MARKDOWN), ("*가* ", MARKDOWN)]
)
def test_more_elements_than_the_limit_are_refused(unit, fmt):
    assert body_refusal(unit * (MAX_BODY_ELEMENTS // 2), fmt) is None
    refusal = body_refusal(unit * (MAX_BODY_ELEMENTS + 1), fmt)
    assert ELEMENTS_MESSAGE in refusal


def test_markdown_unclosed_brackets_are_refused_before_markdown_rereads_them():
    body = "[" * 2000  # 2,000 characters Python-Markdown would scan 2,000 times

    refusal = body_refusal(body, MARKDOWN)
    assert f"한도 {limits.MAX_MARKDOWN_SCAN:,}자" in refusal
    assert (
        body_refusal("[링크](https://example.kr/) (서울=연합뉴스)\n" * 300, MARKDOWN)
        is None
    )


def test_the_seed_article_is_well_inside_every_limit(settings):
    seed = Path(settings.BASE_DIR) / "fixtures/source/000_11b916df22095a78.txt"
    body = seed.read_text(encoding="utf-8").split("---\n", 2)[2]

    depth, elements = html_shape(body)
    assert body_refusal(body, HTML) is None
    assert real_depth(body) <= depth <= real_depth(body) + 1
    assert elements < MAX_BODY_ELEMENTS // 10


def test_limits_module_imports_no_models_forms_or_views():
    source = Path(limits.__file__).read_text(encoding="utf-8")
    imports = [
        line for line in source.splitlines() if line.startswith(("import", "from"))
    ]
    assert imports == ["import re"]


# Enforced before rendering ---------------------------------------------------------


@pytest.fixture
def render_calls(monkeypatch):
    """Count calls to render_body; the real function still runs."""
    calls = []
    real = rendering.render_body

    def counting(source, fmt):
        calls.append(len(source or ""))
        return real(source, fmt)

    monkeypatch.setattr(rendering, "render_body", counting)
    return calls


OVER_LIMITS = {
    "html-size": (HTML, korean_text(MAX_BODY_CHARACTERS + 1), SIZE_MESSAGE),
    "markdown-size": (MARKDOWN, korean_text(MAX_BODY_CHARACTERS + 1), SIZE_MESSAGE),
    "html-depth": (HTML, nested_divs(MAX_BODY_DEPTH), DEPTH_MESSAGE),
    "markdown-depth": (MARKDOWN, "> " * (MAX_BODY_DEPTH + 1) + "글\n", DEPTH_MESSAGE),
}


def database_rows() -> dict[str, int]:
    """Row counts of every table of the articles and search apps."""
    return {
        model._meta.db_table: model._default_manager.count()
        for app in ("articles", "search")
        for model in apps.get_app_config(app).get_models()
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fmt", "body", "message"), OVER_LIMITS.values(), ids=OVER_LIMITS.keys()
)
def test_admin_refuses_a_body_over_a_limit_and_saves_nothing(
    client, editor, render_calls, fmt, body, message
):
    article = make_article(title="예산안 기사", body="<p>원래 본문</p>")
    client.force_login(editor)
    data = form_data(client, article)
    before, rows = Article.objects.values().get(pk=article.pk), database_rows()
    render_calls.clear()

    data.update(body=body, body_format=fmt, title="바뀐 제목", _save="저장")
    response = client.post(admin_url("change", article), data)

    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors["body"]
    assert any(message in error for error in errors)
    assert message in response.content.decode()
    assert render_calls == []
    assert Article.objects.values().get(pk=article.pk) == before
    assert database_rows() == rows


@pytest.mark.django_db
def test_admin_saves_a_body_exactly_at_the_limits(client, editor, render_calls):
    article = make_article(title="예산안 기사", body="<p>원래 본문</p>")
    client.force_login(editor)
    data = form_data(client, article)
    body = nested_divs(MAX_BODY_DEPTH - 1)
    body += korean_text(MAX_BODY_CHARACTERS - len(body))
    render_calls.clear()

    data.update(body=body, body_format=HTML, _save="저장")
    response = client.post(admin_url("change", article), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.body == body
    assert render_calls and max(render_calls) == MAX_BODY_CHARACTERS


def write_document(path: Path, body: str, title="가져온 기사") -> Path:
    path.write_text(f"---\ntitle: {title}\n---\n{body}", encoding="utf-8")
    return path


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fmt", "body", "message"), OVER_LIMITS.values(), ids=OVER_LIMITS.keys()
)
def test_import_refuses_a_body_over_a_limit_names_the_file_and_imports_nothing(
    tmp_path, render_calls, fmt, body, message
):
    good = write_document(tmp_path / "a_good.html", "<p>멀쩡한 본문</p>")
    suffix = ".html" if fmt == HTML else ".md"
    bad = write_document(tmp_path / f"z_over{suffix}", body)
    rows = database_rows()

    with pytest.raises(CommandError) as refused:
        call_command("import_posts", str(good), str(bad), stdout=StringIO())

    assert f"{bad}: " in str(refused.value)
    assert message in str(refused.value)
    assert str(good) not in str(refused.value)
    assert render_calls == []
    assert database_rows() == rows


@pytest.mark.django_db
def test_import_checks_the_body_after_image_paths_become_urls(tmp_path, render_calls):
    """A body just under the limit can pass it once its paths become long URLs."""
    image = '<img src="/a.jpg" alt="">'
    body = image * 10
    body += korean_text(MAX_BODY_CHARACTERS - len(body))
    bad = write_document(tmp_path / "grows.html", body)

    with pytest.raises(CommandError, match=SIZE_MESSAGE):
        call_command(
            "import_posts",
            str(bad),
            "--site-url",
            "https://old.example.kr/blog",
            stdout=StringIO(),
        )

    assert render_calls == []
    assert Article.objects.count() == 0


def fixture_article(document_key: str, title: str, body: str, fmt: str) -> dict:
    when = "2024-06-17T09:00:00Z"
    return {
        "model": "articles.article",
        "fields": {
            "document_key": document_key,
            "title": title,
            "slug": title.replace(" ", "-"),
            "body": body,
            "body_format": fmt,
            "status": "published",
            "publish_at": when,
            "created_at": when,
            "updated_at": when,
        },
    }


GOOD_FIXTURE_BODY = "<p>멀쩡한 픽스처 본문</p>"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fmt", "body", "message"), OVER_LIMITS.values(), ids=OVER_LIMITS.keys()
)
def test_loaddata_refuses_a_body_over_a_limit_names_the_object_and_loads_nothing(
    tmp_path, render_calls, fmt, body, message
):
    existing = make_article(title="예산안 기사", body="<p>원래 본문</p>")
    fixture = tmp_path / "over_limit.json"
    objects = [
        fixture_article("new-good", "멀쩡한 기사", GOOD_FIXTURE_BODY, HTML),
        # Replaces the stored article's body by natural key: refused, kept as it was.
        fixture_article(existing.document_key, "예산안 기사", body, fmt),
    ]
    fixture.write_text(json.dumps(objects, ensure_ascii=False), encoding="utf-8")
    before, rows = Article.objects.values().get(pk=existing.pk), database_rows()
    render_calls.clear()

    with pytest.raises(CommandError) as refused:
        call_command("loaddata", str(fixture), stdout=StringIO())

    text = str(refused.value)
    assert "over_limit.json" in text
    assert f"articles.Article(pk={existing.pk})" in text
    assert "slug='예산안-기사'" in text
    assert message in text
    # The only render was the good article's, which the rollback then undid.
    assert render_calls == [len(GOOD_FIXTURE_BODY)]
    assert Article.objects.values().get(pk=existing.pk) == before
    assert database_rows() == rows


@pytest.mark.django_db
def test_loaddata_loads_a_body_exactly_at_the_limits(tmp_path, render_calls):
    body = nested_divs(MAX_BODY_DEPTH - 1)
    body += korean_text(MAX_BODY_CHARACTERS - len(body))
    fixture = tmp_path / "at_limit.json"
    objects = [fixture_article("at-limit", "한도 기사", body, HTML)]
    fixture.write_text(json.dumps(objects, ensure_ascii=False), encoding="utf-8")

    call_command("loaddata", str(fixture), stdout=StringIO())

    assert Article.objects.get(document_key="at-limit").body == body
    assert render_calls == [MAX_BODY_CHARACTERS]
