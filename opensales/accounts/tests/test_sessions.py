"""Session lifetime (idle and absolute timeouts) and ending every session of a user."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings

from opensales.accounts import session_times
from opensales.audit.models import AuditEvent
from opensales.org import services as org_services

from .conftest import PASSWORD, auth_events, password_login

pytestmark = pytest.mark.django_db

HOME = "/"
LOGIN_REDIRECT = "/accounts/login/?next=/"


def test_login_stamps_both_clocks(cast, client, clock):
    password_login(client, "rep_sh1")
    assert client.session[session_times.LOGIN_AT] == clock.now
    assert client.session[session_times.LAST_SEEN] == clock.now


def test_idle_timeout_defaults_to_30_minutes(settings):
    assert settings.OPENSALES_IDLE_TIMEOUT == 30 * 60
    assert settings.OPENSALES_ABSOLUTE_TIMEOUT == 12 * 3600


def test_idle_session_expires_after_the_idle_timeout(cast, login, clock):
    client = login(cast["rep_sh1"])
    clock.advance(30 * 60)  # exactly the limit: still fine
    assert client.get(HOME).status_code == 200
    clock.advance(30 * 60 + 1)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == LOGIN_REDIRECT
    assert SESSION_KEY not in client.session
    assert auth_events()[-1] == ("auth.logout", "success", "rep_sh1", "张伟")
    assert AuditEvent.objects.get(action="auth.logout").changes == {"reason": "idle_timeout"}


def test_activity_keeps_the_session_alive_until_the_absolute_timeout(cast, login, clock):
    client = login(cast["rep_sh1"])
    for _ in range(24):  # a request every 29 minutes for 11.6 hours
        clock.advance(29 * 60)
        assert client.get(HOME).status_code == 200
    clock.advance(25 * 60)  # 12 h 01 min after sign-in, only 25 min idle
    response = client.get(HOME)
    assert response["Location"] == LOGIN_REDIRECT
    assert AuditEvent.objects.get(action="auth.logout").changes == {"reason": "absolute_timeout"}


def test_last_seen_is_written_at_most_once_a_minute(cast, login, clock):
    client = login(cast["rep_sh1"])
    start = clock.now
    clock.advance(30)
    client.get(HOME)
    assert client.session[session_times.LAST_SEEN] == start
    clock.advance(30)
    client.get(HOME)
    assert client.session[session_times.LAST_SEEN] == start + 60


@override_settings(OPENSALES_IDLE_TIMEOUT=60)
def test_the_idle_limit_comes_from_settings(cast, login, clock):
    client = login(cast["rep_sh1"])
    clock.advance(61)
    assert client.get(HOME)["Location"] == LOGIN_REDIRECT


def test_expired_session_sees_a_translated_notice_on_the_login_page(cast, login, clock):
    client = login(cast["rep_sh1"])
    clock.advance(31 * 60)
    response = client.get(HOME, follow=True)
    assert response.redirect_chain == [(LOGIN_REDIRECT, 302)]
    assert (
        '<div class="alert alert-info" role="alert" data-testid="session-expired">您的会话已过期，请重新登录。</div>'
        in (response.content.decode())
    )
    # Shown once.
    assert 'data-testid="session-expired"' not in client.get("/accounts/login/").content.decode()


def _two_clients(user) -> tuple[Client, Client]:
    first, second = Client(), Client()
    assert password_login(first, user.username).status_code == 302
    assert password_login(second, user.username).status_code == 302
    assert first.get(HOME).status_code == 200
    assert second.get(HOME).status_code == 200
    return first, second


def test_deactivation_ends_every_session(cast):
    user = cast["rep_sh1"]
    first, second = _two_clients(user)
    org_services.user_set_active(actor=cast["admin"], user=user, active=False)
    assert first.get(HOME)["Location"] == LOGIN_REDIRECT
    assert second.get(HOME)["Location"] == LOGIN_REDIRECT


def test_admin_password_reset_ends_every_session(cast):
    user = cast["rep_sh1"]
    first, second = _two_clients(user)
    org_services.user_reset_password(actor=cast["admin"], user=user, new_password="Zq7-harbour-lantern")
    assert first.get(HOME)["Location"] == LOGIN_REDIRECT
    assert second.get(HOME)["Location"] == LOGIN_REDIRECT


def test_own_password_change_keeps_this_session_and_ends_the_others(cast):
    user = cast["rep_sh1"]
    current, other = _two_clients(user)
    old_key = current.cookies["sessionid"].value
    response = current.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Zq7-harbour-lantern",
            "new_password2": "Zq7-harbour-lantern",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert current.cookies["sessionid"].value != old_key  # a new key after the change
    assert current.get(HOME).status_code == 200
    assert other.get(HOME)["Location"] == LOGIN_REDIRECT
    user.refresh_from_db()
    assert user.check_password("Zq7-harbour-lantern")
    assert [e[0] for e in auth_events()] == ["auth.login", "auth.login", "auth.password_change"]


def test_background_polling_does_not_keep_an_idle_session_alive(cast, client, monkeypatch):
    from opensales.accounts import session_times

    start = 1_800_000_000.0
    monkeypatch.setattr(session_times, "now", lambda: start)
    client.force_login(cast["rep_sh1"])
    assert client.get("/").status_code == 200
    # Polls every minute for 31 minutes, with no real activity.
    for minute in range(1, 32):
        monkeypatch.setattr(session_times, "now", lambda m=minute: start + m * 60)
        client.get("/notifications/count/", HTTP_X_OPENSALES_BACKGROUND="1")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
