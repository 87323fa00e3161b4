from allauth.account import views as allauth_views
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from audio.engines import registry
from audio.services import cost_of


@login_required
def account(request):
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
        },
    )


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
