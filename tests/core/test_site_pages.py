"""Site-wide details: the favicon, the password-reset end page, login errors, long posts."""

import pytest

from tests.factories import UserFactory


@pytest.mark.django_db
class TestSitePages:
    def test_the_favicon_is_linked_and_served(self, client):
        html = client.get("/accounts/login/").content.decode()
        old_path = client.get("/favicon.ico")

        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
        assert old_path.status_code == 301 and old_path["Location"] == "/static/favicon.svg"
        assert client.get("/static/favicon.svg").status_code == 200

    def test_after_a_password_reset_there_is_a_sign_in_button(self, client):
        html = client.get("/accounts/password/reset/key/done/").content.decode()

        assert 'class="button button-primary" href="/accounts/login/">Sign in</a>' in html

    def test_a_wrong_password_is_shown_as_an_error(self, client):
        user = UserFactory()

        html = client.post("/accounts/login/", {"login": user.email, "password": "wrong"}).content.decode()

        assert 'class="errorlist nonfield"' in html

    def test_a_long_post_is_refused_with_its_length_not_cut(self, client):
        client.force_login(UserFactory())

        form = client.get("/posts/").content.decode()
        refused = client.post("/posts/", {"name": "x" * 300}).content.decode()

        assert "maxlength" not in form and "Up to 191 characters." in form
        assert "The post is 300 characters long; the limit is 191." in refused
