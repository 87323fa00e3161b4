from django.urls import path

from audio import views
from audio.engines import registry

app_name = "audio"

urlpatterns = [
    *[
        path(f"{spec.slug}/", views.studio, {"service": spec.id}, name=spec.slug.replace("-", "_"))
        for spec in registry.SERVICES
    ],
    *[
        path(f"{spec.slug}/delete/", views.clips_bulk_delete, {"service": spec.id},
             name=f"{spec.slug.replace('-', '_')}_delete")
        for spec in registry.SERVICES
    ],
    path("clips/<str:clip_id>/", views.clip_status, name="clip_status"),
    path("clips/<str:clip_id>/audio/", views.clip_audio, name="clip_audio"),
    path("clips/<str:clip_id>/stream/", views.clip_stream, name="clip_stream"),
    path("clips/<str:clip_id>/delete/", views.clip_delete, name="clip_delete"),
    path("clips/<str:clip_id>/cancel/", views.clip_cancel, name="clip_cancel"),
    path("clips/<str:clip_id>/regenerate/", views.clip_regenerate, name="clip_regenerate"),
    path("voices/<str:service>/<str:voice>/preview/", views.voice_preview, name="voice_preview"),
]
