import unicodedata
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.serializers import deserialize
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles import rendering, workflow
from articles.models import (
    Article,
    ArticleRevision,
    ArticleTransition,
    Author,
    CategorizedArticle,
    Category,
    featured_image_path,
)

from .factories import make_article, make_author, uploaded

pytestmark = pytest.mark.django_db

DECOMPOSED_NEWS = "\u1109\u1169\u1109\u1175\u11a8"  # 소식 as jamo, as macOS types it


def test_slug_keeps_korean_from_the_title():
    article = make_article(title="푸틴 방북, 24년 만의 회담", slug="")
    assert article.slug == "푸틴-방북-24년-만의-회담"
    assert unquote(article.get_absolute_url()) == "/articles/푸틴-방북-24년-만의-회담/"


def test_invisible_characters_never_reach_a_slug():
    article = make_article(title="방북\u200b 소식\u202e", slug="")
    assert article.slug == "방북-소식"


def test_text_fields_are_stored_composed():
    article = make_article(title=DECOMPOSED_NEWS, excerpt=DECOMPOSED_NEWS)
    article.refresh_from_db()
    assert article.title == "소식" and article.excerpt == "소식"


def test_body_html_is_rendered_and_sanitised_on_save():
    article = make_article(
        body="**방북** <script>alert(1)</script>", body_format="markdown"
    )
    assert article.body_html == "<p><strong>방북</strong> </p>"


def test_raw_save_from_a_fixture_rebuilds_derived_fields():
    """loaddata skips save(); the pre_save receiver must still render the body."""
    payload = """[{"model": "articles.article", "fields": {
        "title": "픽스처", "slug": "픽스처", "document_key": "fixture-1",
        "body": "<p>본문<img src=x onerror=alert(1)></p>", "body_format": "html",
        "body_html": "<script>alert(1)</script>", "status": "draft",
        "created_at": "2024-06-17T00:00:00Z", "updated_at": "2024-06-17T00:00:00Z"}}]"""
    for obj in deserialize("json", payload):
        obj.save()
    article = Article.objects.get(document_key="fixture-1")
    assert article.body_html == '<p>본문<img src="x"></p>'


def test_reading_time_counts_characters_not_words():
    # 1,500 Korean characters read at 500 a minute: three minutes.
    article = make_article(body="<p>" + "가나다라마 " * 300 + "</p>")
    assert article.reading_minutes == 3


def test_short_articles_take_at_least_a_minute():
    assert make_article(body="<p>속보</p>").reading_minutes == 1


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:image/png;base64,AAAA", "file:///etc/passwd"]
)
def test_external_image_must_be_http_or_https(url):
    article = make_article(image_url=url)
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "image_url" in error.value.message_dict


def test_external_https_image_is_accepted():
    make_article(image_url="https://newsdao.kr/a.jpg").full_clean()


def test_uploaded_image_needs_alt_text():
    article = make_article()
    article.image = uploaded("a.png", b"png")
    with pytest.raises(ValidationError) as error:
        article.clean()
    assert "image_alt" in error.value.message_dict


def test_upload_names_are_random_not_the_uploaders():
    first = featured_image_path(None, "../../비밀 문서.PNG")
    second = featured_image_path(None, "../../비밀 문서.PNG")
    assert first != second
    assert first.startswith("articles/") and first.endswith(".png")
    assert "비밀" not in first and ".." not in first


def test_standfirst_prefers_feature_text_and_summary_prefers_excerpt():
    article = make_article(excerpt="요약", feature_text="리드문")
    assert (article.standfirst, article.summary) == ("리드문", "요약")
    article.feature_text = ""
    assert article.standfirst == "요약"


def test_category_typed_decomposed_is_the_same_category():
    first, second = make_article(), make_article()
    first.categories.add("국제 소식")
    second.categories.add("국제 " + DECOMPOSED_NEWS)
    assert Category.objects.count() == 1
    assert Category.objects.get().slug == "국제-소식"


def test_categories_set_or_removed_decomposed_find_the_composed_ones():
    # The admin's form saves categories through set(), the importer through add().
    article = make_article(categories=["국제 소식", "정치"])
    decomposed = unicodedata.normalize("NFD", "국제 소식")
    assert decomposed != "국제 소식"

    article.categories.set([decomposed, unicodedata.normalize("NFD", "경제")])
    assert sorted(article.categories.names()) == ["경제", "국제 소식"]
    assert Category.objects.count() == 3

    article.categories.remove(decomposed)
    assert list(article.categories.names()) == ["경제"]


def test_category_names_are_case_insensitive():
    article = make_article()
    article.categories.add("News")
    article.categories.add("news")
    assert list(Category.objects.values_list("name", flat=True)) == ["News"]


def test_natural_keys_identify_rows_without_ids():
    author = make_author("김기자")
    article = make_article(categories=["News"], authors=[author])
    assert Article.objects.get_by_natural_key(*article.natural_key()) == article
    assert Author.objects.get_by_natural_key(*author.natural_key()) == author
    through = CategorizedArticle.objects.get()
    key = through.natural_key()
    assert key == (article.document_key, "News")
    assert CategorizedArticle.objects.get_by_natural_key(*key) == through


def test_bylines_keep_their_order():
    second, first = make_author("이기자"), make_author("박기자")
    article = make_article(authors=[first, second])
    assert article.ordered_authors() == [first, second]


def test_byline_names_typed_decomposed_are_stored_composed():
    author = make_author("\u1112\u1169\u11bc\u1100\u1175\u11af\u1103\u1169\u11bc")
    author.refresh_from_db()
    assert (author.name, author.slug) == ("홍길동", "홍길동")


def test_slug_from_a_decomposed_title_is_composed():
    article = make_article(title="\u1107\u1161\u11bc\u1107\u116e\u11a8", slug="")
    assert article.slug == "방북"


def test_author_slug_keeps_korean_and_is_not_a_login_name():
    author = make_author("홍길동")
    assert author.slug == "홍길동"
    assert unquote(author.get_absolute_url()) == "/authors/홍길동/"


def test_article_statuses_are_the_five_of_the_workflow():
    assert Article.Status.values == [
        "draft",
        "in_review",
        "published",
        "unpublished",
        "taken_down",
    ]


def test_expiry_must_come_after_the_publish_time_in_the_database():
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(publish_at=now, expire_at=now)
    make_article(publish_at=now, expire_at=now + timedelta(seconds=1))
    make_article(publish_at=None, expire_at=now)


def test_expiry_before_the_publish_time_is_a_form_error_not_a_crash():
    now = timezone.now()
    article = Article(title="기사", publish_at=now, expire_at=now - timedelta(hours=1))
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "게재 종료 시각은 게재 시각보다 뒤여야 합니다." in str(error.value)


@pytest.mark.parametrize("model", [ArticleRevision, ArticleTransition])
def test_revisions_and_the_transition_log_are_append_only(model):
    article = make_article()
    if model is ArticleRevision:
        row = model.objects.create(article=article, version=1, data={"title": "첫 판"})
    else:
        row = model.objects.create(
            article=article, from_status="draft", to_status="in_review"
        )
    row.note = row.comment = "고친 기록"
    with pytest.raises(ValueError):
        row.save()
    with pytest.raises(ValueError):
        row.delete()
    assert model.objects.count() == 1


# Derived work: done once per save, never per page view


def test_creating_an_article_with_three_categories_renders_its_body_once(
    renders, editor
):
    article = Article(title="세 갈래 기사", body="<p>정치와 경제, 사회 이야기</p>")
    article.body_format = "html"

    workflow.SaveArticle(editor).run(
        article, expected_version=None, categories=["정치", "경제", "사회"]
    )

    assert renders == ["<p>정치와 경제, 사회 이야기</p>"]
    assert Article.objects.get().body_html == "<p>정치와 경제, 사회 이야기</p>"


def test_a_status_only_change_renders_nothing(renders):
    article = make_article(status=Article.Status.DRAFT, body="<p>초안 본문</p>")
    renders.clear()

    article.status = Article.Status.PUBLISHED
    article.publish_at = timezone.now()
    article.save(update_fields=["status", "publish_at", "updated_at"])

    assert renders == []
    article.refresh_from_db()
    assert article.status == "published"
    assert article.body_html == "<p>초안 본문</p>"


def test_a_partial_save_of_the_body_stores_its_new_html(renders):
    article = make_article(body="<p>처음</p>")
    renders.clear()

    article.body = "<p>고친 본문 <script>alert(1)</script></p>"
    article.save(update_fields=["body"])

    assert len(renders) == 1
    article.refresh_from_db()
    assert article.body_html == "<p>고친 본문 </p>"


def test_loading_the_seed_renders_its_body_once(renders):
    call_command("loaddata", "seed", verbosity=0)

    assert len(renders) == 1
    assert "푸틴" in Article.objects.get().body_html


FEATURED = "https://img.example.kr/news/광장.jpg"


def test_the_featured_image_repeated_in_the_body_is_left_out_when_saved():
    article = make_article(
        image_url=FEATURED,
        body=f'<p><img src="{FEATURED}" alt="광장"></p><h2>집회</h2><p>시민들</p>',
    )

    assert article.body_html == "<h2>집회</h2><p>시민들</p>"
    assert FEATURED in article.body  # the source keeps it


def test_changing_the_featured_image_brings_the_body_image_back():
    article = make_article(
        image_url=FEATURED, body=f'<p><img src="{FEATURED}" alt="광장"></p><p>본문</p>'
    )

    article.image_url = "https://img.example.kr/news/다른사진.jpg"
    article.save(update_fields=["image_url"])

    article.refresh_from_db()
    assert FEATURED in article.body_html


def test_the_article_page_parses_no_html(client, monkeypatch):
    article = make_article(
        image_url=FEATURED, body=f'<p><img src="{FEATURED}" alt="광장"></p><p>본문</p>'
    )

    def never(*args, **kwargs):
        raise AssertionError("the page parsed or rendered the body")

    for name in ("render_body", "sanitize_html", "drop_image", "_parse"):
        monkeypatch.setattr(rendering, name, never)
    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "<p>본문</p>" in page
    assert page.count(f'src="{FEATURED}"') == 1  # the featured image, not again
