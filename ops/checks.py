"""Deployment checks of our own (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def proxy_without_client_address(app_configs, **kwargs):
    if settings.SECURE_PROXY_SSL_HEADER and not getattr(settings, "TRUSTED_PROXY_COUNT", 0):
        return [Warning(
            "BEHIND_TLS_PROXY is on but TRUSTED_PROXY_COUNT is 0: every visitor looks like the proxy, "
            "so one client's failed sign-ins lock everyone out and the session list shows the proxy.",
            hint="Set TRUSTED_PROXY_COUNT to the number of proxies in front of the app (usually 1).",
            id="ops.W001",
        )]
    return []
