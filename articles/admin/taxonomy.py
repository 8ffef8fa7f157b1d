"""Authors (bylines) and categories."""

from django.contrib import admin
from taggit.models import Tag

from .. import workflow
from ..models import Author, Category
from ..text import nfc

# Categories are our own tag model (Category); taggit's Tag table holds nothing.
# Its admin would only offer an empty list and a merge view that checks no
# permission at all (any staff account's POST wrote a Tag row, then answered 500).
if admin.site.is_registered(Tag):
    admin.site.unregister(Tag)


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        # As for categories: every page of this admin, the bylines' autocomplete
        # included, starts here, so a Reporter never learns who writes someone
        # else's unpublished story.
        return super().get_queryset(request) & workflow.visible_authors(request.user)

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, nfc(search_term))


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_section", "section_order"]
    list_editable = ["is_section", "section_order"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        # Every page of this admin (list, search, change, history, autocomplete)
        # starts here, so a Reporter never learns the category of someone
        # else's unpublished story.
        return super().get_queryset(request) & workflow.visible_categories(request.user)

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, nfc(search_term))
