from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from articles import previews, workflow
from articles.models import Article, ShareLinkVisitCount
from tests.factories import make_article
from tests.people import make_staff

pytestmark = pytest.mark.django_db

Status = Article.Status


@pytest.fixture
def draft(reporter):
    return make_article(
        title="단독: 시의회 예산 삭감 내막",
        status=Status.DRAFT,
        publish_at=None,
        owner=reporter,
        body="<p>시의회가 예산을 깎은 사정을 취재했다.</p>",
    )


def preview_url(article):
    return reverse("admin:articles_article_preview", args=[article.pk])


def assert_private(response):
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    assert "noindex" in response["X-Robots-Tag"]


# Staff previews ----------------------------------------------------------------------


def test_editor_previews_a_draft_as_the_public_page_shows_it(client, editor, draft):
    client.force_login(editor)
    response = client.get(preview_url(draft))
    assert response.status_code == 200
    assert "articles/article_detail.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "단독: 시의회 예산 삭감 내막" in page
    assert "시의회가 예산을 깎은 사정을 취재했다." in page
    assert 'class="preview-banner"' in page
    assert_private(response)


def test_reporter_previews_their_own_article_in_review(client, reporter, draft):
    workflow.submit(draft, by=reporter)
    client.force_login(reporter)
    response = client.get(preview_url(draft))
    assert response.status_code == 200
    assert "검토 중" in response.content.decode()


def test_reporter_cannot_preview_someone_elses_draft(client, draft):
    client.force_login(make_staff("Reporter"))
    assert client.get(preview_url(draft)).status_code == 404


def test_anonymous_visitor_gets_the_login_page_not_the_preview(client, draft):
    response = client.get(preview_url(draft))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert "시의회" not in response.content.decode()


def test_a_preview_never_makes_the_article_public(client, editor, draft):
    client.force_login(editor)
    client.get(preview_url(draft))
    client.logout()
    assert Article.objects.get(pk=draft.pk).status == Status.DRAFT
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert draft not in Article.objects.live()


# Share links ------------------------------------------------------------------------


def share(article, editor, **kwargs):
    link = previews.create_share_link(article, by=editor, **kwargs)
    return link, previews.share_path(link)


def test_share_link_shows_that_article_to_someone_without_an_account(
    client, editor, draft
):
    other = make_article(title="다른 미공개 기사", status=Status.DRAFT)
    link, path = share(draft, editor, note="법률 검토용")
    response = client.get(
        path, HTTP_USER_AGENT="변호사 브라우저", REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "단독: 시의회 예산 삭감 내막" in page and other.title not in page
    assert 'class="preview-banner"' in page and "공유 링크로 보는 미리보기" in page
    assert_private(response)
    visit = link.visit_counts.get()
    assert (visit.outcome, visit.count) == (ShareLinkVisitCount.Outcome.SHOWN, 1)
    assert (visit.last_ip_address, visit.last_user_agent) == (
        "10.0.0.7",
        "변호사 브라우저",
    )


def test_every_view_of_a_share_link_is_counted_in_one_row(client, editor, draft):
    link, path = share(draft, editor)
    for n in range(3):
        client.get(path, REMOTE_ADDR=f"10.0.0.{n + 1}")
    visit = link.visit_counts.get()
    assert (visit.count, visit.last_ip_address) == (3, "10.0.0.3")
    assert visit.first_at < visit.last_at
    assert previews.visits(link) == 3


def test_requests_for_a_revoked_link_are_counted_without_a_row_each(
    client, editor, draft
):
    link, path = share(draft, editor)
    client.get(path)
    previews.revoke_share_link(link, by=editor)
    for _ in range(50):
        assert client.get(path).status_code == 410
    counts = dict(link.visit_counts.values_list("outcome", "count"))
    assert counts == {"shown": 1, "revoked": 50}


def test_share_links_page_shows_times_shown_and_refused(client, editor, draft):
    link, path = share(draft, editor)
    client.get(path)
    client.get(path)
    previews.revoke_share_link(link, by=editor)
    client.get(path)
    client.force_login(editor)
    url = reverse("admin:articles_article_share_links", args=[draft.pk])
    page = client.get(url).content.decode()
    assert "2회 · 거절 1회" in page


def test_share_link_expires_after_48_hours_by_default(client, editor, draft):
    link, path = share(draft, editor)
    assert link.expires_at - link.created_at == timedelta(hours=48)
    with time_machine.travel(link.expires_at - timedelta(seconds=1), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(link.expires_at, tick=False):
        response = client.get(path)
    assert response.status_code == 410
    assert "만료" in response.content.decode()
    assert "시의회" not in response.content.decode()
    assert_private(response)
    counts = dict(link.visit_counts.values_list("outcome", "count"))
    assert counts == {"shown": 1, "expired": 1}


def test_revoked_share_link_answers_410(client, editor, draft):
    link, path = share(draft, editor)
    previews.revoke_share_link(link, by=editor)
    response = client.get(path)
    assert response.status_code == 410
    assert "시의회" not in response.content.decode()
    assert link.visit_counts.get().outcome == ShareLinkVisitCount.Outcome.REVOKED


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature
        lambda token: "x" + token,  # key
        lambda token: token.split(":")[0],  # no signature at all
        lambda token: "아무거나",
    ],
)
def test_forged_share_link_answers_404(client, editor, draft, forge):
    link, _ = share(draft, editor)
    token = previews.share_token(link)
    response = client.get(reverse("articles:share", kwargs={"token": forge(token)}))
    assert response.status_code == 404
    assert "시의회" not in response.content.decode()
    assert not ShareLinkVisitCount.objects.exists()


def test_a_signed_key_of_one_link_cannot_open_another(client, editor, draft):
    first, _ = share(draft, editor)
    second_article = make_article(title="두 번째 기사", status=Status.DRAFT)
    second, _ = share(second_article, editor)
    signature = previews.share_token(first).split(":", 1)[1]
    forged = f"{second.key}:{signature}"
    assert client.get(reverse("articles:share", args=[forged])).status_code == 404


def test_share_link_of_a_taken_down_article_answers_410(client, editor):
    article = make_article(title="삭제될 기사")
    link, path = share(article, editor)
    workflow.take_down(article, by=editor, notice="삭제 조치합니다.")
    response = client.get(path)
    assert response.status_code == 410
    assert "삭제될 기사" not in response.content.decode()


def test_share_link_stays_private_after_viewing(client, editor, draft):
    _, path = share(draft, editor)
    client.get(path)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert Article.objects.get(pk=draft.pk).status == Status.DRAFT


def test_reporter_cannot_make_a_share_link(reporter, draft):
    with pytest.raises(PermissionDenied):
        previews.create_share_link(draft, by=reporter)
    assert not draft.share_links.exists()


def test_share_link_lifetime_is_bounded(editor, draft):
    with pytest.raises(workflow.ActionRefused, match="1시간에서 336시간"):
        previews.create_share_link(draft, by=editor, hours=24 * 15)
    link = previews.create_share_link(draft, by=editor, hours=1, now=timezone.now())
    assert link.expires_at - link.created_at == timedelta(hours=1)
