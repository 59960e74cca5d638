import re

import pytest

from opensales.core.timing import ServerTimingMiddleware

pytestmark = pytest.mark.django_db


def test_every_response_carries_the_app_duration(cast, login):
    response = login(cast["rep_sh1"]).get("/")
    assert response.status_code == 200
    assert re.fullmatch(r"app;dur=\d+\.\d", response["Server-Timing"])


def test_anonymous_redirects_are_timed_too(client):
    response = client.get("/customers/")
    assert response.status_code == 302
    assert response["Server-Timing"].startswith("app;dur=")


def test_an_existing_server_timing_entry_is_kept():
    from django.http import HttpResponse

    def view(request):
        response = HttpResponse("ok")
        response["Server-Timing"] = "db;dur=3"
        return response

    response = ServerTimingMiddleware(view)(object())
    assert re.fullmatch(r"db;dur=3, app;dur=\d+\.\d", response["Server-Timing"])


def test_it_is_the_first_middleware():
    from django.conf import settings

    assert settings.MIDDLEWARE[0] == "opensales.core.timing.ServerTimingMiddleware"
