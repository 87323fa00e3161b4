"""The caller's account, as ElevenLabs' clients read it: credits are the character quota.

``character_count`` is the credits used (debits less refunds, from the ledger), and
``character_limit`` that plus the balance, so the difference is what is left and
``character_count`` rises with use. Credits do not reset by themselves, so
``next_character_count_reset_unix`` is null.
"""

from __future__ import annotations

from django.db.models import Sum
from ninja import Router

from api import schemas
from api.responses import errors
from credits.models import LedgerReason, UsageLog

router = Router(tags=["user"])

TIER = "self-hosted"


def subscription_json(user) -> dict:
    net = (UsageLog.objects.filter(user=user, reason__in=[LedgerReason.DEBIT, LedgerReason.REFUND])
           .aggregate(total=Sum("credits"))["total"] or 0)
    used = max(-net, 0)
    balance = type(user).objects.filter(pk=user.pk).values_list("credits", flat=True).get()
    return {
        "tier": TIER, "character_count": used, "character_limit": used + balance, "voice_limit": 0,
        "current_overage": {"amount": "0", "currency": "usd"}, "status": "active",
        "next_character_count_reset_unix": None, "currency": "usd",
    }


@router.get("/v1/user", response={200: schemas.UserOut, **errors()}, summary="The key's user", operation_id="user")
def user(request):
    owner = request.auth.user
    return {
        "user_id": owner.pk, "workspace_id": owner.pk, "subscription": subscription_json(owner), "is_new_user": False,
        "first_name": owner.name or None, "xi_api_key_preview": request.auth.prefix,
        "created_at": int(owner.date_joined.timestamp()), "seat_type": "workspace_admin",
    }


@router.get("/v1/user/subscription", response={200: schemas.Subscription, **errors()},
            summary="The key's user's credits, as a subscription", operation_id="user_subscription")
def subscription(request):
    return {**subscription_json(request.auth.user), "open_invoices": [], "has_open_invoices": False}
