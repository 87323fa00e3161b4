from django.tasks import task

from audio import services


@task()
def generate_clip(clip_id: str) -> None:
    services.clip_generate(clip_id=clip_id)


@task()
def reap_stuck_clips() -> int:
    return services.clips_reap_stuck()
