from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("sessions/<str:session_id>/end/", views.session_end, name="session_end"),
    path("sessions/end-others/", views.session_end_others, name="session_end_others"),
]
