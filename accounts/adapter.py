"""allauth wiring: email-verification tokens in ``VerificationToken``, ``email_verified`` on the user."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import emails
from accounts.models import VerificationToken
from core.client_ip import client_ip

logger = logging.getLogger(__name__)


def token_digest(key: str) -> str:
    """Tokens are stored hashed, so a database leak does not leak working links."""
    return hashlib.sha256(key.encode()).hexdigest()


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        """Sign-up and add-email: refuse look-alike addresses, keep the normal form (allauth
        then checks it against the stored addresses, all in normal form)."""
        return emails.clean(super().clean_email(email))

    def get_client_ip(self, request) -> str:
        """The address allauth's rate limits count by: the client's, behind TRUSTED_PROXY_COUNT
        proxies (core/client_ip.py), not the proxy's."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def pre_authenticate(self, request, **credentials):
        """Too many failed logins answer 429 Too Many Requests, not just a form error."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as exc:
            if getattr(exc, "code", None) == "too_many_login_attempts":
                logger.warning("sign-in refused: too many failed attempts from this address or for this login")
                raise ImmediateHttpResponse(respond_429(request)) from None
            raise

    def send_confirmation_mail(self, request, emailconfirmation, signup):
        email = emailconfirmation.email_address.email
        # One live link per address: a new mail replaces older links.
        VerificationToken.objects.filter(identifier=email).delete()
        VerificationToken.objects.create(
            identifier=email,
            token=token_digest(emailconfirmation.key),
            expires=timezone.now() + timedelta(days=allauth_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS),
        )
        super().send_confirmation_mail(request, emailconfirmation, signup)

    def confirm_email(self, request, email_address):
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            user = email_address.user
            if user.email and user.email.lower() == email_address.email.lower() and not user.email_verified:
                type(user).objects.filter(pk=user.pk).update(email_verified=timezone.now())
        return confirmed
