"""The editors' pages show one status label, built by Article.status_label.

Templates display and never decide: no admin template compares a status
string, and each page shows the same label for each state.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleTransition
from tests.factories import make_article

pytestmark = pytest.mark.django_db

Status = Article.Status
HOUR = timedelta(hours=1)
ADMIN_TEMPLATES = Path(settings.BASE_DIR) / "templates" / "admin"
STATUS_VALUES = "|".join(Status.values)
# `x.status == ...`, `from_status != to_status`, `== "published"`, `status in ...`
RAW_STATUS_TEST = re.compile(
    rf"""status\s*(==|!=|\bin\b)|(==|!=)\s*[\w.]*status\b"""
    rf"""|["']({STATUS_VALUES})["']\s*(==|!=)|(==|!=)\s*["']({STATUS_VALUES})["']"""
)


def test_admin_templates_never_compare_status_strings():
    templates = sorted(ADMIN_TEMPLATES.rglob("*.html"))
    assert templates, f"no templates under {ADMIN_TEMPLATES}"
    offending = [
        f"{path.relative_to(ADMIN_TEMPLATES)}: {match.group(0)}"
        for path in templates
        for tag in re.findall(r"{%.*?%}", path.read_text(encoding="utf-8"), re.S)
        for match in [RAW_STATUS_TEST.search(tag)]
        if match
    ]
    assert offending == []


def test_the_check_catches_the_comparisons_it_is_for():
    for tag in (
        '{% if original.status == "taken_down" %}',
        '{% elif event.article.status == "published" %}',
        "{% if entry.from_status == entry.to_status %}",
        '{% if "draft" == article.status %}',
    ):
        assert RAW_STATUS_TEST.search(tag), tag
    assert not RAW_STATUS_TEST.search("{% if original.is_taken_down %}")


def article_in(state: str) -> Article:
    now = timezone.now()
    fields = {
        "draft": {"status": Status.DRAFT, "publish_at": None},
        "in_review": {"status": Status.IN_REVIEW, "publish_at": None},
        "live": {"publish_at": now - HOUR},
        "scheduled": {"publish_at": now + HOUR},
        "expired": {"publish_at": now - 2 * HOUR, "expire_at": now - HOUR},
        "unpublished": {"status": Status.UNPUBLISHED},
        "taken_down": {"status": Status.TAKEN_DOWN, "takedown_notice": "삭제 안내"},
    }[state]
    return make_article(title=f"상태 확인 기사 {state}", **fields)


LABELS = {
    "draft": "초안",
    "in_review": "검토 중",
    "live": "게재",
    "scheduled": "게재 예약",
    "expired": "게재 종료됨",
    "unpublished": "게재 취소",
    "taken_down": "삭제 조치",
}


@pytest.mark.parametrize(("state", "label"), LABELS.items())
def test_status_label_names_each_state(state, label):
    assert article_in(state).status_label == label


@pytest.mark.parametrize(("state", "label"), LABELS.items())
def test_change_form_list_and_preview_show_the_same_label(
    client, superuser, state, label
):
    article = article_in(state)
    client.force_login(superuser)

    form = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    listing = client.get(reverse("admin:articles_article_changelist"))
    preview = client.get(reverse("admin:articles_article_preview", args=[article.pk]))

    assert f"지금 상태: <strong>{label}</strong>" in form.content.decode()
    assert f'<td class="field-status_label">{label}</td>' in listing.content.decode()
    assert f"(상태: {label})" in preview.content.decode()


def test_change_form_shows_the_takedown_notice_only_for_a_taken_down_article(
    client, superuser
):
    gone = article_in("taken_down")
    kept = make_article(takedown_notice="남은 안내문")
    client.force_login(superuser)

    def form(article):
        url = reverse("admin:articles_article_change", args=[article.pk])
        return client.get(url).content.decode()

    assert "독자 안내문: 삭제 안내" in form(gone)
    assert "독자 안내문" not in form(kept)


def test_schedule_tells_a_scheduled_article_from_one_not_yet_approved(
    client, superuser
):
    soon = timezone.now() + HOUR
    make_article(title="승인된 예약 기사", publish_at=soon)
    make_article(title="아직 초안인 기사", status=Status.DRAFT, publish_at=soon)
    client.force_login(superuser)

    text = client.get(reverse("admin:articles_article_schedule")).content.decode()
    rows = {
        title: re.sub(r"\s+", " ", cell).strip()
        for cell, title in re.findall(
            r"<td>\s*([^<]*?)\s*</td>\s*<td><a [^>]*>([^<]*)</a>", text
        )
    }

    assert rows == {
        "승인된 예약 기사": "게재 예약",
        "아직 초안인 기사": "게재 예정(초안, 아직 승인 전)",
    }


def test_transition_log_names_steps_and_schedule_changes(client, superuser):
    article = make_article()
    for from_status, to_status in [
        (Status.DRAFT, Status.IN_REVIEW),
        (Status.IN_REVIEW, Status.PUBLISHED),
        (Status.PUBLISHED, Status.PUBLISHED),
    ]:
        ArticleTransition.objects.create(
            article=article,
            from_status=from_status,
            to_status=to_status,
            created_by_name="편집자",
        )
    client.force_login(superuser)

    text = client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()
    log = text[text.index('class="module transition-log"') :]
    steps = re.findall(r"<td>편집자</td>\s*<td>([^<]*)</td>", log)

    assert steps == ["초안 → 검토 중", "검토 중 → 게재", "일정 변경"]
