"""The ledger (read only) and the users admin's "Adjust credits" action."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from core.admin import apply_to_each
from credits import services
from credits.models import UsageLog


@admin.register(UsageLog)
class UsageLogAdmin(admin.ModelAdmin):
    """Balances change through credits.services (and the users' "Adjust credits" action)."""

    list_display = ["timestamp", "user", "credits", "reason", "service", "clip", "note", "actor"]
    list_filter = ["reason", "service", ("timestamp", admin.DateFieldListFilter)]
    date_hierarchy = "timestamp"
    search_fields = ["user__email", "=user__id", "=clip__id"]
    search_help_text = "Search by user email, user id or clip id (exact)."
    list_select_related = ["user", "clip", "actor"]
    ordering = ["-timestamp", "-id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AdjustCreditsForm(forms.Form):
    amount = forms.IntegerField(help_text="Credits to add; negative to take away.")
    note = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Why: kept in the ledger with your name.")

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError("Enter a non-zero amount.")
        return amount


@admin.action(description="Adjust credits (writes the ledger)", permissions=["change"])
def adjust_credits(modeladmin, request, queryset):
    """An intermediate form, then one ledger row per selected user."""
    form = AdjustCreditsForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        apply_to_each(
            modeladmin, request, queryset.values_list("pk", flat=True),
            lambda user_id: services.adjust(
                user_id=user_id, amount=form.cleaned_data["amount"], note=form.cleaned_data["note"], actor=request.user
            ),
            refusal=services.CreditsError,
            done_message="Adjusted the credits of {count} user(s).",
            refused_message="Not adjusted: {details}",
        )
        return None  # back to the changelist
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Adjust credits",
        "opts": modeladmin.model._meta,
        "form": form,
        "users": queryset.order_by("email", "pk"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_name": "adjust_credits",
    }
    return TemplateResponse(request, "admin/accounts/user/adjust_credits.html", context)
