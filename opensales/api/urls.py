"""Mounted at /api/v1/ by opensales/urls.py: the Ninja API and a JSON 404 for every other path under
the API, so clients never get an HTML page. (The "API tokens" page lives at /accounts/api-tokens/.)"""

from django.urls import path, re_path

from . import views
from .root import api


def _api_urls():
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = views.api_view(pattern.callback)
    return patterns, app_name, namespace


urlpatterns = [
    path("", _api_urls()),
    re_path(r"", views.not_found),
]
