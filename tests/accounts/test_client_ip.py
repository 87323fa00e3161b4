"""Client addresses behind proxies (TRUSTED_PROXY_COUNT): the rate limits, the session list and
the logs see the client, not the proxy; without the setting a spoofed X-Forwarded-For changes
nothing."""

import io
import logging

import pytest
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse

from accounts.models import Session
from tests.accounts.test_auth_flow import PASSWORD, _login, _post_form, _use_redis_cache
from tests.factories import UserFactory

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.7"
VICTIM = "198.51.100.9"


class BehindProxy(Client):
    """A browser at ``address`` reaching the app through our proxy at ``PROXY``: the proxy
    appends the address it saw to whatever X-Forwarded-For the browser sent."""

    def __init__(self, address: str, *, proxies: tuple[str, ...] = (), **kwargs):
        super().__init__(enforce_csrf_checks=True, REMOTE_ADDR=PROXY, **kwargs)
        self.address = address
        self.proxies = proxies  # proxies between the outer one and the app (for two-proxy set-ups)
        self.spoofed = ""

    def request(self, **request):
        chain = [self.spoofed] if self.spoofed else []
        request["HTTP_X_FORWARDED_FOR"] = ", ".join([*chain, self.address, *self.proxies])
        return super().request(**request)


@pytest.mark.django_db
class TestBehindATrustedProxy:
    @pytest.mark.parametrize("cache_backend", ["file", "redis"])
    def test_the_attackers_failed_sign_ins_lock_out_the_attacker_only(self, settings, cache_backend):
        if cache_backend == "redis":
            _use_redis_cache(settings)
        settings.TRUSTED_PROXY_COUNT = 1
        victim = UserFactory(password=PASSWORD)
        attacker, browser = BehindProxy(ATTACKER), BehindProxy(VICTIM)

        statuses = []
        for i in range(11):
            attacker.spoofed = f"192.0.2.{i}"  # a fresh fake address each time changes nothing
            statuses.append(_login(attacker, f"guess{i}@example.com", "wrong").status_code)
        signed_in = _login(browser, victim.email, PASSWORD)

        assert statuses[:10] == [200] * 10 and statuses[10] == 429
        assert _login(attacker, victim.email, PASSWORD).status_code == 429
        assert signed_in.status_code == 302
        assert browser.session["_auth_user_id"] == victim.pk

    @pytest.mark.parametrize(("action", "url_name", "field"), [
        ("signup", "account_signup", "email"), ("reset_password", "account_reset_password", "email"),
    ])
    def test_the_sign_up_and_reset_limits_count_per_client_too(self, settings, action, url_name, field):
        settings.TRUSTED_PROXY_COUNT = 1
        settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, action: "3/m/ip"}
        attacker, browser = BehindProxy(ATTACKER), BehindProxy(VICTIM)

        def post(client, address):
            return _post_form(client, reverse(url_name), {field: address, "password1": PASSWORD, "password2": PASSWORD})

        statuses = [post(attacker, f"flood{i}@example.com").status_code for i in range(4)]
        victim = post(browser, "victim@example.com")

        assert statuses[-1] == 429 and 429 not in statuses[:3]
        assert victim.status_code == 302

    def test_the_session_list_shows_each_browsers_own_address(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        user = UserFactory(password=PASSWORD)
        browser = BehindProxy(VICTIM)
        browser.spoofed = "192.0.2.1"

        _login(browser, user.email, PASSWORD)
        page = browser.get(reverse("accounts:account"))

        assert Session.objects.get(user=user).ip_address == VICTIM
        assert VICTIM in page.content.decode() and PROXY not in page.content.decode()

    def test_two_proxies_take_the_second_address_from_the_right(self, settings):
        settings.TRUSTED_PROXY_COUNT = 2
        user = UserFactory(password=PASSWORD)
        browser = BehindProxy(VICTIM, proxies=("10.0.0.1",))
        browser.spoofed = "192.0.2.1"

        _login(browser, user.email, PASSWORD)

        assert Session.objects.get(user=user).ip_address == VICTIM

    def test_a_header_that_did_not_pass_our_proxies_is_ignored_not_an_error(self, settings):
        settings.TRUSTED_PROXY_COUNT = 2
        user = UserFactory(password=PASSWORD)
        direct = Client(REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="192.0.2.99")

        response = direct.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

        assert response.status_code == 302
        assert Session.objects.get(user=user).ip_address == "192.0.2.50"

    def test_log_lines_carry_the_clients_address(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(console.formatter)
        for log_filter in console.filters:
            handler.addFilter(log_filter)
        logger = logging.getLogger("accounts.adapter")
        logger.addHandler(handler)
        attacker = BehindProxy(ATTACKER)
        try:
            for i in range(11):
                _login(attacker, f"guess{i}@example.com", "wrong")
        finally:
            logger.removeHandler(handler)

        line = stream.getvalue().strip().splitlines()[-1]
        assert f"[{ATTACKER}] sign-in refused: too many failed attempts" in line
        assert PROXY not in line


@pytest.mark.django_db
class TestWithoutAProxySetting:
    def test_a_spoofed_forwarded_for_is_ignored(self, settings):
        assert getattr(settings, "TRUSTED_PROXY_COUNT", 0) == 0  # the default
        user = UserFactory(password=PASSWORD)
        attacker = Client(enforce_csrf_checks=True, REMOTE_ADDR=ATTACKER)

        statuses = [_post_spoofed(attacker, f"guess{i}@example.com", f"192.0.2.{i}").status_code for i in range(11)]
        browser = Client(REMOTE_ADDR=VICTIM, HTTP_X_FORWARDED_FOR=ATTACKER)
        browser.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

        assert statuses[10] == 429  # 11 fake addresses did not give 11 fresh limits
        assert Session.objects.get(user=user).ip_address == VICTIM

    def test_check_deploy_warns_about_a_tls_proxy_without_a_proxy_count(self, settings):
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

        without = [m.id for m in run_checks(include_deployment_checks=True)]
        settings.TRUSTED_PROXY_COUNT = 1
        with_count = [m.id for m in run_checks(include_deployment_checks=True)]

        assert "ops.W001" in without and "ops.W001" not in with_count


def _post_spoofed(client, login, spoofed):
    page = client.get(reverse("account_login"), HTTP_X_FORWARDED_FOR=spoofed)
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value
    return client.post(reverse("account_login"), {"login": login, "password": "wrong", "csrfmiddlewaretoken": token},
                       HTTP_X_FORWARDED_FOR=spoofed)
