"""Reference content that visitors read, in both languages (tabs)."""

from django.contrib import admin
from modeltranslation.admin import TabbedTranslationAdmin

from ..models import Category, Edition, Page, TechnicalField


@admin.register(Edition)
class EditionAdmin(TabbedTranslationAdmin):
    list_display = ["year", "title", "opens_at", "closes_at", "results_published"]
    list_filter = ["results_published"]


@admin.register(Category)
class CategoryAdmin(TabbedTranslationAdmin):
    list_display = ["name", "code", "reference_code", "order"]


@admin.register(TechnicalField)
class TechnicalFieldAdmin(TabbedTranslationAdmin):
    list_display = ["name", "order", "active"]
    list_editable = ["order", "active"]


@admin.register(Page)
class PageAdmin(TabbedTranslationAdmin):
    list_display = ["title", "slug", "kind", "order", "published"]
    list_filter = ["kind", "published"]
    prepopulated_fields = {"slug": ["title_en"]}
