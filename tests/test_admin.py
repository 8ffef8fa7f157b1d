"""The admin over HTTP, as each role: what they see, what they may do, what is kept."""

import re
import struct
import zlib
from datetime import UTC, datetime, time, timedelta
from io import BytesIO

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import MultiWidget
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles import previews, workflow
from articles.models import Article, Correction
from articles.models import Image as ImageRecord
from tests.factories import make_article, make_author
from tests.people import make_staff

pytestmark = pytest.mark.django_db

Status = Article.Status
CHANGELIST = reverse("admin:articles_article_changelist")
DECOMPOSED_PUTIN = "\u1111\u116e\u1110\u1175\u11ab"  # 푸틴 as jamo


def draft_of(user, **overrides):
    fields = {"status": Status.DRAFT, "publish_at": None, "owner": user}
    return make_article(**{**fields, **overrides})


def admin_url(name, article, *args):
    return reverse(f"admin:articles_article_{name}", args=[article.pk, *args])


def as_user(client, user):
    client.force_login(user)
    return client


def page(response) -> str:
    return response.content.decode()


def form_data(client, article) -> dict:
    """What the change form would post back unchanged, inlines included."""
    response = client.get(admin_url("change", article))
    assert response.status_code == 200
    data = {}
    _collect(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _collect(data, formset.management_form)
        for form in formset.forms:
            _collect(data, form)
    return data


def _collect(data, form):
    for field in form:
        widget = field.field.widget
        if getattr(widget, "input_type", None) == "file":
            continue
        value = field.value()
        if isinstance(widget, MultiWidget):
            parts = widget.decompress(value)
            for i, (sub, part) in enumerate(zip(widget.widgets, parts, strict=True)):
                data[f"{field.html_name}_{i}"] = sub.format_value(part) or ""
        else:
            formatted = widget.format_value(value)
            data[field.html_name] = "" if formatted is None else formatted


def changelist_titles(response) -> list[str]:
    return re.findall(r'class="field-title"><a [^>]*>([^<]*)</a>', page(response))


# Roles ----------------------------------------------------------------------------


def test_roles_carry_the_permissions_of_the_workflow():
    def codenames(role):
        group = Group.objects.get(name=role)
        return set(group.permissions.values_list("codename", flat=True))

    reporter, editor = codenames("Reporter"), codenames("Editor")
    assert {"add_article", "change_article", "view_article"} <= reporter
    assert not reporter & {"publish_article", "take_down_article", "edit_any_article"}
    assert {"publish_article", "take_down_article", "edit_any_article"} <= editor
    assert {"add_correction", "add_sharelink", "change_sharelink"} <= editor
    assert "delete_article" not in reporter | editor
    assert "delete_correction" not in reporter | editor


# The change list -----------------------------------------------------------------


def test_reporter_lists_only_their_own_articles(client, reporter):
    mine = draft_of(reporter, title="내 초안")
    make_article(title="남의 기사")
    response = as_user(client, reporter).get(CHANGELIST)
    assert changelist_titles(response) == [mine.title]


def test_change_list_shows_status_schedule_bylines_owner_and_categories(
    client, editor, reporter
):
    at = timezone.now() + timedelta(days=3)
    make_article(
        title="예약된 기사",
        publish_at=at,
        owner=reporter,
        categories=["국제"],
        authors=[make_author("박특파원")],
    )
    text = page(as_user(client, editor).get(CHANGELIST))
    assert "게재 예약" in text
    assert f"예약 {timezone.localtime(at):%Y-%m-%d %H:%M}" in text
    assert "박특파원" in text and "국제" in text and reporter.username in text


def test_waiting_for_review_has_a_filter_and_a_count_on_the_index(client, editor):
    for n in range(2):
        make_article(title=f"검토 대기 기사 {n}", status=Status.IN_REVIEW)
    make_article(title="초안", status=Status.DRAFT)
    as_user(client, editor)
    index = page(client.get(reverse("admin:index")))
    assert re.search(r'review-queue__count">2<', index)
    response = client.get(CHANGELIST, {"progress": "review"})
    assert sorted(changelist_titles(response)) == [
        "검토 대기 기사 0",
        "검토 대기 기사 1",
    ]


def test_reporter_review_count_counts_only_their_own(client, reporter):
    make_article(status=Status.IN_REVIEW, owner=reporter)
    make_article(status=Status.IN_REVIEW)
    index = page(as_user(client, reporter).get(reverse("admin:index")))
    assert re.search(r'review-queue__count">1<', index)


@pytest.mark.parametrize("query", ["푸틴", DECOMPOSED_PUTIN, "방북"])
def test_search_finds_korean_titles(client, editor, query):
    make_article(title="푸틴 방북 9개월")
    make_article(title="서울시 예산안")
    response = as_user(client, editor).get(CHANGELIST, {"q": query})
    assert changelist_titles(response) == ["푸틴 방북 9개월"]


def test_status_and_category_filters_narrow_the_list(client, editor):
    make_article(title="게재 기사", categories=["경제"])
    make_article(title="초안 기사", status=Status.DRAFT, categories=["사회"])
    as_user(client, editor)
    response = client.get(CHANGELIST, {"status__exact": "draft"})
    assert changelist_titles(response) == ["초안 기사"]
    response = client.get(CHANGELIST, {"progress": "live"})
    assert changelist_titles(response) == ["게재 기사"]


# The change form ---------------------------------------------------------------


def test_reporter_writes_a_new_article_that_starts_as_their_draft(client, reporter):
    as_user(client, reporter)
    response = client.get(reverse("admin:articles_article_add"))
    data = {}
    _collect(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        _collect(data, inline.formset.management_form)
    data.update(title="구청 앞 도로 공사 시작", body="공사는 석 달 걸린다.")
    response = client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(title="구청 앞 도로 공사 시작")
    assert (article.status, article.owner) == (Status.DRAFT, reporter)
    assert article.slug == "구청-앞-도로-공사-시작"
    assert article.revisions.get().note == "작성"


def test_reporter_edits_their_own_draft(client, reporter):
    article = draft_of(reporter, title="초고")
    as_user(client, reporter)
    data = form_data(client, article)
    data["title"] = "고친 제목"
    response = client.post(admin_url("change", article), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "고친 제목" and article.version == 2
    assert article.revisions.get().data["title"] == "고친 제목"


def test_reporter_crafted_post_cannot_set_status_time_owner_or_slug(
    client, reporter, editor
):
    article = draft_of(reporter, slug="원래-슬러그")
    as_user(client, reporter)
    data = form_data(client, article)
    data.update(
        title="몰래 게재 시도",
        status="published",
        publish_at_0="2020-01-01",
        publish_at_1="00:00:00",
        expire_at_0="2030-01-01",
        expire_at_1="00:00:00",
        owner=str(editor.pk),
        slug="바꾼-슬러그",
    )
    response = client.post(admin_url("change", article), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "몰래 게재 시도"  # the save itself went through
    assert article.status == Status.DRAFT
    assert (article.publish_at, article.expire_at) == (None, None)
    assert article.owner == reporter and article.slug == "원래-슬러그"


def test_reporter_sees_their_submitted_article_read_only(client, reporter):
    article = draft_of(reporter, title="제출한 기사")
    workflow.submit(article, by=reporter)
    as_user(client, reporter)
    response = client.get(admin_url("change", article))
    assert response.status_code == 200
    assert 'name="_save"' not in page(response)
    data = {"title": "제출 뒤 몰래 고침"}
    assert client.post(admin_url("change", article), data).status_code == 403
    assert Article.objects.get(pk=article.pk).title == "제출한 기사"


@pytest.mark.parametrize(
    "view",
    [
        "history",
        "revisions",
        "preview",
        "share_links",
        "correction_add",
        "delete",
        ("transition", "submit"),
    ],
)
def test_reporter_reaches_nothing_of_someone_elses_article(client, reporter, view):
    article = draft_of(make_staff("Reporter"))
    name, *args = view if isinstance(view, tuple) else (view,)
    response = as_user(client, reporter).get(admin_url(name, article, *args))
    assert response.status_code in (302, 403, 404)
    assert article.title not in page(response)


def test_reporter_cannot_compare_or_restore_someone_elses_revisions(client, reporter):
    other = make_staff("Reporter")
    article = draft_of(other)
    workflow.save_article(article, by=other)
    revision = article.revisions.get()
    as_user(client, reporter)
    compare = client.get(
        admin_url("revision_compare", article), {"a": revision.pk, "b": revision.pk}
    )
    assert compare.status_code == 404
    restore = client.post(admin_url("revision_restore", article, revision.pk))
    assert restore.status_code == 404
    assert article.revisions.count() == 1


def test_reporter_cannot_change_someone_elses_article_by_post(client, reporter):
    article = draft_of(make_staff("Reporter"), title="남의 초안")
    response = as_user(client, reporter).post(
        admin_url("change", article), {"title": "가로챈 제목"}
    )
    assert response.status_code in (302, 403, 404)
    assert Article.objects.get(pk=article.pk).title == "남의 초안"


def test_editor_save_of_a_published_article_changes_the_live_page(client, editor):
    article = make_article(title="게재 중인 기사")
    as_user(client, editor)
    data = form_data(client, article)
    data["feature_text"] = "새로 쓴 리드문입니다."
    assert client.post(admin_url("change", article), data).status_code == 302
    client.logout()
    assert "새로 쓴 리드문입니다." in page(client.get(article.get_absolute_url()))


# Concurrent edits ------------------------------------------------------------------


def open_twice(client, editor, **fields):
    """An article both `client` (as `editor`) and a second editor, hong, opened at
    the same version; returns (article, mine, theirs client, theirs data)."""
    article = make_article(**fields)
    workflow.save_article(article, by=editor)  # the revision both start from
    as_user(client, editor)
    mine = form_data(client, article)
    other = Client()
    other.force_login(make_staff("Editor", username="hong"))
    return article, mine, other, form_data(other, article)


def test_stale_save_is_refused_and_the_typed_text_is_kept(client, editor):
    article, mine, other, theirs = open_twice(
        client, editor, title="동시 편집", body="<p>처음 본문</p>"
    )
    theirs["body"] = "<p>먼저 저장한 본문</p>"
    assert other.post(admin_url("change", article), theirs).status_code == 302

    mine["body"] = "<p>내가 공들여 쓴 본문</p>"
    response = client.post(admin_url("change", article), mine)
    assert response.status_code == 200
    text = page(response)
    assert "hong님이 먼저 저장했습니다" in text
    assert "내가 공들여 쓴 본문" in text  # nothing typed is lost
    # The form keeps the version it was opened with: it has not silently taken
    # the new one.
    assert f'name="seen_version" value="{mine["seen_version"]}"' in text
    # Theirs beside mine, field by field, with a choice to make.
    conflicts = response.context["adminform"].form.conflicts
    assert [c["name"] for c in conflicts] == ["body"]
    assert conflicts[0]["theirs"] == "<p>먼저 저장한 본문</p>"
    assert conflicts[0]["mine"] == "<p>내가 공들여 쓴 본문</p>"
    assert 'name="keep_body" value="theirs"' in text
    article.refresh_from_db()
    assert article.body == "<p>먼저 저장한 본문</p>"


def test_resubmitting_a_refused_form_unchanged_is_refused_again(client, editor):
    article, mine, other, theirs = open_twice(client, editor)
    theirs["title"] = "홍 기자가 고친 제목"
    assert other.post(admin_url("change", article), theirs).status_code == 302
    mine["title"] = "내가 고친 제목"
    assert client.post(admin_url("change", article), mine).status_code == 200

    again = client.post(admin_url("change", article), mine)

    assert again.status_code == 200
    assert "hong님이 먼저 저장했습니다" in page(again)
    assert Article.objects.get(pk=article.pk).title == "홍 기자가 고친 제목"


def test_merge_saves_exactly_the_chosen_fields(client, editor):
    article, mine, other, theirs = open_twice(
        client, editor, title="원래 제목", excerpt="원래 요약", body="<p>원래 본문</p>"
    )
    theirs["title"] = "홍 기자가 고친 제목"
    theirs["body"] = "<p>홍 기자가 고친 본문</p>"
    assert other.post(admin_url("change", article), theirs).status_code == 302
    mine["title"] = "내가 고친 제목"
    mine["excerpt"] = "내가 고친 요약"  # only I changed this one
    mine["body"] = "<p>내가 고친 본문</p>"
    refused = client.post(admin_url("change", article), mine)
    form = refused.context["adminform"].form
    assert {c["name"] for c in form.conflicts} == {"title", "body"}

    # Choosing for one field only is not enough.
    merge = {**mine, "merge_base": form.data["merge_base"], "keep_title": "theirs"}
    assert client.post(admin_url("change", article), merge).status_code == 200
    assert Article.objects.get(pk=article.pk).body == "<p>홍 기자가 고친 본문</p>"

    merge["keep_body"] = "mine"
    assert client.post(admin_url("change", article), merge).status_code == 302

    article.refresh_from_db()
    assert article.title == "홍 기자가 고친 제목"  # theirs, as chosen
    assert article.body == "<p>내가 고친 본문</p>"  # mine, as chosen
    assert article.excerpt == "내가 고친 요약"  # mine, untouched by them
    assert article.revisions.first().created_by_name == editor.get_username()


def test_a_merge_goes_stale_again_when_a_third_save_lands(client, editor):
    article, mine, other, theirs = open_twice(client, editor)
    theirs["title"] = "첫 번째 저장"
    assert other.post(admin_url("change", article), theirs).status_code == 302
    mine["title"] = "내 제목"
    form = client.post(admin_url("change", article), mine).context["adminform"].form
    merge = {**mine, "merge_base": form.data["merge_base"], "keep_title": "mine"}
    third = form_data(other, article)
    third["excerpt"] = "세 번째 사람이 고친 요약"
    assert other.post(admin_url("change", article), third).status_code == 302

    assert client.post(admin_url("change", article), merge).status_code == 200
    article.refresh_from_db()
    assert article.title == "첫 번째 저장"
    assert article.excerpt == "세 번째 사람이 고친 요약"


def test_merging_after_a_step_keeps_the_step(client, editor):
    article, mine, other, theirs = open_twice(
        client, editor, status=Status.IN_REVIEW, publish_at=None
    )
    workflow.publish(article, by=make_staff("Editor"))
    mine["title"] = "게재 뒤에 고친 제목"
    form = client.post(admin_url("change", article), mine).context["adminform"].form
    conflicts = {c["name"]: c for c in form.conflicts}
    assert not conflicts["status"]["mergeable"]
    assert conflicts["status"]["theirs"] == "게재"
    picks = {f"keep_{n}": "theirs" for n, c in conflicts.items() if c["mergeable"]}
    merge = {**mine, "merge_base": form.data["merge_base"], **picks}

    assert client.post(admin_url("change", article), merge).status_code == 302

    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.publish_at is not None
    assert article.title == "게재 뒤에 고친 제목"


def test_a_post_without_seen_version_is_refused(client, editor):
    article = make_article(title="원래 제목")
    as_user(client, editor)
    data = form_data(client, article)
    del data["seen_version"]
    data["title"] = "손으로 만든 요청"

    response = client.post(admin_url("change", article), data)

    assert response.status_code == 200
    assert "어느 판을 고친 것인지 알 수 없어" in page(response)
    assert "손으로 만든 요청" in page(response)
    assert Article.objects.get(pk=article.pk).title == "원래 제목"


def test_a_step_taken_while_the_form_is_open_makes_the_save_stale(client, editor):
    article = make_article(status=Status.IN_REVIEW)
    as_user(client, editor)
    data = form_data(client, article)
    workflow.publish(article, by=make_staff("Editor"))
    data["title"] = "늦은 저장"
    assert client.post(admin_url("change", article), data).status_code == 200
    assert Article.objects.get(pk=article.pk).title != "늦은 저장"


# Steps over HTTP ------------------------------------------------------------------


def test_reporter_submits_for_review_from_the_admin(client, reporter):
    article = draft_of(reporter)
    as_user(client, reporter)
    response = client.post(admin_url("transition", article, "submit"), {"comment": ""})
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


@pytest.mark.parametrize(
    ("status", "step", "data"),
    [
        (Status.DRAFT, "publish", {}),
        (Status.IN_REVIEW, "publish", {}),
        (Status.IN_REVIEW, "send_back", {"comment": "스스로 반려"}),
        (Status.PUBLISHED, "unpublish", {}),
        (Status.PUBLISHED, "take_down", {"notice": "삭제"}),
        (Status.UNPUBLISHED, "reopen", {}),
    ],
)
def test_reporter_direct_post_of_an_editors_step_is_refused(
    client, reporter, status, step, data
):
    article = make_article(status=status, owner=reporter)
    response = as_user(client, reporter).post(
        admin_url("transition", article, step), data
    )
    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).status == status
    assert not article.transitions.exists()


def test_editor_schedules_an_article_from_the_admin(client, editor):
    article = make_article(status=Status.IN_REVIEW, publish_at=None)
    at = timezone.localtime(timezone.now() + timedelta(days=2)).replace(
        second=0, microsecond=0
    )
    response = as_user(client, editor).post(
        admin_url("transition", article, "publish"),
        {"at_0": f"{at:%Y-%m-%d}", "at_1": f"{at:%H:%M:%S}"},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.publish_at == at
    assert article.is_scheduled
    assert client.get(article.get_absolute_url()).status_code == 404


def test_a_time_typed_in_seoul_goes_live_at_that_moment_in_seoul(client, editor):
    article = make_article(status=Status.IN_REVIEW, publish_at=None)
    tomorrow = timezone.localdate() + timedelta(days=1)
    as_user(client, editor).post(
        admin_url("transition", article, "publish"),
        {"at_0": f"{tomorrow:%Y-%m-%d}", "at_1": "09:00:00"},
    )
    client.logout()
    nine_in_seoul = datetime.combine(tomorrow, time(0, 0), tzinfo=UTC)  # UTC+9
    assert Article.objects.get(pk=article.pk).publish_at == nine_in_seoul
    url = article.get_absolute_url()
    with time_machine.travel(nine_in_seoul - timedelta(seconds=1), tick=False):
        assert client.get(url).status_code == 404
    with time_machine.travel(nine_in_seoul, tick=False):
        assert client.get(url).status_code == 200


def test_editor_sends_back_with_a_comment_the_reporter_then_sees(
    client, editor, reporter
):
    article = make_article(status=Status.IN_REVIEW, owner=reporter)
    url = admin_url("transition", article, "send_back")
    as_user(client, editor)
    response = client.post(url, {"comment": "   "})
    # The step's own refusal, in its own words, on the form.
    assert response.status_code == 200 and "반려 사유를 적어 주세요." in page(response)
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW
    client.post(url, {"comment": "두 번째 단락의 출처를 밝히세요."})
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT
    as_user(client, reporter)
    change_page = page(client.get(admin_url("change", article)))
    assert "두 번째 단락의 출처를 밝히세요." in change_page


def test_editor_takes_an_article_down_from_the_admin(client, editor):
    article = make_article(title="분쟁 기사")
    as_user(client, editor).post(
        admin_url("transition", article, "take_down"),
        {"notice": "언론중재위원회 조정에 따라 삭제 조치했습니다."},
    )
    client.logout()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 410
    assert "언론중재위원회 조정에 따라 삭제 조치했습니다." in page(response)


def test_step_page_offers_the_form_and_a_get_changes_nothing(client, editor):
    article = make_article(status=Status.IN_REVIEW)
    response = as_user(client, editor).get(admin_url("transition", article, "publish"))
    assert response.status_code == 200 and "게재 시각" in page(response)
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


def test_a_step_the_state_does_not_allow_is_refused_with_a_message(client, editor):
    article = make_article()
    as_user(client, editor)
    response = client.post(
        admin_url("transition", article, "send_back"), {"comment": "반려"}, follow=True
    )
    assert "할 수 없습니다" in page(response)
    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED


def csrf_targets(article):
    """Every admin POST that changes something, with a payload that would work."""
    revision = article.revisions.first()
    link = article.share_links.first()
    return {
        "step": (admin_url("transition", article, "unpublish"), {}),
        "save": (admin_url("change", article), {"title": "위조"}),
        "action": (
            CHANGELIST,
            {"action": "unpublish_selected", "_selected_action": [article.pk]},
        ),
        "restore": (admin_url("revision_restore", article, revision.pk), {}),
        "correction": (
            admin_url("correction_add", article),
            {"kind": "update", "text": "위조된 정정"},
        ),
        "share": (admin_url("share_links", article), {"hours": "48"}),
        "revoke": (admin_url("share_link_revoke", article, link.pk), {}),
    }


@pytest.mark.parametrize(
    "target",
    ["step", "save", "action", "restore", "correction", "share", "revoke"],
)
def test_state_changes_without_a_csrf_token_are_refused(superuser, target):
    article = make_article(title="CSRF 대상")
    workflow.save_article(article, by=superuser)
    link = previews.create_share_link(article, by=superuser)
    url, data = csrf_targets(article)[target]
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    response = client.post(url, data)
    assert response.status_code == 403
    article.refresh_from_db()
    link.refresh_from_db()
    assert (article.status, article.title) == (Status.PUBLISHED, "CSRF 대상")
    assert article.revisions.count() == 1 and article.version == 2
    assert not article.corrections.exists() and article.share_links.count() == 1
    assert link.revoked_at is None


def test_deleting_without_a_csrf_token_is_refused(superuser):
    draft = draft_of(superuser)
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    assert client.post(admin_url("delete", draft), {"post": "yes"}).status_code == 403
    assert Article.objects.filter(pk=draft.pk).exists()


def test_gets_on_state_changing_addresses_change_nothing(client, editor):
    article = make_article()
    workflow.save_article(article, by=editor)
    link = previews.create_share_link(article, by=editor)
    as_user(client, editor)
    revision = article.revisions.get()
    assert (
        client.get(admin_url("revision_restore", article, revision.pk)).status_code
        == 200
    )
    response = client.get(admin_url("share_link_revoke", article, link.pk))
    assert response.status_code == 405
    link.refresh_from_db()
    assert link.revoked_at is None and article.revisions.count() == 1


def test_anonymous_post_to_a_step_goes_to_the_login_page(client):
    article = make_article(status=Status.IN_REVIEW)
    response = client.post(admin_url("transition", article, "publish"), {})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


def test_admin_pages_are_never_cached(client, editor):
    article = make_article()
    response = as_user(client, editor).get(admin_url("change", article))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_editors_cannot_manage_users_or_groups(client, editor):
    as_user(client, editor)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_reporter_category_filter_offers_only_their_articles_categories(
    client, reporter
):
    draft_of(reporter, categories=["내 분야"])
    make_article(status=Status.DRAFT, categories=["비밀 기획"])
    text = page(as_user(client, reporter).get(CHANGELIST))
    assert "내 분야" in text and "비밀 기획" not in text


def test_titles_in_admin_messages_are_escaped(client, editor):
    article = make_article(title="<script>alert(1)</script> 제목", status=Status.DRAFT)
    response = as_user(client, editor).post(
        admin_url("transition", article, "publish"), {}, follow=True
    )
    text = page(response)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 제목" in text
    assert "<script>alert(1)</script>" not in text


# Bulk actions ---------------------------------------------------------------------


def run_action(client, action, articles):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(a.pk) for a in articles]},
        follow=True,
    )


def test_bulk_publish_checks_each_article(client, editor):
    ready = [make_article(status=Status.IN_REVIEW) for _ in range(2)]
    gone = make_article(title="이미 삭제 조치된 기사", status=Status.TAKEN_DOWN)
    response = run_action(as_user(client, editor), "publish_selected", [*ready, gone])
    statuses = [Article.objects.get(pk=a.pk).status for a in (*ready, gone)]
    assert statuses == [Status.PUBLISHED, Status.PUBLISHED, Status.TAKEN_DOWN]
    assert "이미 삭제 조치된 기사" in page(response)
    assert "2건" in page(response)


def test_bulk_reopen_returns_withdrawn_articles_to_draft(client, editor):
    withdrawn = make_article(status=Status.UNPUBLISHED)
    live = make_article()
    run_action(as_user(client, editor), "reopen_selected", [withdrawn, live])
    assert Article.objects.get(pk=withdrawn.pk).status == Status.DRAFT
    assert Article.objects.get(pk=live.pk).status == Status.PUBLISHED


def test_reporter_bulk_action_never_touches_someone_elses_article(client, reporter):
    mine = draft_of(reporter)
    theirs = draft_of(make_staff("Reporter"))
    run_action(as_user(client, reporter), "submit_selected", [mine, theirs])
    assert Article.objects.get(pk=mine.pk).status == Status.IN_REVIEW
    assert Article.objects.get(pk=theirs.pk).status == Status.DRAFT


def test_reporter_cannot_run_the_publish_action(client, reporter):
    mine = draft_of(reporter)
    as_user(client, reporter)
    actions = page(client.get(CHANGELIST))
    assert "submit_selected" in actions and "publish_selected" not in actions
    run_action(client, "publish_selected", [mine])
    assert Article.objects.get(pk=mine.pk).status == Status.DRAFT


# Deleting -------------------------------------------------------------------------


def test_only_a_superuser_deletes_and_only_a_never_published_article(
    client, editor, superuser
):
    draft = draft_of(editor)
    published = make_article()
    as_user(client, editor)
    assert client.post(admin_url("delete", draft), {"post": "yes"}).status_code == 403
    as_user(client, superuser)
    assert "delete_selected" not in page(client.get(CHANGELIST))
    response = client.post(admin_url("delete", published), {"post": "yes"})
    assert response.status_code == 403
    assert client.post(admin_url("delete", draft), {"post": "yes"}).status_code == 302
    assert list(Article.objects.all()) == [published]


# History and revisions --------------------------------------------------------------


def test_history_page_shows_every_step_with_its_comment(client, editor, reporter):
    article = draft_of(reporter)
    workflow.submit(article, by=reporter)
    workflow.send_back(article, by=editor, comment="사진 출처 누락")
    workflow.submit(article, by=reporter)
    workflow.publish(article, by=editor)
    text = page(as_user(client, editor).get(admin_url("history", article)))
    assert text.count("초안 → 검토 중") == 2
    assert "검토 중 → 초안" in text and "검토 중 → 게재" in text
    assert "사진 출처 누락" in text
    assert reporter.username in text and editor.username in text


def test_revisions_can_be_compared(client, editor):
    article = make_article(title="첫 제목", body="<p>첫 문장.</p>")
    workflow.save_article(article, by=editor)
    article.title = "<b>둘째</b> 제목"
    article.body = "<p>첫 문장.</p><p>새 문장.</p>"
    workflow.save_article(article, by=editor)
    old, new = article.revisions.order_by("pk")
    as_user(client, editor)
    listing = page(client.get(admin_url("revisions", article)))
    assert listing.count('name="a"') == 2
    response = client.get(
        admin_url("revision_compare", article), {"a": old.pk, "b": new.pk}
    )
    text = page(response)
    assert "<del>첫 제목</del>" in text
    assert "<ins>&lt;b&gt;둘째&lt;/b&gt; 제목</ins>" in text
    assert "<ins>&lt;p&gt;새 문장.&lt;/p&gt;</ins>" in text


def test_restoring_a_revision_over_http_makes_a_new_one(client, editor):
    article = make_article(title="복원할 제목")
    workflow.save_article(article, by=editor)
    wanted = article.revisions.get()
    article.title = "망친 제목"
    workflow.save_article(article, by=editor)
    as_user(client, editor)
    url = admin_url("revision_restore", article, wanted.pk)
    assert "망친 제목" in page(client.get(url))
    assert client.post(url).status_code == 302
    article.refresh_from_db()
    assert article.title == "복원할 제목"
    assert article.revisions.count() == 3


def test_reporter_cannot_restore_after_submitting(client, reporter):
    article = draft_of(reporter)
    workflow.save_article(article, by=reporter)
    workflow.submit(article, by=reporter)
    revision = article.revisions.last()
    response = as_user(client, reporter).post(
        admin_url("revision_restore", article, revision.pk)
    )
    assert response.status_code == 403
    assert article.revisions.count() == 2


# Corrections and share links ------------------------------------------------------


def test_editor_adds_a_correction_shown_under_the_article(client, editor):
    article = make_article(title="정정 대상")
    as_user(client, editor)
    url = admin_url("correction_add", article)
    client.post(
        url, {"kind": "correction_report", "text": "인용한 수치를 바로잡습니다."}
    )
    client.post(url, {"kind": "reply_report", "text": "당사자의 반론을 싣습니다."})
    article.refresh_from_db()
    assert article.last_public_change_at is not None
    ledger = page(client.get(admin_url("change", article)))
    assert "정정·반론 기록" in ledger and "인용한 수치를 바로잡습니다." in ledger
    assert editor.username in ledger
    client.logout()
    text = page(client.get(article.get_absolute_url()))
    first, second = text.index("정정보도"), text.index("반론보도")
    assert first < second
    assert "인용한 수치를 바로잡습니다." in text


def test_reporter_cannot_add_a_correction_over_http(client, reporter):
    article = make_article(owner=reporter)
    response = as_user(client, reporter).post(
        admin_url("correction_add", article), {"kind": "update", "text": "몰래 추가"}
    )
    assert response.status_code == 403
    assert not Correction.objects.exists()


def test_editor_makes_and_revokes_a_share_link_in_the_admin(client, editor):
    article = make_article(status=Status.DRAFT, title="공유할 초안")
    as_user(client, editor)
    url = admin_url("share_links", article)
    client.post(url, {"hours": "48", "note": "취재원 확인용"})
    link = article.share_links.get()
    listing = page(client.get(url))
    assert "취재원 확인용" in listing
    share_url = re.search(r'value="(http://testserver/share/[^"]+)"', listing)[1]
    anonymous = Client()
    assert anonymous.get(share_url).status_code == 200
    client.post(admin_url("share_link_revoke", article, link.pk))
    assert anonymous.get(share_url).status_code == 410


def test_reporter_has_no_share_links(client, reporter):
    article = draft_of(reporter)
    as_user(client, reporter)
    assert client.get(admin_url("share_links", article)).status_code == 403
    assert (
        client.post(admin_url("share_links", article), {"hours": "48"}).status_code
        == 403
    )


# Featured images -----------------------------------------------------------------


def image_bytes(fmt, size=(64, 48), mode="RGB") -> bytes:
    buffer = BytesIO()
    Image.new(mode, size).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(client, article, name, content):
    data = form_data(client, article)
    data.update(image=SimpleUploadedFile(name, content), image_alt="광장 전경")
    return client.post(admin_url("change", article), data)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_featured_image_upload_accepts_the_four_web_formats(client, editor, fmt):
    article = make_article()
    as_user(client, editor)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the renditions task
        response = upload(client, article, "사진.jpg", image_bytes(fmt))
    assert response.status_code == 302
    article.refresh_from_db()
    # Named by content; a GIF is stored as its first frame, in PNG.
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "png"}[fmt]
    assert article.image.file.name.endswith(f".{extension}")
    assert "사진" not in article.image.file.name
    assert (article.image_width, article.image_height) == (64, 48)
    change_page = page(client.get(admin_url("change", article)))
    # A rendition, never the private original.
    assert f'class="article-thumbnail" src="{article.picture.default.url}"' in (
        change_page
    )
    assert article.image.file.name not in change_page


def test_the_change_form_edits_the_uploaded_images_texts_and_clears_it(client, editor):
    article = make_article()
    as_user(client, editor)
    with TestCase.captureOnCommitCallbacks(execute=True):
        upload(client, article, "사진.png", image_bytes("PNG"))
    article.refresh_from_db()
    image = article.image
    assert (image.alt, article.image_url_alt) == ("광장 전경", "")

    data = form_data(client, article)
    assert data["image_alt"] == "광장 전경"  # the form shows the image's texts
    data.update(image_caption="시민들이 모인 서울광장", image_credit="김사진 기자")
    assert client.post(admin_url("change", article), data).status_code == 302

    image.refresh_from_db()
    assert (image.alt, image.caption, image.credit) == (
        "광장 전경",
        "시민들이 모인 서울광장",
        "김사진 기자",
    )
    assert Article.objects.get(pk=article.pk).image_id == image.pk  # the same image

    data = form_data(client, article)
    data.update({"image-clear": "on", "image_alt": "", "image_caption": ""})
    data.update(image_credit="", image_url="https://images.example.kr/광장.jpg")
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(admin_url("change", article), data).status_code == 302

    cleared = Article.objects.get(pk=article.pk)
    assert cleared.image is None
    assert cleared.image_url == "https://images.example.kr/광장.jpg"
    assert not ImageRecord.objects.filter(pk=image.pk).exists()  # no article used it


def too_many_pixels() -> bytes:
    return image_bytes("PNG", size=(7000, 6000), mode="1")  # 42 megapixels


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a size its data does not have (a pixel flood)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def animation(frames: int, size=(4000, 3500)) -> bytes:
    """An animated GIF: each frame is small enough, all of them together are not."""
    images = [Image.new("P", size, color=n) for n in range(frames)]
    buffer = BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def truncated_jpeg() -> bytes:
    whole = image_bytes("JPEG", size=(400, 300))
    return whole[: len(whole) // 2]


@pytest.mark.parametrize(
    ("name", "make_content", "message"),
    [
        (
            "기사.png",
            lambda: "그냥 글자입니다".encode(),
            "JPEG, PNG, WebP, GIF 이미지만",
        ),
        ("사진.jpg", lambda: image_bytes("TIFF"), "JPEG, PNG, WebP, GIF 이미지만"),
        ("사진.jpg", lambda: image_bytes("BMP"), "JPEG, PNG, WebP, GIF 이미지만"),
        ("사진.png", lambda: b"<html><script>alert(1)</script></html>", "이미지만"),
        ("사진.jpg", truncated_jpeg, "이미지 파일이 깨져 있어"),
        ("큰사진.png", too_many_pixels, "(7,000×6,000 화소). 4,000만 화소"),
        ("폭탄.png", lambda: png_claiming(20_000, 20_000), "4,000만 화소 이하로"),
        ("움짤.gif", lambda: animation(3), "(4,000×3,500 화소, 3장면)"),
        ("그림.svg", lambda: SVG, "JPEG, PNG, WebP, GIF 이미지만"),
        ("아이콘.png", lambda: image_bytes("ICO"), "JPEG, PNG, WebP, GIF 이미지만"),
    ],
)
def test_featured_image_upload_refuses_with_a_clear_message(
    client, editor, name, make_content, message
):
    article = make_article()
    as_user(client, editor)
    response = upload(client, article, name, make_content())
    assert response.status_code == 200
    assert message in page(response)
    article.refresh_from_db()
    assert not article.image


def test_featured_image_over_ten_megabytes_is_refused_before_decoding(client, editor):
    article = make_article()
    as_user(client, editor)
    content = image_bytes("PNG") + b"\0" * (10 * 1024 * 1024)
    response = upload(client, article, "큰파일.png", content)
    assert response.status_code == 200
    assert "10MB 이하의 이미지만" in page(response)
    assert not Article.objects.get(pk=article.pk).image


def test_broken_image_upload_is_a_form_error_never_a_server_error(client, editor):
    article = make_article()
    as_user(client, editor)
    response = upload(client, article, "빈파일.jpg", b"")
    assert response.status_code == 200
    assert not Article.objects.get(pk=article.pk).image


def test_uploads_past_the_hourly_limit_are_refused_and_nothing_typed_is_lost(
    client, editor, settings
):
    settings.NEWSROOM_UPLOADS_PER_HOUR = 2
    article = make_article()
    as_user(client, editor)
    for n in range(2):
        response = upload(client, article, f"사진{n}.png", image_bytes("PNG"))
        assert response.status_code == 302
    article.refresh_from_db()
    stored, title = article.image.file.name, article.title

    data = form_data(client, article)
    data.update(
        title="시장 기자회견 현장 사진 교체",
        image=SimpleUploadedFile("사진3.png", image_bytes("PNG")),
        image_alt="기자회견장",
    )
    response = client.post(admin_url("change", article), data)

    assert response.status_code == 200
    text = page(response)
    assert "한 시간에 2장까지" in text and "분 뒤에" in text
    assert 'value="시장 기자회견 현장 사진 교체"' in text
    assert 'value="기자회견장"' in text
    article.refresh_from_db()
    assert (article.image.file.name, article.title) == (stored, title)
    other = as_user(Client(), make_staff("Editor"))
    assert upload(other, article, "남의사진.png", image_bytes("PNG")).status_code == 302


def test_the_upload_limit_slides_with_the_hour(editor, settings):
    from articles import ratelimits as limits

    settings.NEWSROOM_UPLOADS_PER_HOUR = 2
    start = 1_800_000_000.0  # a slice boundary: 5-minute slices
    assert limits.take_upload(editor, now=start) is None
    assert limits.take_upload(editor, now=start + 1200) is None
    assert limits.take_upload(editor, now=start + 1800) == 30
    # The first upload leaves the hour; the one 20 minutes later still counts.
    assert limits.take_upload(editor, now=start + 3600) is None
    assert limits.take_upload(editor, now=start + 3700) == 19  # 4800 s - 3700 s
    limits.reset_uploads(editor, now=start + 3700)
    assert limits.take_upload(editor, now=start + 3700) is None


# The schedule ---------------------------------------------------------------------


def test_schedule_lists_what_goes_live_and_what_expires_by_day(client, editor):
    now = timezone.now()
    going_live = make_article(
        title="내일 게재될 기사", publish_at=now + timedelta(days=1)
    )
    make_article(
        title="모레 내려갈 기사",
        publish_at=now - timedelta(days=1),
        expire_at=now + timedelta(days=2),
    )
    make_article(title="한참 뒤 기사", publish_at=now + timedelta(weeks=6))
    make_article(title="지난 기사", publish_at=now - timedelta(days=1))
    text = page(as_user(client, editor).get(reverse("admin:articles_article_schedule")))
    assert "내일 게재될 기사" in text and "모레 내려갈 기사" in text
    assert "한참 뒤 기사" not in text and "지난 기사" not in text
    day = timezone.localtime(going_live.publish_at)
    assert f"{day.month}월 {day.day}일" in text
    assert text.index("내일 게재될 기사") < text.index("모레 내려갈 기사")


def test_reporter_schedule_shows_only_their_own(client, reporter):
    soon = timezone.now() + timedelta(days=1)
    make_article(title="내 예약 기사", owner=reporter, publish_at=soon)
    make_article(title="남의 예약 기사", publish_at=soon)
    text = page(
        as_user(client, reporter).get(reverse("admin:articles_article_schedule"))
    )
    assert "내 예약 기사" in text and "남의 예약 기사" not in text


def test_a_bulk_step_sends_each_change_marked_as_one_batch(
    client, editor, django_capture_on_commit_callbacks
):
    articles = [make_article(status=Status.IN_REVIEW) for _ in range(2)]
    sent = []

    def changed(sender, **kwargs):
        sent.append(kwargs)

    workflow.article_changed.connect(changed)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            as_user(client, editor).post(
                CHANGELIST,
                {
                    "action": "publish_selected",
                    "_selected_action": [a.pk for a in articles],
                },
            )
    finally:
        workflow.article_changed.disconnect(changed)
    assert sorted(c["article"].pk for c in sent) == sorted(a.pk for a in articles)
    assert len({c["batch"].id for c in sent}) == 1
    assert sent[0]["batch"].name == "admin:publish"


# What the admin reveals of other people's stories ----------------------------------


def shortcut_url(obj) -> str:
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(obj)
    return f"/admin/r/{content_type.pk}/{obj.pk}/"


@pytest.mark.parametrize(
    "status", [Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED, Status.TAKEN_DOWN]
)
def test_shortcut_reveals_nothing_of_someone_elses_article(client, reporter, status):
    fields = {"status": status, "title": "아무도 모르는 특종 기획"}
    if status == Status.PUBLISHED:
        fields["publish_at"] = timezone.now() + timedelta(days=1)  # embargoed
    article = make_article(**fields)
    missing = shortcut_url(article).replace(f"/{article.pk}/", "/987654/")
    as_user(client, reporter)

    theirs, nothing = client.get(shortcut_url(article)), client.get(missing)

    assert theirs.status_code == nothing.status_code == 404
    assert page(theirs) == page(nothing)
    assert article.slug not in page(theirs)
    assert "Location" not in theirs


def test_shortcut_leads_the_owner_to_the_preview_and_readers_pages_to_them(
    client, reporter
):
    draft = draft_of(reporter)
    live = make_article(owner=reporter)
    as_user(client, reporter)
    assert client.get(shortcut_url(draft))["Location"] == admin_url("preview", draft)
    assert client.get(shortcut_url(live))["Location"] == live.get_absolute_url()


def test_shortcut_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(shortcut_url(make_article(status=Status.DRAFT)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_shortcut_refuses_garbage_ids_with_the_same_404(client, editor):
    as_user(client, editor)
    for url in ["/admin/r/99999999999999999999/1/", "/admin/r/x/1/", "/admin/r/1/x/"]:
        assert client.get(url).status_code == 404


def test_taggits_unused_tag_admin_and_its_merge_view_are_gone(client, reporter):
    from taggit.models import Tag

    merge = "/admin/taggit/tag/merge-tags/"
    as_user(client, reporter)
    session = client.session
    session["selected_tag_ids"] = "1"
    session.save()

    response = client.post(merge, {"new_tag_name": "합친 태그"})

    assert response.status_code == 404
    assert not Tag.objects.exists()
    assert as_user(Client(), make_staff(None)).get(merge).status_code == 404


def test_reporter_lists_only_categories_readers_or_their_own_articles_show(
    client, reporter
):
    make_article(categories=["정치"])  # live: every reader sees it
    draft_of(reporter, categories=["내 기획"])
    make_article(status=Status.DRAFT, categories=["남의 비밀 기획"])
    make_article(status=Status.IN_REVIEW, categories=["검토 중 기획"])
    make_article(publish_at=timezone.now() + timedelta(days=1), categories=["엠바고"])
    from articles.models import Category

    Category.objects.create(name="주인 없는 분류")
    changelist = reverse("admin:articles_category_changelist")
    as_user(client, reporter)

    text = page(client.get(changelist))
    assert "정치" in text and "내 기획" in text
    for hidden in ["남의 비밀 기획", "검토 중 기획", "엠바고", "주인 없는 분류"]:
        assert hidden not in text
        found = client.get(changelist, {"q": hidden}).context["cl"].result_list
        assert list(found) == []
    secret = Category.objects.get(name="남의 비밀 기획")
    change = reverse("admin:articles_category_change", args=[secret.pk])
    assert client.get(change, follow=True).redirect_chain[-1][0] == reverse(
        "admin:index"
    )
    assert "남의 비밀 기획" not in page(client.get(shortcut_url(secret)))


def test_editor_lists_every_category(client, editor):
    make_article(status=Status.DRAFT, categories=["남의 비밀 기획"])
    as_user(client, editor)
    text = page(client.get(reverse("admin:articles_category_changelist")))
    assert "남의 비밀 기획" in text
