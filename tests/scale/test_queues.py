"""Per-service queues with real worker processes: `run_worker --queue-name <slug>` serves only
that service, and the number of workers on a queue is the most requests its GPU server gets
at once."""

from __future__ import annotations

import time

import pytest
from django_tasks_db.models import DBTaskResult

from audio.engines import registry
from audio.models import GeneratedAudioClip
from tests.factories import UserFactory, request_clip
from tests.support import API_KEY, EngineServer, run_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TTS = registry.TEXT_TO_SPEECH
SFX = registry.SOUND_EFFECTS


def status(clip) -> str:
    return GeneratedAudioClip.objects.get(pk=clip.pk).status


def task_of(clip) -> DBTaskResult:
    (task,) = [task for task in DBTaskResult.objects.all() if task.args_kwargs["args"] == [clip.pk]]
    return task


class TestQueuePerService:
    def test_a_worker_on_the_text_to_speech_queue_leaves_sound_effects_alone(self, tmp_path):
        user = UserFactory(credits=10000)
        speech = request_clip(user, TTS.id, text="Only this queue.", voice="andreas")
        effect = request_clip(user, SFX.id, prompt="rain", duration="1")
        tts_worker = run_worker(tmp_path / "tts.log", queue=TTS.slug)
        try:
            wait_for(lambda: status(speech) == "done", timeout=120, what="the speech clip")
            time.sleep(1.5)  # 15 more polls of the queue at --interval 0.1
            effect_while_tts_only = (status(effect), task_of(effect).status)
            sfx_worker = run_worker(tmp_path / "sfx.log", queue=SFX.slug)
            try:
                wait_for(lambda: status(effect) == "done", timeout=120, what="the effect clip")
            finally:
                sfx_worker.stop()
        finally:
            tts_worker.stop()

        assert task_of(speech).queue_name == "text-to-speech" and task_of(effect).queue_name == "sound-effects"
        assert effect_while_tts_only == ("pending", "READY")
        assert task_of(effect).worker_ids != task_of(speech).worker_ids
        assert "queues=text-to-speech" in (tmp_path / "tts.log").read_text()

    def test_workers_on_a_queue_cap_the_requests_its_gpu_server_gets_at_once(self, tmp_path, settings):
        settings.CLIP_RATE_LIMIT_PER_MINUTE = 100
        gpu = EngineServer(TTS.id, delay=0.6)
        route = {TTS.route_setting: gpu.url, "BACKEND_API_KEY": API_KEY}
        user = UserFactory(credits=10000)
        clips = [request_clip(user, TTS.id, text=f"Sentence {n}.", voice="andreas") for n in range(6)]
        workers = [run_worker(tmp_path / f"tts{n}.log", queue=TTS.slug, **route) for n in range(2)]
        workers.append(run_worker(tmp_path / "others.log", queue=f"{SFX.slug},{registry.VOICE_CHANGER.slug}", **route))
        try:
            wait_for(lambda: all(status(clip) == "done" for clip in clips), timeout=180, what="six clips")
        finally:
            for worker in workers:
                worker.stop()
            gpu.close()

        assert gpu.posts == 6
        assert gpu.max_active == 2
        ran_by = {worker_id for clip in clips for worker_id in task_of(clip).worker_ids}
        assert len(ran_by) == 2
