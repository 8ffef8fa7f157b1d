"""Authors (bylines) and categories."""

from django.contrib import admin

from ..models import Author, Category


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_section", "section_order"]
    list_editable = ["is_section", "section_order"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
