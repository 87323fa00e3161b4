"""The studio's daily-use features: remembered settings, reuse, regenerate, variations, bulk
delete, filters, estimates, and what the pages say."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audio import estimates, history, storage
from audio.engines import get_engine
from audio.models import GeneratedAudioClip, StudioPreference
from credits.models import UsageLog
from tests.factories import UserFactory, finish_clip, make_clip, request_clip, wav_bytes


def page(client, path="/app/text-to-speech/", **params):
    return client.get(path, params).content.decode()


@pytest.mark.django_db
class TestRememberedSettings:
    def test_the_last_voice_and_settings_are_the_next_visits_defaults_but_not_the_text(self, client):
        user = UserFactory(credits=1000)
        client.force_login(user)

        client.post("/app/text-to-speech/", {"text": "Secret words.", "voice": "woman", "speed": "1.5",
                                             "stability": "0.8", "variability": "0.2"})
        html = page(client)

        assert 'value="woman" required checked' in html
        assert 'name="speed" min="0.5" max="2" step="0.05" value="1.5"' in html
        assert 'value="0.8"' in html and 'value="0.2"' in html
        assert "Secret words." not in html.split('id="history"')[0]
        pref = StudioPreference.objects.get(user=user, service="styletts2")
        assert pref.voice == "woman" and pref.settings == {"speed": 1.5, "stability": 0.8, "variability": 0.2}

    def test_are_kept_per_service_and_per_user(self, client):
        user = UserFactory(credits=1000)
        client.force_login(user)

        client.post("/app/sound-effects/", {"prompt": "wind", "duration": "7", "variations": "2"})
        client.post("/app/text-to-speech/", {"text": "Hi.", "voice": "joe"})
        sfx = page(client, "/app/sound-effects/")
        client.force_login(UserFactory())
        other = page(client)

        assert 'name="duration" min="0.5" max="22.0" step="0.5" value="7.0"' in sfx
        assert '<option value="2" selected>' in sfx
        assert 'value="andreas" required checked' in other
        assert StudioPreference.objects.filter(user=user).count() == 2

    def test_a_refused_request_is_not_remembered(self, client):
        user = UserFactory(credits=10)
        client.force_login(user)

        client.post("/app/text-to-speech/", {"text": "Hi.", "voice": "joe"})

        assert not StudioPreference.objects.exists()


@pytest.mark.django_db
class TestReuse:
    def test_reuse_fills_the_editor_with_the_clips_text_voice_and_settings(self, client):
        user = UserFactory(credits=1000)
        clip = request_clip(user, "styletts2", text="Say it again, Sam.", voice="woman", speed="0.75")
        client.force_login(user)

        html = page(client, reuse=clip.id)
        payload = client.get(f"/app/clips/{clip.id}/").json()

        assert ">Say it again, Sam.</textarea>" in html
        assert 'value="woman" required checked' in html and 'value="0.75"' in html
        assert payload["reuse"] == {"text": "Say it again, Sam.", "voice": "woman", "speed": 0.75,
                                    "stability": 0.5, "variability": 0.5}

    def test_reusing_a_sound_effect_whose_length_was_in_the_prompt_keeps_the_box_as_it_was(self, client):
        user = UserFactory(credits=1000)
        clip = request_clip(user, "make-an-audio", prompt="light rain, near, 4 seconds", duration="9")
        client.force_login(user)

        assert client.get(f"/app/clips/{clip.id}/").json()["reuse"] == {"prompt": "light rain, near, 4 seconds"}

    def test_another_users_clip_cannot_be_reused(self, client):
        clip = request_clip(UserFactory(credits=1000), "styletts2", text="Private text.", voice="joe")
        client.force_login(UserFactory())

        assert "Private text." not in page(client, reuse=clip.id)


@pytest.mark.django_db
class TestRegenerate:
    def test_makes_a_new_clip_like_the_old_one_charged_once(self, client):
        user = UserFactory(credits=1000)
        old = finish_clip(request_clip(user, "styletts2", text="Once more.", voice="woman", speed="1.25"))
        client.force_login(user)

        response = client.post(f"/app/clips/{old.id}/regenerate/", headers={"accept": "application/json"})

        new = GeneratedAudioClip.objects.exclude(pk=old.pk).get()
        user.refresh_from_db()
        assert response.status_code == 201 and response.json()["id"] == new.id
        assert (new.text, new.voice, new.params) == (old.text, old.voice, old.params)
        assert new.status == "pending" and user.credits == 900
        assert UsageLog.objects.filter(clip=new).count() == 1

    def test_a_sound_effect_gets_a_new_seed(self, client):
        user = UserFactory(credits=1000)
        old = finish_clip(request_clip(user, "make-an-audio", prompt="wind, 2 seconds"))
        client.force_login(user)

        client.post(f"/app/clips/{old.id}/regenerate/")

        new = GeneratedAudioClip.objects.exclude(pk=old.pk).get()
        assert new.params["seed"] != old.params["seed"] and new.params["duration"] == 2.0

    def test_a_voice_change_gets_its_own_copy_of_the_recording(self, client):
        user = UserFactory(credits=1000)
        old = finish_clip(request_clip(user, "seedvc", voice="woman", audio=wav_bytes(1.0)))
        client.force_login(user)

        client.post(f"/app/clips/{old.id}/regenerate/")
        new = GeneratedAudioClip.objects.exclude(pk=old.pk).get()
        client.post(f"/app/clips/{old.id}/delete/")

        assert new.original_voice_s3_key != old.original_voice_s3_key
        assert storage.read(new.original_voice_s3_key) == wav_bytes(1.0)
        assert new.params == old.params

    def test_refuses_a_pending_clip_and_charges_nothing(self, client):
        user = UserFactory(credits=1000)
        pending = request_clip(user, "make-an-audio", prompt="wind")
        client.force_login(user)

        response = client.post(f"/app/clips/{pending.id}/regenerate/", headers={"accept": "application/json"})

        user.refresh_from_db()
        assert response.status_code == 409 and "still being generated" in response.json()["error"]
        assert user.credits == 950 and GeneratedAudioClip.objects.count() == 1

    def test_another_users_clip_is_404(self, client):
        clip = finish_clip(request_clip(UserFactory(credits=1000), "styletts2", text="x y", voice="joe"))
        client.force_login(UserFactory(credits=1000))

        assert client.post(f"/app/clips/{clip.id}/regenerate/").status_code == 404
        assert GeneratedAudioClip.objects.count() == 1


@pytest.mark.django_db
class TestVariations:
    def test_each_variation_is_its_own_charged_clip_with_its_own_seed(self, client):
        user = UserFactory(credits=1000)
        client.force_login(user)

        response = client.post("/app/sound-effects/", {"prompt": "rain", "variations": "3"},
                               headers={"accept": "application/json"})

        clips = list(GeneratedAudioClip.objects.filter(user=user))
        user.refresh_from_db()
        assert response.status_code == 201 and len(response.json()["clips"]) == 3
        assert len({clip.params["seed"] for clip in clips}) == 3
        assert user.credits == 850 and UsageLog.objects.filter(user=user).count() == 3
        assert "Generating 3 variations. 150 credits were taken" in response.json()["message"]

    def test_stops_when_the_credits_run_out_and_says_so(self, client):
        user = UserFactory(credits=120)
        client.force_login(user)

        response = client.post("/app/sound-effects/", {"prompt": "rain", "variations": "4"}, follow=True)

        assert GeneratedAudioClip.objects.filter(user=user).count() == 2
        assert "You did not have enough credits for the other 2." in response.content.decode()

    @pytest.mark.parametrize("value", ["0", "5", "two"])
    def test_only_one_to_four(self, client, value):
        client.force_login(UserFactory(credits=1000))

        response = client.post("/app/sound-effects/", {"prompt": "rain", "variations": value},
                               headers={"accept": "application/json"})

        assert response.status_code == 400 and response.json()["error"] == "Choose from 1 to 4 variations."


@pytest.mark.django_db
class TestSoundEffectDuration:
    def test_the_length_in_the_prompt_wins_and_the_row_says_where_it_came_from(self, client):
        user = UserFactory(credits=1000)
        client.force_login(user)

        client.post("/app/sound-effects/", {"prompt": "light rain, near, 4 seconds", "duration": "5"})
        html = page(client, "/app/sound-effects/")

        clip = GeneratedAudioClip.objects.get(user=user)
        assert clip.params["duration"] == 4.0 and clip.params["duration_from"] == "prompt"
        assert "Asked for 4 s (from the description)" in html
        assert "A length written in the description (“4 seconds”) wins over this box." in html

    def test_search_placeholders_fit_each_page(self, client):
        client.force_login(UserFactory())

        assert 'placeholder="Search the descriptions"' in page(client, "/app/sound-effects/")
        assert 'placeholder="Search by file name"' in page(client, "/app/voice-changer/")
        assert 'placeholder="Search the text"' in page(client)


@pytest.mark.django_db
class TestBulkDelete:
    def test_without_javascript_asks_first_then_deletes_finished_clips_only(self, client):
        user = UserFactory(credits=1000)
        done = finish_clip(request_clip(user, "styletts2", text="Delete me.", voice="joe"))
        failed = make_clip(user, status="failed", text="I failed.")
        pending = request_clip(user, "styletts2", text="Still going.", voice="joe")
        other = make_clip(UserFactory(), text="Not yours.")
        client.force_login(user)
        ids = [done.id, failed.id, pending.id, other.id]

        asked = client.post("/app/text-to-speech/delete/", {"clip": ids})
        assert GeneratedAudioClip.objects.count() == 4
        deleted = client.post("/app/text-to-speech/delete/", {"clip": ids, "confirmed": "1"}, follow=True)

        assert "Delete 2 clips?" in asked.content.decode()
        assert "Deleted 2 clips. 1 still being generated was kept." in deleted.content.decode()
        assert set(GeneratedAudioClip.objects.values_list("id", flat=True)) == {pending.id, other.id}
        with pytest.raises(FileNotFoundError):
            storage.read(done.s3_key)

    def test_only_the_pages_own_service(self, client):
        user = UserFactory()
        effect = make_clip(user, service="make-an-audio", text="wind")
        client.force_login(user)

        response = client.post("/app/text-to-speech/delete/", {"clip": [effect.id], "confirmed": "1"},
                               headers={"accept": "application/json"})

        assert response.json()["deleted"] == 0 and GeneratedAudioClip.objects.filter(pk=effect.pk).exists()


@pytest.mark.django_db
class TestFilters:
    def test_by_voice_status_and_day(self, client):
        user = UserFactory()
        make_clip(user, text="Done by Joe", voice="joe")
        make_clip(user, text="Failed by Woman", voice="woman", status="failed")
        make_clip(user, text="Old one by Joe", voice="joe", created_at=timezone.now() - timedelta(days=3))
        client.force_login(user)
        three_days_ago = timezone.localdate() - timedelta(days=3)

        by_voice = page(client, voice="joe", partial="history")
        failed = page(client, status="failed", partial="history")
        that_day = page(client, day=three_days_ago.isoformat(), partial="history")
        nothing = page(client, status="pending", partial="history")

        assert "Done by Joe" in by_voice and "Old one by Joe" in by_voice and "Failed by" not in by_voice
        assert "Failed by Woman" in failed and "Done by Joe" not in failed
        assert "Old one by Joe" in that_day and "Done by Joe" not in that_day
        assert "No clips match these filters." in nothing

    def test_paging_keeps_the_filters_and_lands_on_the_history(self, client):
        user = UserFactory()
        for i in range(history.PAGE_SIZE + 2):
            make_clip(user, text=f"Joe {i}", voice="joe", created_at=timezone.now() - timedelta(minutes=i))
        client.force_login(user)

        html = page(client, voice="joe")

        assert '?voice=joe&amp;before=' in html and '#history" data-history-page>Older' in html

    def test_the_voice_changer_searches_the_file_name(self, client):
        user = UserFactory()
        make_clip(user, service="seedvc", text=None, voice="woman", params={"source_name": "interview_take2.wav"})
        make_clip(user, service="seedvc", text=None, voice="woman", params={"source_name": "other.wav"})
        client.force_login(user)

        html = page(client, "/app/voice-changer/", q="take2", partial="history")

        assert "interview_take2.wav → Woman" in html and "other.wav" not in html


@pytest.mark.django_db
class TestEstimates:
    def test_text_to_speech_scales_with_the_text_measured_from_recent_clips(self):
        user = UserFactory()
        now = timezone.now()
        make_clip(user, text="x" * 100, started_at=now - timedelta(seconds=10), finished_at=now)
        pending = make_clip(user, status="pending", text="y" * 500)

        assert estimates.seconds_for(pending) == pytest.approx(50)
        assert estimates.words(50) == "about 50 s" and estimates.words(3) == "a few seconds"
        assert estimates.words(200) == "about 3 min" and estimates.words(None) == ""

    def test_a_pending_row_shows_it(self, client):
        user = UserFactory()
        now = timezone.now()
        make_clip(user, text="x" * 100, started_at=now - timedelta(seconds=4), finished_at=now)
        make_clip(user, status="pending", text="y" * 500, started_at=now)
        client.force_login(user)

        assert "Generating… Takes about 20 s." in page(client)

    def test_without_measurements_there_is_no_estimate(self, db):
        assert estimates.seconds_for(make_clip(UserFactory(), status="pending")) is None


@pytest.mark.django_db
class TestPageText:
    def test_the_credits_badge_groups_thousands(self, client):
        client.force_login(UserFactory())

        assert '<span class="credits-value" data-credits>10,000</span>' in page(client)

    def test_voice_descriptions_are_plain_words_with_the_provenance_in_details(self, client):
        client.force_login(UserFactory())
        html = page(client)

        for voice in get_engine("styletts2").voices():
            assert "Praat" not in voice.description and "length_scale" not in voice.description
            assert voice.details
        assert "About this voice" in html and "Change gender" in html

    def test_the_text_has_no_maxlength_so_nothing_is_cut_silently(self, client):
        client.force_login(UserFactory())

        html = page(client)

        assert 'name="text"' in html and "maxlength" not in html.split('name="text"')[1].split(">")[0]

    def test_no_inline_styles_or_scripts_on_studio_pages(self, client):
        user = UserFactory()
        make_clip(user, status="failed")
        make_clip(user, status="pending")
        make_clip(user)
        client.force_login(user)

        for path in ("/app/text-to-speech/", "/app/voice-changer/", "/app/sound-effects/"):
            html = page(client, path)
            assert " style=" not in html and "<script>" not in html and " onclick=" not in html
            assert '<script type="module" src=' in html

    def test_the_dead_play_bar_is_hidden_until_a_clip_is_loaded(self, client):
        client.force_login(UserFactory())

        html = page(client)

        assert 'data-player aria-label="Player" role="region" hidden>' in html
        assert "press ▶ on a clip" not in html


@pytest.mark.django_db
class TestVoiceChangerPitch:
    def test_is_stored_shown_and_remembered(self, client):
        user = UserFactory(credits=1000)
        client.force_login(user)
        from django.core.files.uploadedfile import SimpleUploadedFile

        client.post("/app/voice-changer/", {"voice": "woman", "pitch": "-3",
                                            "audio": SimpleUploadedFile("take.wav", wav_bytes(1.0))})
        html = page(client, "/app/voice-changer/")

        clip = GeneratedAudioClip.objects.get(user=user)
        assert clip.params == {"source_name": "take.wav", "pitch": -3}
        assert "Pitch -3 semitones" in html and "take.wav → Woman" in html
        assert 'name="pitch" min="-12" max="12" step="1" value="-3"' in html

    def test_out_of_range_is_refused_before_charging(self, client):
        user = UserFactory(credits=1000)
        client.force_login(user)
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = client.post("/app/voice-changer/", {"voice": "woman", "pitch": "20",
                                                       "audio": SimpleUploadedFile("take.wav", wav_bytes(1.0))},
                               headers={"accept": "application/json"})

        assert response.status_code == 400 and "semitones from -12 to 12" in response.json()["error"]
        assert not GeneratedAudioClip.objects.exists()


@pytest.mark.django_db
def test_a_failure_reason_without_a_full_stop_still_reads_as_one_sentence(client):
    user = UserFactory()
    make_clip(user, status="failed", error="Praat could not convert this recording", cost=50)
    make_clip(user, status="failed", error="We could not find a voice in this recording.", cost=50)
    client.force_login(user)

    html = page(client)

    assert "Praat could not convert this recording. Your 50 credits were returned." in html
    assert "in this recording. Your 50 credits were returned." in html and ".." not in html


@pytest.mark.django_db
def test_without_javascript_a_rows_delete_asks_first(client):
    user = UserFactory()
    clip = make_clip(user, text="Keep me unless sure.")
    client.force_login(user)
    html = page(client)
    button = html.split('data-action="delete"')[0].rsplit("<button", 1)[1]

    asked = client.post('/app/text-to-speech/delete/', {"clip": clip.id})

    assert 'formaction="/app/text-to-speech/delete/" name="clip" value="%s"' % clip.id in button
    assert "Delete 1 clip?" in asked.content.decode() and "Keep me unless sure." in asked.content.decode()
    assert GeneratedAudioClip.objects.filter(pk=clip.pk).exists()
