from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("sessions/<str:session_id>/end/", views.session_end, name="session_end"),
    path("sessions/end-others/", views.session_end_others, name="session_end_others"),
    path("api-keys/", views.api_key_create, name="api_key_create"),
    path("api-keys/<str:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
