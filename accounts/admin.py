from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone

from credits.admin import adjust_credits
from accounts import forms
from accounts.models import Account, ApiKey, OutgoingMail, Session, User, VerificationToken


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = forms.AdminUserChangeForm
    add_form = forms.AdminUserCreationForm
    actions = [adjust_credits]
    list_display = ["email", "name", "credits", "email_verified", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", ("email_verified", admin.EmptyFieldListFilter)]
    search_fields = ["email", "name", "id"]
    ordering = ["-date_joined", "id"]
    readonly_fields = ["id", "credits", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["id", "email", "password"]}),
        ("Profile", {"fields": ["name", "image", "email_verified"]}),
        ("Credits", {"fields": ["credits"], "description": "Change credits with the “Adjust credits” action, which writes the ledger."}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["user", "device", "ip_address", "created_at", "last_seen_at", "expires"]
    list_filter = [("expires", admin.DateFieldListFilter), ("last_seen_at", admin.DateFieldListFilter)]
    search_fields = ["user__email", "ip_address", "user_agent"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    ordering = ["-last_seen_at", "id"]
    exclude = ["session_data", "session_token"]
    readonly_fields = ["user", "created_at", "last_seen_at", "user_agent", "ip_address", "expires"]

    def has_add_permission(self, request):
        return False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["user", "provider", "provider_account_id", "type"]
    list_filter = ["provider", "type"]
    search_fields = ["user__email", "provider_account_id"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    ordering = ["provider", "id"]
    exclude = ["access_token", "refresh_token", "id_token"]


@admin.register(VerificationToken)
class VerificationTokenAdmin(admin.ModelAdmin):
    list_display = ["identifier", "expires"]
    search_fields = ["identifier"]
    list_filter = [("expires", admin.DateFieldListFilter)]
    ordering = ["-expires", "id"]
    exclude = ["token"]
    readonly_fields = ["identifier", "expires"]

    def has_add_permission(self, request):
        return False


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    """Mail on its way out (accounts/mail.py): read-only; the content is gone once it is finished."""

    list_display = ["subject", "recipients", "status", "attempts", "last_error", "last_error_at", "created_at", "sent_at"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["recipients", "subject", "id"]
    ordering = ["-created_at", "id"]
    exclude = ["message"]
    readonly_fields = ["subject", "recipients", "status", "attempts", "last_error", "last_error_at", "created_at", "sent_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are listed, never their secret (only its HMAC is stored, and that is not shown);
    they are made on My Account or with ``manage.py create_api_key``."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at", "credits_spent", "credit_limit"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), ("last_used_at", admin.DateFieldListFilter)]
    search_fields = ["user__email", "name", "prefix"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    ordering = ["-created_at", "id"]
    exclude = ["hashed"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at", "revoked_at", "credits_spent"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected API keys")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} key{'s' if count != 1 else ''}.")
