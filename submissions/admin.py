"""The organisers' back office. Reference content is edited in both languages side by side
(modeltranslation's tabbed admin, with jQuery UI served from our own static files)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationStackedInline

from .models import (
    Attachment,
    Award,
    Category,
    CoApplicant,
    Contributor,
    Edition,
    Entry,
    Indicator,
    IntellectualProperty,
    OutgoingMail,
    Page,
    StatusChange,
    TechnicalField,
    User,
)

admin.site.site_header = _("WNEVC selection administration")
admin.site.site_title = _("WNEVC selection administration")
admin.site.index_title = _("Technology selection")


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


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    fields = ["at", "from_status", "to_status", "by", "note"]
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["kind", "original_name", "content_type", "size", "uploaded_at"]
    readonly_fields = fields


class CoApplicantInline(TranslationStackedInline):
    model = CoApplicant
    extra = 0


class RowInline(admin.TabularInline):
    extra = 0


class IndicatorInline(RowInline):
    model = Indicator


class IPInline(RowInline):
    model = IntellectualProperty


class AwardInline(RowInline):
    model = Award


class ContributorInline(RowInline):
    model = Contributor


@admin.register(Entry)
class EntryAdmin(TabbedTranslationAdmin):
    list_display = ["reference", "title", "org_name", "category", "technical_field", "status", "org_country",
                    "submitted_at"]
    list_filter = ["edition", "category", "technical_field", "status", "org_type", "maturity", "recommended_by",
                   "source"]
    search_fields = ["reference", "title_zh_hans", "title_en", "org_name_zh_hans", "org_name_en",
                     "contact_email", "nominator__email"]
    list_select_related = ["category", "technical_field", "edition"]
    date_hierarchy = "submitted_at"
    ordering = ["-submitted_at", "-id"]
    readonly_fields = ["reference", "status", "submitted_at", "nominator", "edition", "correction_deadline"]
    inlines = [CoApplicantInline, IndicatorInline, IPInline, AwardInline, ContributorInline, AttachmentInline,
               StatusChangeInline]


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    list_display = ["to", "subject", "created_at", "sent_at", "attempts"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["to", "subject", "body", "created_at", "sent_at", "attempts", "last_error"]


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "full_name")


class UserChangeAdminForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationAdminForm
    form = UserChangeAdminForm
    ordering = ["email"]
    list_display = ["email", "full_name", "organisation", "language", "email_confirmed_at", "is_staff"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "language"]
    search_fields = ["email", "full_name", "organisation"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["full_name", "organisation", "language", "email_confirmed_at"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "usable_password", "password1", "password2"]})]
