"""The users admin's "Adjust credits" action: an intermediate form, then one ledger row per user.

Wired into ``accounts.admin.UserAdmin`` with ``actions = [adjust_credits]``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from elevenlabs_bernie.admin_actions import apply_to_each


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
    from audio import services

    form = AdjustCreditsForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        apply_to_each(
            modeladmin, request, queryset.values_list("pk", flat=True),
            lambda user_id: services.credits_adjust(
                user_id=user_id, amount=form.cleaned_data["amount"], note=form.cleaned_data["note"], actor=request.user
            ),
            refusal=services.ClipStateError,
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
