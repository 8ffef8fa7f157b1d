"""Filters and inlines of the article admin."""

from django.contrib import admin
from django.utils import timezone

from .. import workflow
from ..models import Byline


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
                return queryset.expired(now)
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


class CategoryFilter(admin.RelatedOnlyFieldListFilter):
    """Categories of the articles this person may see, so a Reporter never learns
    the category of someone else's unpublished story."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.empty_value_display = "카테고리 없음"


def local_time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
