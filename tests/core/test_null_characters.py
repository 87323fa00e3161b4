"""NUL characters get a clear 400 or form error, never a database error (PostgreSQL refuses them)."""

import pytest

from audio.models import GeneratedAudioClip


@pytest.mark.django_db
class TestNullCharacters:
    @pytest.mark.parametrize(
        "path",
        ["/app/clips/a%00b/", "/app/clips/a%00b/audio/", "/app/text-to-speech/?q=a%00b", "/posts/?page=1%00"],
    )
    def test_in_the_address_are_a_400(self, client, user, path):
        client.force_login(user)

        response = client.get(path)

        assert response.status_code == 400

    def test_in_a_post_address_are_a_400(self, client, user):
        client.force_login(user)

        response = client.post("/app/account/sessions/a%00b/end/")

        assert response.status_code == 400

    @pytest.mark.parametrize(
        "url, data",
        [
            ("/app/text-to-speech/", {"text": "hello\x00 world", "voice": "andreas"}),
            ("/app/sound-effects/", {"prompt": "rain\x00", "duration": "2"}),
        ],
    )
    def test_in_a_form_are_a_message_and_charge_nothing(self, client, user, url, data):
        client.force_login(user)

        response = client.post(url, data, follow=True)

        assert response.status_code == 200
        assert "null character" in response.content.decode().lower()
        assert not GeneratedAudioClip.objects.exists()
        user.refresh_from_db()
        assert user.credits == 10000
