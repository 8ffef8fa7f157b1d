"""The article admin's own pages and what the change form shows of the workflow.

Steps, preview, revisions, corrections, share links and the schedule. Every view
finds the article through the admin's queryset and checks the same object rights
as the change form, so nothing here reaches an article its user may not see.
What each person may do is the workflow action's `check`; doing it is its `run`,
which also writes the audit entry (no admin LogEntry is kept beside it).
"""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from .. import previews, revisions, workflow
from ..forms import STEP_FORMS, CommentForm, CorrectionForm, ShareLinkForm
from ..models import Article, ArticleRevision
from ..preview_views import render_preview

Status = Article.Status


def allowed_or_denied(refusal) -> None:
    """A refusal because of who asks is a 403; others the page reports."""
    if refusal is not None and refusal.permission:
        raise PermissionDenied(refusal)


class ArticlePagesMixin:
    """The extra views of ArticleAdmin."""

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        name = "articles_article_"
        return [
            path("schedule/", wrap(self.schedule_view), name=name + "schedule"),
            path(
                "<path:object_id>/step/<str:step>/",
                wrap(self.transition_view),
                name=name + "transition",
            ),
            path(
                "<path:object_id>/preview/",
                wrap(self.preview_view),
                name=name + "preview",
            ),
            path(
                "<path:object_id>/revisions/",
                wrap(self.revisions_view),
                name=name + "revisions",
            ),
            path(
                "<path:object_id>/revisions/compare/",
                wrap(self.revision_compare_view),
                name=name + "revision_compare",
            ),
            path(
                "<path:object_id>/revisions/<int:revision_id>/restore/",
                wrap(self.revision_restore_view),
                name=name + "revision_restore",
            ),
            path(
                "<path:object_id>/corrections/add/",
                wrap(self.correction_view),
                name=name + "correction_add",
            ),
            path(
                "<path:object_id>/share/",
                wrap(self.share_links_view),
                name=name + "share_links",
            ),
            path(
                "<path:object_id>/share/<int:link_id>/revoke/",
                wrap(self.share_link_revoke_view),
                name=name + "share_link_revoke",
            ),
            *super().get_urls(),
        ]

    def _article(self, request, object_id) -> Article:
        """The article, if this person may see it; otherwise a plain 404."""
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_permission(request, article):
            raise Http404("기사가 없거나 볼 권한이 없습니다.")
        return article

    def _render(self, request, template, article=None, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "original": article,
            "article": article,
            "media": self.media,
            **context,
        }
        return TemplateResponse(
            request, f"admin/articles/article/{template}.html", context
        )

    def _change_url(self, article):
        return reverse("admin:articles_article_change", args=[article.pk])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, unquote(object_id))
        if article is not None and self.has_view_permission(request, article):
            extra_context = {
                **(extra_context or {}),
                **self._workflow_context(request, article),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def _workflow_context(self, request, article):
        user = request.user
        pk = article.pk
        return {
            "workflow_steps": [
                (t, reverse("admin:articles_article_transition", args=[pk, t.name]))
                for t in workflow.available_transitions(article, user)
            ],
            "transition_log": article.transitions.all(),
            "corrections": article.corrections.select_related("created_by"),
            "preview_url": reverse("admin:articles_article_preview", args=[pk]),
            "revisions_url": reverse("admin:articles_article_revisions", args=[pk]),
            "share_links_url": reverse("admin:articles_article_share_links", args=[pk])
            if previews.can_share(user, article)
            else "",
            "correction_url": reverse(
                "admin:articles_article_correction_add", args=[pk]
            )
            if workflow.AddCorrection(user).check(article) is None
            else "",
            "public_url": article.get_absolute_url() if article.is_live else "",
        }

    def history_view(self, request, object_id, extra_context=None):
        article = self._article(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "transition_log": article.transitions.all(),
            "revision_list": article.revisions.all(),
            "corrections": article.corrections.all(),
        }
        return super().history_view(request, object_id, extra_context)

    def transition_view(self, request, object_id, step):
        article = self._article(request, object_id)
        if step not in workflow.STEPS:
            raise Http404("알 수 없는 단계입니다.")
        action = workflow.STEPS[step](request.user)
        transition = action.transition
        refusal = action.check(article)
        allowed_or_denied(refusal)
        if refusal is not None:
            messages.error(request, refusal)
            return redirect(self._change_url(article))
        form_class = STEP_FORMS.get(step, CommentForm)
        kwargs = {"article": article} if step == "publish" else {}
        if request.method == "POST":
            form = form_class(request.POST, **kwargs)
            if form.is_valid():
                refusal = action.check(article, **form.cleaned_data)
                if refusal is not None:
                    form.add_error(None, refusal)
            if form.is_valid():
                try:
                    action.run(article, **form.cleaned_data)
                except workflow.ActionRefused as error:
                    messages.error(request, str(error))
                else:
                    messages.success(
                        request, f"‘{article.title}’: {transition.label} 처리했습니다."
                    )
                return redirect(self._change_url(article))
        else:
            form = form_class(**kwargs)
        return self._render(
            request,
            "transition",
            article,
            title=f"{transition.label}: {article.title}",
            transition=transition,
            form=form,
            media=self.media + form.media,
        )

    def preview_view(self, request, object_id):
        article = self._article(request, object_id)
        article = Article.objects.for_listing().get(pk=article.pk)
        banner = {"kind": "staff"}
        return render_preview(request, article, banner=banner)

    def revisions_view(self, request, object_id):
        article = self._article(request, object_id)
        return self._render(
            request,
            "revisions",
            article,
            title=f"판 기록: {article.title}",
            revision_list=article.revisions.all(),
            can_restore=workflow.RestoreRevision(request.user).check(article) is None,
        )

    def revision_compare_view(self, request, object_id):
        article = self._article(request, object_id)
        own = article.revisions.all()
        try:
            a = own.get(pk=int(request.GET["a"]))
            b = own.get(pk=int(request.GET["b"]))
        except (KeyError, ValueError, ArticleRevision.DoesNotExist):
            raise Http404("이 기사의 판 두 개를 고르세요.") from None
        if a.pk > b.pk:
            a, b = b, a
        return self._render(
            request,
            "revision_compare",
            article,
            title=f"판 비교: {article.title}",
            old=a,
            new=b,
            changes=revisions.diff(a.data, b.data),
        )

    def revision_restore_view(self, request, object_id, revision_id):
        article = self._article(request, object_id)
        revision = article.revisions.filter(pk=revision_id).first()
        if revision is None:
            raise Http404("이 기사의 판이 아닙니다.")
        action = workflow.RestoreRevision(request.user)
        allowed_or_denied(action.check(article, revision=revision))
        if request.method == "POST":
            action.run(article, revision=revision)
            messages.success(
                request,
                f"{revision.version}판을 복원했습니다. 복원도 새 판으로 남습니다.",
            )
            return redirect(self._change_url(article))
        latest = article.revisions.first()
        current = latest.data if latest else revisions.snapshot(article)
        return self._render(
            request,
            "revision_restore",
            article,
            title=f"{revision.version}판 복원: {article.title}",
            revision=revision,
            changes=revisions.diff(current, revision.data),
        )

    def correction_view(self, request, object_id):
        article = self._article(request, object_id)
        action = workflow.AddCorrection(request.user)
        refusal = action.check(article)
        allowed_or_denied(refusal)
        if refusal is not None:
            messages.error(request, refusal)
            return redirect(self._change_url(article))
        form = CorrectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if (refusal := action.check(article, **form.cleaned_data)) is not None:
                form.add_error(None, refusal)
        if request.method == "POST" and form.is_valid():
            try:
                correction = action.run(article, **form.cleaned_data)
            except workflow.ActionRefused as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, f"{correction.get_kind_display()}을(를) 붙였습니다."
                )
            return redirect(self._change_url(article))
        return self._render(
            request,
            "correction",
            article,
            title=f"정정·반론 추가: {article.title}",
            form=form,
        )

    def share_links_view(self, request, object_id):
        article = self._article(request, object_id)
        if not previews.can_share(request.user, article):
            raise PermissionDenied
        action = workflow.CreateShareLink(request.user)
        form = ShareLinkForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if (refusal := action.check(article, **form.cleaned_data)) is not None:
                form.add_error("hours" if refusal.code == "hours" else None, refusal)
        if request.method == "POST" and form.is_valid():
            try:
                action.run(article, **form.cleaned_data)
            except workflow.ActionRefused as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, "공유 링크를 만들었습니다. 아래 목록에서 복사하세요."
                )
            return redirect(request.path)
        now = timezone.now()
        links = [
            {
                "link": link,
                "url": request.build_absolute_uri(previews.share_path(link)),
                "open": link.is_open_at(now),
                "visits": previews.visit_summary(link),
                "revoke_url": reverse(
                    "admin:articles_article_share_link_revoke",
                    args=[article.pk, link.pk],
                ),
            }
            for link in article.share_links.prefetch_related("visit_counts")
        ]
        return self._render(
            request,
            "share_links",
            article,
            title=f"공유 링크: {article.title}",
            form=form,
            links=links,
            refusal=action.check(article),
        )

    def share_link_revoke_view(self, request, object_id, link_id):
        article = self._article(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        link = article.share_links.filter(pk=link_id).first()
        if link is None:
            raise Http404("이 기사의 공유 링크가 아닙니다.")
        action = workflow.RevokeShareLink(request.user)
        allowed_or_denied(action.check(article, link=link))
        action.run(article, link=link)
        messages.success(request, "공유 링크를 회수했습니다. 이제 410으로 답합니다.")
        return redirect("admin:articles_article_share_links", article.pk)

    def schedule_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            weeks = min(max(int(request.GET.get("weeks", 4)), 1), 12)
        except ValueError:
            weeks = 4
        now = timezone.now()
        start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
        end = start + timedelta(weeks=weeks)
        articles = self.get_queryset(request)
        events = [
            (article.publish_at, "live", article)
            for article in articles.filter(
                publish_at__gte=now,
                publish_at__lt=end,
                status__in=[Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED],
            )
        ] + [
            (article.expire_at, "expire", article)
            for article in articles.filter(
                status=Status.PUBLISHED, expire_at__gte=now, expire_at__lt=end
            )
        ]
        days: dict = {}
        for when, kind, article in sorted(events, key=lambda e: (e[0], e[2].pk)):
            days.setdefault(timezone.localdate(when), []).append(
                {"when": when, "kind": kind, "article": article}
            )
        return self._render(
            request,
            "schedule",
            title="게재 일정",
            days=sorted(days.items()),
            weeks=weeks,
            week_choices=[1, 2, 4, 8, 12],
            start=start,
            end=end - timedelta(days=1),
        )
