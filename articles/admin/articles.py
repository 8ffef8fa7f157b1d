"""The article admin: list, form, rights, saving and bulk steps."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html

from .. import workflow
from ..forms import ArticleAdminForm
from ..models import Article, Byline
from ..text import nfc
from .pages import ArticlePagesMixin
from .parts import (
    BylineInline,
    CategoryFilter,
    MineFilter,
    ProgressFilter,
    local_time,
)


@admin.register(Article)
class ArticleAdmin(ArticlePagesMixin, admin.ModelAdmin):
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
    list_filter = [ProgressFilter, "status", MineFilter, ("categories", CategoryFilter)]
    list_select_related = ["owner"]
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ["title", "slug", "excerpt", "authors__name"]
    search_help_text = "제목, 슬러그, 요약, 기자 이름으로 찾습니다."
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["title"]}
    inlines = [BylineInline]
    # Plain moves only: steps that need a comment, notice or time have their page.
    actions = [
        "submit_selected",
        "publish_selected",
        "unpublish_selected",
        "reopen_selected",
    ]
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
        ("첫 화면", {"fields": ["is_pinned"]}),
        ("관리", {"fields": ["status", "owner"]}),
    ]

    class Media:
        css = {"all": ["articles/admin/workflow.css"]}

    def view_on_site(self, obj):
        """The public page while it is live, else the staff preview: the change
        form's button and the admin's shortcut never lead to a 404 (or show a
        draft's address as if it were public)."""
        if obj.is_live:
            return obj.get_absolute_url()
        return reverse("admin:articles_article_preview", args=[obj.pk])

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
        # The fields a save would refuse this person to change, read from the
        # workflow's own list.
        return ["status", "image_thumbnail"] + [
            name.removesuffix("_id")
            for name, permission in workflow.PROTECTED_FIELDS.items()
            if not request.user.has_perm(permission)
        ]

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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # The form asks the workflow's SaveArticle check, as this person.
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request, obj, form, change):
        """Nothing yet: the article, its categories and bylines are saved together
        by one SaveArticle action in save_related, once the inlines are known."""

    def save_related(self, request, form, formsets, change):
        bylines = None
        for formset in formsets:
            if formset.model is Byline:
                bylines = byline_authors(formset)
        workflow.SaveArticle(request.user).run(
            form.instance,
            expected_version=form.expected_version if change else None,
            categories=form.cleaned_data.get("categories"),
            bylines=bylines,
        )

    # The workflow's audit entry is the one trail of an article: no LogEntry.
    # (A deletion keeps Django's LogEntry: the article's own log goes with it.)

    def construct_change_message(self, request, form, formsets, add=False):
        return []

    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None

    def delete_model(self, request, obj):
        workflow.delete_article(obj, by=request.user)

    # Change list columns ---------------------------------------------------------

    @admin.display(description="상태", ordering="status")
    def status_label(self, obj):
        return obj.status_label

    @admin.display(description="게재 시각", ordering="publish_at")
    def schedule(self, obj):
        parts = []
        if obj.publish_at:
            prefix = "예약 " if obj.is_scheduled else ""
            parts.append(prefix + local_time(obj.publish_at))
        if obj.expire_at:
            parts.append(f"종료 {local_time(obj.expire_at)}")
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
            # The original is private: the preview waits for the renditions.
            if obj and obj.image:
                return "공개 변환본 없음: 만드는 중이거나 게재 취소·삭제 조치된 기사"
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
        action = workflow.STEPS[step](request.user)
        transition = action.transition
        done = 0
        with workflow.batch(f"admin:{step}"):
            for article in queryset:
                try:
                    action.run(article)
                except (workflow.ActionRefused, PermissionDenied) as error:
                    messages.error(request, f"‘{article.title}’: {error}")
                else:
                    done += 1
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

    @admin.action(description="선택한 기사 초안으로 되돌리기", permissions=["publish"])
    def reopen_selected(self, request, queryset):
        self._bulk(request, queryset, "reopen")


def byline_authors(formset) -> list[int]:
    """The author ids the byline inline leaves, in the order of their positions."""
    rows = []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("DELETE") or not data.get("author"):
            continue
        rows.append((data.get("position") or 0, index, data["author"].pk))
    return [author for _, _, author in sorted(rows)]
