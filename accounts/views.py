from allauth.account import views as allauth_views
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import api_keys, services
from accounts.forms import ApiKeyForm
from audio.engines import registry
from audio.services import cost_of


@login_required
def account(request, *, key_form: ApiKeyForm | None = None, new_key: str = "", status: int = 200):
    user = request.user
    sessions = user.sessions.active().newest_seen()
    return render(
        request,
        "account/account.html",
        {
            "sessions": sessions,
            "current_token": request.session.session_key,
            "ledger": user.usage_logs.newest().select_related("clip")[:20],
            "providers": user.accounts.order_by("provider", "id"),
            "prices": [{"label": spec.label, "cost": cost_of(spec.id)} for spec in registry.SERVICES],
            "api_keys": user.api_keys.active().newest(),
            "key_form": key_form or ApiKeyForm(),
            "new_key": new_key,
        },
        status=status,
    )


@login_required
@require_POST
def api_key_create(request):
    """Make a key and show it on this one answer (it is not stored, so it is never shown again)."""
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return account(request, key_form=form, status=400)
    key, raw = api_keys.api_key_create(user=request.user, name=form.cleaned_data["name"],
                                       credit_limit=form.cleaned_data["credit_limit"])
    response = account(request, new_key=raw, status=201)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_key_revoke(request, key_id):
    if api_keys.api_key_revoke(user=request.user, key_id=key_id):
        messages.success(request, "The API key was revoked; requests with it are refused from now on.")
    return redirect("accounts:account")


@login_required
@require_POST
def session_end(request, session_id):
    is_current = request.user.sessions.filter(pk=session_id, session_token=request.session.session_key).exists()
    deleted, _ = request.user.sessions.filter(pk=session_id).delete()
    if is_current:
        request.session.flush()
        return redirect("account_login")
    if deleted:
        messages.success(request, "That browser has been signed out.")
    return redirect("accounts:account")


@login_required
@require_POST
def session_end_others(request):
    deleted, _ = request.user.sessions.exclude(session_token=request.session.session_key or "").delete()
    messages.success(request, f"Signed out of {deleted} other browser{'s' if deleted != 1 else ''}.")
    return redirect("accounts:account")


def confirm_email(request, key):
    """allauth's confirmation page, with the link honoured once (VerificationToken)."""
    try:
        if request.method == "POST":
            services.verification_token_consume(key=key)
        else:
            services.verification_token_check(key=key)
    except services.TokenInvalid:
        return render(request, "account/verification_token_invalid.html", status=410)
    return allauth_views.confirm_email(request, key=key)
