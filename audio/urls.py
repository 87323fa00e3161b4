from django.urls import path

from audio import views

app_name = "audio"

urlpatterns = [
    path("text-to-speech/", views.text_to_speech, name="text_to_speech"),
    path("voice-changer/", views.voice_changer, name="voice_changer"),
    path("sound-effects/", views.sound_effects, name="sound_effects"),
    path("clips/<str:clip_id>/", views.clip_status, name="clip_status"),
    path("clips/<str:clip_id>/audio/", views.clip_audio, name="clip_audio"),
    path("clips/<str:clip_id>/delete/", views.clip_delete, name="clip_delete"),
    path("voices/<str:service>/<str:voice>/preview/", views.voice_preview, name="voice_preview"),
]
