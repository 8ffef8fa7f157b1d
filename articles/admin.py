"""The editors' admin: articles with their workflow, revisions, previews, schedule.

Every status change, save and restore goes through workflow.py; this module turns
admin requests into those calls and shows each person what workflow allows them.
Object rights live in get_queryset, the has_*_permission methods and every extra
view below, so a Reporter reaches only their own articles wherever they look.
"""

from datetime import datetime, time, timedelta

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from . import previews, revisions, workflow
from .forms import (
    STEP_FORMS,
    ArticleAdminForm,
    CommentForm,
    CorrectionForm,
    ShareLinkForm,
)
from .models import (
    Article,
    ArticleRevision,
    Author,
    Byline,
    Category,
    Correction,
)
from .preview_views import render_preview
from .text import nfc

Status = Article.Status


class ProgressFilter(admin.SimpleListFilter):
    title = "진행 상황"
    parameter_name = "progress"

    def lookups(self, request, model_admin):
        return [
            ("review", "검토 대기"),
            ("scheduled", "게재 예약"),
            ("live", "게재 중"),
            ("expired", "게재 종료됨"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "review":
                return queryset.waiting_for_review()
            case "scheduled":
                return queryset.scheduled(now)
            case "live":
                return queryset.live(now)
            case "expired":
                return queryset.filter(status=Status.PUBLISHED, expire_at__lte=now)
        return queryset


class MineFilter(admin.SimpleListFilter):
    title = "담당"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("yes", "내 기사")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.owned_by(request.user)
        return queryset


class BylineInline(admin.TabularInline):
    model = Byline
    extra = 0
    autocomplete_fields = ["author"]
    fields = ["author", "position"]
    verbose_name = "바이라인"
    verbose_name_plural = "바이라인(기사에 보이는 기자 이름, 순서대로)"

    def _editable(self, request, obj):
        return obj is None or workflow.can_edit(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(
            request, obj
        )


class CorrectionInline(admin.TabularInline):
    """The ledger, read-only here: entries are added through workflow."""

    model = Correction
    extra = 0
    fields = ["created_at", "kind", "text", "created_by"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "정정·반론 기록"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "status_label",
        "schedule",
        "byline_names",
        "owner",
        "category_names",
        "updated_at",
    ]
    list_filter = [ProgressFilter, "status", MineFilter, "categories"]
    list_select_related = ["owner"]
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ["title", "slug", "excerpt", "authors__name"]
    search_help_text = "제목, 슬러그, 요약, 기자 이름으로 찾습니다."
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["title"]}
    inlines = [BylineInline, CorrectionInline]
    actions = ["submit_selected", "publish_selected", "unpublish_selected"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "excerpt", "feature_text"]}),
        ("본문", {"fields": ["body_format", "body"]}),
        (
            "대표 이미지",
            {
                "fields": [
                    "image",
                    "image_thumbnail",
                    "image_url",
                    "image_alt",
                    "image_caption",
                    "image_credit",
                ]
            },
        ),
        ("분류", {"fields": ["categories"]}),
        (
            "게재 일정",
            {
                "classes": ["collapse"],
                "fields": ["publish_at", "expire_at"],
                "description": "상태는 위의 진행 단추로만 바뀝니다. 게재된 기사의 "
                "게재 시각이 미래면 그때 저절로 공개되고, 종료 시각이 되면 "
                "저절로 내려갑니다.",
            },
        ),
        ("관리", {"fields": ["status", "owner"]}),
    ]

    class Media:
        css = {"all": ["articles/admin/workflow.css"]}

    # Who sees and changes what ----------------------------------------------------

    def get_queryset(self, request):
        queryset = workflow.visible_articles(request.user)
        return queryset.prefetch_related(
            "categories",
            Prefetch("bylines", queryset=Byline.objects.select_related("author")),
        )

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or workflow.can_view(request.user, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or workflow.can_edit(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return request.user.is_superuser
        return workflow.can_delete(request.user, obj)

    def has_publish_permission(self, request):
        return request.user.has_perm(workflow.PUBLISH)

    def get_readonly_fields(self, request, obj=None):
        fields = ["status", "image_thumbnail"]
        if not request.user.has_perm(workflow.EDIT_ANY):
            fields += ["slug", "owner"]
        if not request.user.has_perm(workflow.PUBLISH):
            fields += ["publish_at", "expire_at"]
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        if "slug" in self.get_readonly_fields(request, obj):
            return {}
        return super().get_prepopulated_fields(request, obj)

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        # Bulk deletion would skip the never-published rule: delete one by one.
        actions.pop("delete_selected", None)
        return actions

    def get_search_results(self, request, queryset, search_term):
        # A Mac types Hangul decomposed; stored text is composed.
        return super().get_search_results(request, queryset, nfc(search_term))

    # Saving --------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        workflow.save_article(
            obj,
            by=request.user,
            expected_version=form.cleaned_data.get("seen_version") if change else None,
            snapshot=False,
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        workflow.record_revision(
            form.instance, by=request.user, note="저장" if change else "작성"
        )

    def delete_model(self, request, obj):
        workflow.delete_article(obj, by=request.user)

    # Change list columns ---------------------------------------------------------

    @admin.display(description="상태", ordering="status")
    def status_label(self, obj):
        if obj.is_scheduled:
            return "게재 예약"
        if obj.is_expired:
            return "게재 종료됨"
        return obj.get_status_display()

    @admin.display(description="게재 시각", ordering="publish_at")
    def schedule(self, obj):
        parts = []
        if obj.publish_at:
            prefix = "예약 " if obj.is_scheduled else ""
            parts.append(prefix + _when(obj.publish_at))
        if obj.expire_at:
            parts.append(f"종료 {_when(obj.expire_at)}")
        return " / ".join(parts) or "—"

    @admin.display(description="바이라인")
    def byline_names(self, obj):
        return ", ".join(b.author.name for b in obj.bylines.all()) or "—"

    @admin.display(description="카테고리")
    def category_names(self, obj):
        return ", ".join(c.name for c in obj.categories.all()) or "—"

    @admin.display(description="이미지 미리 보기")
    def image_thumbnail(self, obj):
        src = obj.image_src if obj else ""
        if not src:
            return "—"
        width = min(obj.image_width or 240, 240)
        return format_html(
            '<img class="article-thumbnail" src="{}" alt="{}" width="{}">',
            src,
            obj.image_alt,
            width,
        )

    # Bulk actions: each article still goes through workflow on its own ---------

    def _bulk(self, request, queryset, step):
        transition = workflow.TRANSITIONS[step]
        done = 0
        for article in queryset:
            try:
                workflow.perform(article, step, by=request.user)
            except (workflow.TransitionError, PermissionDenied) as error:
                messages.error(request, f"‘{article.title}’: {error}")
            else:
                done += 1
                self.log_change(request, article, transition.label)
        if done:
            messages.success(request, f"{done}건을 ‘{transition.label}’ 처리했습니다.")

    @admin.action(description="선택한 기사 검토 요청", permissions=["change"])
    def submit_selected(self, request, queryset):
        self._bulk(request, queryset, "submit")

    @admin.action(description="선택한 기사 지금 게재", permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._bulk(request, queryset, "publish")

    @admin.action(description="선택한 기사 게재 취소", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        self._bulk(request, queryset, "unpublish")

    # Extra views ---------------------------------------------------------------

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
            "preview_url": reverse("admin:articles_article_preview", args=[pk]),
            "revisions_url": reverse("admin:articles_article_revisions", args=[pk]),
            "share_links_url": reverse("admin:articles_article_share_links", args=[pk])
            if previews.can_share(user, article)
            else "",
            "correction_url": reverse(
                "admin:articles_article_correction_add", args=[pk]
            )
            if user.has_perm(workflow.ADD_CORRECTION)
            and article.status == Status.PUBLISHED
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
        transition = workflow.TRANSITIONS.get(step)
        if transition is None:
            raise Http404("알 수 없는 단계입니다.")
        if not workflow.may(request.user, transition, article):
            raise PermissionDenied
        if article.status not in transition.sources:
            messages.error(
                request,
                f"‘{article.get_status_display()}’ 상태인 기사는 "
                f"‘{transition.label}’할 수 없습니다.",
            )
            return redirect(self._change_url(article))
        form_class = STEP_FORMS.get(step, CommentForm)
        kwargs = {"article": article} if step == "publish" else {}
        if request.method == "POST":
            form = form_class(request.POST, **kwargs)
            if form.is_valid():
                try:
                    workflow.perform(
                        article, step, by=request.user, **form.cleaned_data
                    )
                except workflow.TransitionError as error:
                    messages.error(request, str(error))
                else:
                    self.log_change(request, article, transition.label)
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
        banner = {"kind": "staff", "status": article.get_status_display()}
        return render_preview(request, article, banner=banner)

    def revisions_view(self, request, object_id):
        article = self._article(request, object_id)
        return self._render(
            request,
            "revisions",
            article,
            title=f"판 기록: {article.title}",
            revision_list=article.revisions.all(),
            can_restore=workflow.can_edit(request.user, article),
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
        if not workflow.can_edit(request.user, article):
            raise PermissionDenied
        if request.method == "POST":
            workflow.restore_revision(article, revision, by=request.user)
            self.log_change(request, article, f"{revision.version}판 복원")
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
        if not request.user.has_perm(workflow.ADD_CORRECTION):
            raise PermissionDenied
        if article.status != Status.PUBLISHED:
            messages.error(request, "게재된 기사에만 정정·반론을 붙일 수 있습니다.")
            return redirect(self._change_url(article))
        form = CorrectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                correction = workflow.add_correction(
                    article, by=request.user, **form.cleaned_data
                )
            except workflow.TransitionError as error:
                messages.error(request, str(error))
            else:
                self.log_change(
                    request, article, f"{correction.get_kind_display()} 추가"
                )
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
        form = ShareLinkForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                previews.create_share_link(
                    article,
                    by=request.user,
                    hours=form.cleaned_data["hours"],
                    note=form.cleaned_data["note"],
                )
            except workflow.TransitionError as error:
                messages.error(request, str(error))
            else:
                self.log_change(request, article, "공유 링크 생성")
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
                "visits": link.visits.count(),
                "revoke_url": reverse(
                    "admin:articles_article_share_link_revoke",
                    args=[article.pk, link.pk],
                ),
            }
            for link in article.share_links.all()
        ]
        return self._render(
            request,
            "share_links",
            article,
            title=f"공유 링크: {article.title}",
            form=form,
            links=links,
        )

    def share_link_revoke_view(self, request, object_id, link_id):
        article = self._article(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        link = article.share_links.filter(pk=link_id).first()
        if link is None:
            raise Http404("이 기사의 공유 링크가 아닙니다.")
        previews.revoke_share_link(link, by=request.user)
        self.log_change(request, article, "공유 링크 회수")
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


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
