"""allauth's forms, the admin's user forms and My Account's API key form; addresses in their normal form
(accounts/emails.py). Sign-up and add-email validate with ``emails.validate_address`` (so
ACCOUNT_ALLOW_UNICODE_EMAIL_LOCAL_PARTS can let non-ASCII local parts through) and the adapter's
``clean_email`` refuses look-alikes; at sign-in and password reset any spelling of a stored
address finds its account, the per-address rate limits count every spelling as one, and the
reset mail goes to the stored address."""

from __future__ import annotations

from allauth.account import forms as allauth_forms
from allauth.account.utils import filter_users_by_email
from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.validators import EmailValidator

from accounts import emails
from accounts.api_keys import NAME_MAX_CHARS
from accounts.models import User

TAKEN = "Another user already has this address (or a spelling of it)."


def _swap_email_validator(field, validator) -> None:
    """Replace the field's email validator (Django's), keep the others (length, NUL)."""
    field.validators = [validator, *(v for v in field.validators if not isinstance(v, EmailValidator))]


class SignupForm(allauth_forms.SignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _swap_email_validator(self.fields["email"], emails.validate_address)


class AddEmailForm(allauth_forms.AddEmailForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _swap_email_validator(self.fields["email"], emails.validate_address)


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _swap_email_validator(self.fields["login"], emails.validate_spelling)

    def clean_login(self) -> str:
        login = super().clean_login()
        return emails.normalize(login) if "@" in login else login


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _swap_email_validator(self.fields["email"], emails.validate_spelling)

    def clean_email(self) -> str:
        # allauth looks the users up and mails the address this returns: the normal form.
        self.cleaned_data["email"] = emails.normalize(self.cleaned_data["email"])
        return super().clean_email()


class _AdminEmailMixin:
    """The admin's address field: refused like a sign-up (emails.clean), stored in normal form,
    and unique by normal form. An unchanged address is left alone."""

    def clean_email(self):
        value = self.cleaned_data.get("email")
        if not value or "email" not in self.changed_data:
            return value
        value = emails.clean(value)
        if any(user.pk != self.instance.pk for user in filter_users_by_email(value)):
            raise forms.ValidationError(TAKEN, code="unique")
        return value


class AdminUserCreationForm(_AdminEmailMixin, auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)


class AdminUserChangeForm(_AdminEmailMixin, auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX_CHARS, required=False, strip=True,
                           help_text="What the key is for, such as “laptop script”.")
    credit_limit = forms.IntegerField(
        required=False, min_value=1, max_value=2_000_000_000,
        help_text="The most credits this key may spend. Leave empty to let it use your whole balance.",
        error_messages={"invalid": "The credit limit must be a whole number.",
                        "min_value": "The credit limit must be at least 1."},
    )
