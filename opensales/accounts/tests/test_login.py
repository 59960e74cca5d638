"""The password step, sign-out, and the audit events they write."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from opensales.accounts.models import LoginFailure
from opensales.audit.models import AuditEvent

from .conftest import PASSWORD, auth_events, password_login

pytestmark = pytest.mark.django_db


def test_login_signs_in_with_a_new_session_key_and_audits(cast, client):
    client.get("/accounts/login/")  # an anonymous session exists before the sign-in…
    client.session.save()
    before = client.cookies["sessionid"].value
    response = password_login(client, "rep_sh1")
    assert response.status_code == 302
    assert response["Location"] == "/"
    after = client.cookies["sessionid"].value
    assert after != before  # …and is replaced at sign-in (no session fixation)
    assert client.session[SESSION_KEY] == str(cast["rep_sh1"].pk)
    assert auth_events() == [("auth.login", "success", "rep_sh1", "张伟")]
    event = AuditEvent.objects.get(action="auth.login")
    assert event.changes == {"factors": ["password"]}
    assert event.ip_address == "127.0.0.1"


def test_login_follows_a_safe_next_and_ignores_another_host(cast, client):
    response = client.post(
        "/accounts/login/?next=/org/departments/", {"username": "rep_sh1", "password": PASSWORD}
    )
    assert response["Location"] == "/org/departments/"
    other = Client()
    response = other.post(
        "/accounts/login/?next=https://evil.example/", {"username": "rep_sh1", "password": PASSWORD}
    )
    assert response["Location"] == "/"


def test_wrong_password_is_refused_counted_and_audited_without_the_password(cast, client):
    response = password_login(client, "rep_sh1", "wrong-password-123", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert response.context["form"].non_field_errors() == ["The username or password is incorrect."]
    assert auth_events() == [("auth.login_failed", "failure", "", "rep_sh1")]
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.changes == {"factor": "password"}
    assert event.actor_id is None
    assert "wrong-password-123" not in str(AuditEvent.objects.values().get(pk=event.pk))
    row = LoginFailure.objects.get()
    assert (row.username, row.ip_address, row.failures) == ("rep_sh1", "127.0.0.1", 1)


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(cast, client):
    response = password_login(client, "nobody", "wrong-password-123", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["form"].non_field_errors() == ["The username or password is incorrect."]
    assert auth_events() == [("auth.login_failed", "failure", "", "nobody")]


def test_inactive_user_cannot_sign_in(cast, client):
    user = cast["rep_sh2"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = password_login(client, "rep_sh2", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert response.context["form"].non_field_errors() == ["The username or password is incorrect."]


def test_login_page_get_changes_nothing(cast, client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert LoginFailure.objects.count() == 0
    assert auth_events() == []


def test_login_page_is_translated(cast, client):
    assert "登录您的账户" in client.get("/accounts/login/").content.decode()
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "登录您的账户" not in english
    assert "Sign in to your account" in english


def test_logout_by_get_is_refused_and_keeps_the_session(cast, login):
    client = login(cast["rep_sh1"])
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200
    assert auth_events() == []


def test_logout_by_post_ends_the_session_and_audits(cast, login):
    client = login(cast["rep_sh1"])
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert SESSION_KEY not in client.session
    assert client.get("/")["Location"] == "/accounts/login/?next=/"
    assert auth_events() == [("auth.logout", "success", "rep_sh1", "张伟")]
    assert AuditEvent.objects.get(action="auth.logout").changes == {"reason": "user"}


def test_signed_in_user_visiting_login_goes_home(cast, login):
    response = login(cast["rep_sh1"]).get("/accounts/login/")
    assert response.status_code == 302
    assert response["Location"] == "/"
