"""Reference content that visitors read, in both languages (tabs). Saves and deletes go through
services.content, which refreshes the public page cache."""

from django.contrib import admin
from modeltranslation.admin import TabbedTranslationAdmin

from ..models import Category, Edition, Page, TechnicalField
from ..services import content as content_services
from .safety import ValidIdsMixin


class ContentAdmin(ValidIdsMixin, TabbedTranslationAdmin):
    def save_model(self, request, obj, form, change):
        content_services.save_content(obj)

    def delete_model(self, request, obj):
        content_services.delete_content(obj)

    def delete_queryset(self, request, queryset):
        content_services.delete_content(queryset)


@admin.register(Edition)
class EditionAdmin(ContentAdmin):
    list_display = ["year", "title", "opens_at", "closes_at", "results_published"]
    list_filter = ["results_published"]
    # Published from the tally (services.selection.publish_results: needs a confirmed selection).
    readonly_fields = ["results_published"]


@admin.register(Category)
class CategoryAdmin(ContentAdmin):
    list_display = ["name", "code", "reference_code", "order"]


@admin.register(TechnicalField)
class TechnicalFieldAdmin(ContentAdmin):
    list_display = ["name", "order", "active"]
    list_editable = ["order", "active"]


@admin.register(Page)
class PageAdmin(ContentAdmin):
    list_display = ["title", "slug", "kind", "order", "published"]
    list_filter = ["kind", "published"]
    prepopulated_fields = {"slug": ["title_en"]}
