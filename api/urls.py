from django.urls import path, re_path

from api import pages
from api.main import api

urlpatterns = [
    path("", api.urls),
    re_path(r"^v[12]/", pages.not_found),  # anything else under /v1/ and /v2/: a JSON 404
    path("api/", pages.docs, name="api_docs"),
]
