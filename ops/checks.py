"""Deployment checks of our own (``manage.py check --deploy``, which bin/serve runs)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.checks.mail import NON_PRODUCTION_EMAIL_BACKENDS


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


@register(Tags.security, deploy=True)
def no_benchmark_engine(app_configs=None, **kwargs):
    if getattr(settings, "BENCH_LOCAL_ENGINE", ""):
        return [Error(
            "BENCH_LOCAL_ENGINE is set: every clip would come from the benchmarks' engine, not a real one.",
            hint="It belongs to bench/settings_silent.py only; start the site with elevenlabs_bernie.settings.",
            id="ops.E001",
        )]
    return []


@register(Tags.mail, deploy=True)
def outgoing_mail_is_sent(app_configs=None, **kwargs):
    """Django's mail.E001 looks at MAILERS["default"], which is the queue (accounts/mail_backend.py)
    here; the worker delivers through MAILERS["outgoing"], the console unless EMAIL_HOST is set."""
    backend = getattr(settings, "MAILERS", {}).get("outgoing", {}).get("BACKEND", "")
    if backend in NON_PRODUCTION_EMAIL_BACKENDS:
        return [Error(
            f"Outgoing mail would not be sent: MAILERS['outgoing'] is {backend}.",
            hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) to your SMTP server.",
            id="ops.E002",
        )]
    return []
