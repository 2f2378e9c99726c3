from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from jointcare.accounts.models import ApiToken, User


@admin.register(User)
class JointcareUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Organisation", {"fields": ("organisation", "job_title")}))
    list_display = ("username", "first_name", "last_name", "organisation", "is_active")
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "digest", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False
