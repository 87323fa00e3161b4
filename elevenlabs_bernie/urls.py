from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path

from accounts import views as account_views
from elevenlabs_bernie import views

handler500 = "elevenlabs_bernie.views.server_error"

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "ElevenLabs-Bernie operations"
admin.site.site_title = "ElevenLabs-Bernie admin"

urlpatterns = [
    path("", views.home, name="home"),
    re_path(r"^accounts/confirm-email/(?P<key>[-:\w]+)/$", account_views.confirm_email, name="account_confirm_email"),
    path("accounts/", include("allauth.urls")),
    path("app/account/", include("accounts.urls")),
    path("app/", include("audio.urls")),
    path("posts/", include("posts.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("source.tar.gz", views.source_archive, name="source_archive"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("", include("api.urls")),  # /v1/..., /v2/voices, /api/
]
