"""Lockout per (username, client address): counted, refused even with the right password, unspoofable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings
from django.utils import timezone

from opensales.accounts.models import LoginFailure
from opensales.audit.models import AuditEvent

from .conftest import auth_events, password_login

pytestmark = pytest.mark.django_db

BAD = "wrong-password-123"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def fail(client: Client, times: int, username: str = "rep_sh1", **extra):
    for _ in range(times):
        response = password_login(client, username, BAD, **EN, **extra)
    return response


def test_fifth_failure_locks_and_the_right_password_is_then_refused(cast, client):
    response = fail(client, 4)
    assert response.context["form"].non_field_errors() == ["The username or password is incorrect."]
    response = fail(client, 1)
    assert response.context["form"].non_field_errors() == [
        "Too many failed sign-ins. Try again in 15 minutes."
    ]
    response = password_login(client, "rep_sh1", **EN)  # the right password
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert response.context["form"].non_field_errors() == [
        "Too many failed sign-ins. Try again in 15 minutes."
    ]
    assert auth_events() == [
        *[("auth.login_failed", "failure", "", "rep_sh1")] * 5,
        ("auth.locked_out", "denied", "", "rep_sh1"),
        ("auth.locked_out", "denied", "", "rep_sh1"),
    ]
    row = LoginFailure.objects.get()
    assert row.failures == 5  # attempts during the lock are not counted (and cannot extend it)


def test_locked_message_is_translated_and_counts_down(cast, client):
    fail(client, 5)
    LoginFailure.objects.update(locked_until=timezone.now() + timedelta(seconds=90))
    response = password_login(client, "rep_sh1")
    assert response.context["form"].non_field_errors() == ["登录失败次数过多，请在 2 分钟后重试。"]


def test_lockout_ignores_username_case(cast, client):
    fail(client, 5, "REP_SH1")
    response = password_login(client, "rep_sh1", **EN)
    assert response.context["form"].non_field_errors() == [
        "Too many failed sign-ins. Try again in 15 minutes."
    ]


def test_spoofed_forwarded_for_does_not_escape_the_lock(cast, client):
    fail(client, 5)
    response = password_login(client, "rep_sh1", HTTP_X_FORWARDED_FOR="203.0.113.9", **EN)
    assert response.context["form"].non_field_errors() == [
        "Too many failed sign-ins. Try again in 15 minutes."
    ]
    assert list(LoginFailure.objects.values_list("ip_address", flat=True)) == ["127.0.0.1"]


def test_spoofed_forwarded_for_does_not_spread_failures_across_buckets(cast, client):
    for i in range(5):
        password_login(client, "rep_sh1", BAD, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert list(LoginFailure.objects.values_list("ip_address", "failures")) == [("127.0.0.1", 5)]


@override_settings(OPENSALES_TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_forwarded_client_is_the_key(cast, client):
    fail(client, 5, HTTP_X_FORWARDED_FOR="203.0.113.9")
    other_client = password_login(Client(), "rep_sh1", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert other_client.status_code == 302  # a different real client is not locked
    # The client cannot escape by prepending its own entry: the proxy's (rightmost) one counts.
    response = password_login(client, "rep_sh1", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9", **EN)
    assert response.context["form"].non_field_errors() == [
        "Too many failed sign-ins. Try again in 15 minutes."
    ]


def test_other_address_and_other_user_are_not_locked(cast, client):
    fail(client, 5)
    assert password_login(Client(REMOTE_ADDR="192.0.2.7"), "rep_sh1").status_code == 302
    assert password_login(Client(), "rep_sh2").status_code == 302


def test_lock_ends_after_the_period_and_success_clears_the_count(cast, client):
    fail(client, 5)
    LoginFailure.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert password_login(client, "rep_sh1").status_code == 302
    assert LoginFailure.objects.count() == 0


def test_one_failure_after_an_expired_lock_starts_a_new_count(cast, client):
    fail(client, 5)
    LoginFailure.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    response = fail(client, 1)
    assert response.context["form"].non_field_errors() == ["The username or password is incorrect."]
    row = LoginFailure.objects.get()
    assert (row.failures, row.locked_until) == (1, None)


def test_failures_older_than_the_window_are_forgotten(cast, client):
    fail(client, 4)
    LoginFailure.objects.update(first_failure_at=timezone.now() - timedelta(minutes=16))
    response = fail(client, 1)
    assert response.context["form"].non_field_errors() == ["The username or password is incorrect."]
    assert LoginFailure.objects.get().failures == 1


@override_settings(OPENSALES_TRUSTED_PROXY_COUNT=1)
def test_a_malformed_forwarded_address_is_bucketed_not_a_crash(cast, client):
    response = password_login(client, "rep_sh1", BAD, HTTP_X_FORWARDED_FOR="not-an-address", **EN)
    assert response.status_code == 200
    # client_ip falls back to the proxy's own address (REMOTE_ADDR) when the header is garbage.
    assert list(LoginFailure.objects.values_list("ip_address", "failures")) == [("127.0.0.1", 1)]
    assert AuditEvent.objects.get(action="auth.login_failed").ip_address == "127.0.0.1"
