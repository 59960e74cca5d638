"""Two-factor sign-in: enrolment, the two-step login, turning it off, the administrator's reset."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from opensales.accounts import services, twofactor
from opensales.accounts.models import LoginFailure
from opensales.audit.models import AuditEvent

from .conftest import PASSWORD, auth_events, code_for, make_device, password_login, wrong_code

pytestmark = pytest.mark.django_db

SETUP = "/accounts/two-factor/setup/"
CONFIRM = "/accounts/two-factor/confirm/"
DISABLE = "/accounts/two-factor/disable/"
VERIFY = "/accounts/two-factor/verify/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NO_THROTTLE = override_settings(OTP_TOTP_THROTTLE_FACTOR=0)


# --- Enrolment -------------------------------------------------------------------------------------


def _setup_secret(client: Client) -> tuple[str, str]:
    """GET the setup page; returns (its HTML, the secret key in hex as held in the session)."""
    response = client.get(SETUP)
    assert response.status_code == 200
    return response.content.decode(), client.session["opensales_totp_setup_key"]


def test_setup_page_shows_an_inline_qr_and_the_secret_and_saves_nothing(cast, login):
    client = login(cast["rep_sh1"])
    html, key = _setup_secret(client)
    assert TOTPDevice.objects.count() == 0  # GET changes no data
    qr = re.search(r'<div class="col-auto" data-testid="totp-qr">(<svg .*?</svg>)</div>', html, re.S)
    assert qr is not None
    assert 'role="img"' in qr.group(1)
    candidate = TOTPDevice(key=key)
    from base64 import b32encode

    secret = b32encode(candidate.bin_key).decode()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert f'data-testid="totp-secret">{grouped}</code>' in html
    _html_again, key_again = _setup_secret(client)
    assert key_again == key  # a reload shows the same secret


def test_a_wrong_code_does_not_enable(cast, login):
    client = login(cast["rep_sh1"])
    _html, key = _setup_secret(client)
    response = client.post(CONFIRM, {"token": wrong_code(TOTPDevice(key=key))}, **EN)
    assert response.status_code == 400
    assert response.context["token_form"].errors["token"] == [
        "The code is incorrect. Check the time on your phone and try again."
    ]
    assert TOTPDevice.objects.count() == 0
    assert auth_events() == []


def test_a_right_code_enables_verifies_this_session_and_ends_the_others(cast, login):
    user = cast["rep_sh1"]
    client, other = login(user), login(user)
    _html, key = _setup_secret(client)
    response = client.post(CONFIRM, {"token": code_for(TOTPDevice(key=key))})
    assert response.status_code == 302
    assert response["Location"] == SETUP
    device = TOTPDevice.objects.get()
    assert (device.user_id, device.key, device.confirmed) == (user.pk, key, True)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert "opensales_totp_setup_key" not in client.session
    assert client.get("/").status_code == 200
    assert other.get("/")["Location"] == "/accounts/login/?next=/"
    assert auth_events() == [("auth.totp_enabled", "success", "rep_sh1", "张伟")]
    page = client.get(SETUP).content.decode()
    assert 'data-testid="totp-status"' in page
    assert "<svg" not in page


def test_the_enrolment_code_cannot_be_replayed_to_sign_in(cast, login):
    user = cast["rep_sh1"]
    client = login(user)
    _html, key = _setup_secret(client)
    token = code_for(TOTPDevice(key=key))
    client.post(CONFIRM, {"token": token})
    fresh = Client()
    password_login(fresh, "rep_sh1")
    response = fresh.post(VERIFY, {"token": token}, **EN)
    assert response.status_code == 400
    assert SESSION_KEY not in fresh.session


# --- The two-step sign-in --------------------------------------------------------------------------


def test_password_alone_does_not_sign_in_a_user_with_a_device(cast, client):
    make_device(cast["rep_sh1"])
    response = password_login(client, "rep_sh1")
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert SESSION_KEY not in client.session
    assert client.get("/")["Location"] == "/accounts/login/?next=/"
    assert auth_events() == []
    assert client.get(VERIFY).status_code == 200


def test_the_right_code_completes_the_sign_in(cast, client):
    device = make_device(cast["rep_sh1"])
    password_login(client, "rep_sh1")
    pending_key = client.cookies["sessionid"].value
    response = client.post(VERIFY, {"token": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.cookies["sessionid"].value != pending_key
    assert client.session[SESSION_KEY] == str(cast["rep_sh1"].pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert twofactor.PENDING not in client.session
    assert client.get("/").status_code == 200
    assert auth_events() == [("auth.login", "success", "rep_sh1", "张伟")]
    assert AuditEvent.objects.get(action="auth.login").changes == {"factors": ["password", "totp"]}


def test_next_survives_the_code_step(cast, client):
    device = make_device(cast["rep_sh1"])
    client.post("/accounts/login/?next=/org/departments/", {"username": "rep_sh1", "password": PASSWORD})
    response = client.post(VERIFY, {"token": code_for(device)})
    assert response["Location"] == "/org/departments/"


@NO_THROTTLE
def test_a_wrong_code_is_refused_audited_and_counted(cast, client):
    device = make_device(cast["rep_sh1"])
    password_login(client, "rep_sh1")
    response = client.post(VERIFY, {"token": wrong_code(device)}, **EN)
    assert response.status_code == 400
    assert response.context["form"].errors["token"] == ["The code is incorrect."]
    assert SESSION_KEY not in client.session
    assert auth_events() == [("auth.login_failed", "failure", "", "rep_sh1")]
    assert AuditEvent.objects.get(action="auth.login_failed").changes == {"factor": "totp"}
    assert LoginFailure.objects.get().failures == 1
    # Still pending: the right code now works.
    assert client.post(VERIFY, {"token": code_for(device)})["Location"] == "/"


@NO_THROTTLE
def test_guessing_codes_runs_into_the_lockout(cast, client):
    device = make_device(cast["rep_sh1"])
    password_login(client, "rep_sh1")
    for _ in range(4):
        client.post(VERIFY, {"token": wrong_code(device)})
    response = client.post(VERIFY, {"token": wrong_code(device)}, **EN, follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "Too many failed sign-ins. Try again in 15 minutes." in response.content.decode()
    assert twofactor.PENDING not in client.session
    # Signing in again with the password is refused during the lock.
    response = password_login(client, "rep_sh1", **EN)
    assert response.context["form"].non_field_errors() == [
        "Too many failed sign-ins. Try again in 15 minutes."
    ]
    assert [e[0] for e in auth_events()] == ["auth.login_failed"] * 5 + ["auth.locked_out"] * 2


def test_device_throttling_gives_a_clear_message(cast, client):
    device = make_device(cast["rep_sh1"])
    password_login(client, "rep_sh1")
    client.post(VERIFY, {"token": wrong_code(device)})
    # Within the throttle delay even the right code is not checked.
    response = client.post(VERIFY, {"token": code_for(device)}, **EN)
    assert response.status_code == 400
    assert response.context["form"].errors["token"] == ["Too many wrong codes. Wait a minute and try again."]
    assert SESSION_KEY not in client.session


def test_a_malformed_code_is_a_form_error(cast, client):
    make_device(cast["rep_sh1"])
    password_login(client, "rep_sh1")
    response = client.post(VERIFY, {"token": "12ab56"}, **EN)
    assert response.context["form"].errors["token"] == ["Enter the 6-digit code from your authenticator app."]
    assert auth_events() == []


def test_the_half_sign_in_expires(cast, client, clock):
    device = make_device(cast["rep_sh1"])
    password_login(client, "rep_sh1")
    clock.advance(twofactor.PENDING_TTL + 1)
    response = client.post(VERIFY, {"token": code_for(device)})
    assert response["Location"] == "/accounts/login/"
    assert SESSION_KEY not in client.session


def test_verify_without_a_password_step_goes_to_login(cast, client):
    make_device(cast["rep_sh1"])
    response = client.get(VERIFY)
    assert response["Location"] == "/accounts/login/"


def test_a_signed_in_but_unverified_session_can_verify(cast, login):
    device = make_device(cast["rep_sh1"])
    client = login(cast["rep_sh1"])  # force_login: signed in, never verified
    response = client.post(f"{VERIFY}?next=/org/departments/", {"token": code_for(device)})
    assert response["Location"] == "/org/departments/"
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert auth_events() == [("auth.totp_verified", "success", "rep_sh1", "张伟")]


# --- Turning it off, the administrator's reset -----------------------------------------------------


def _verified_client(user, device) -> Client:
    client = Client()
    password_login(client, user.username)
    assert client.post(VERIFY, {"token": code_for(device)}).status_code == 302
    return client


def test_disable_requires_the_password(cast):
    user = cast["rep_sh1"]
    device = make_device(user)
    client = _verified_client(user, device)
    response = client.post(DISABLE, {"password": "not-it"}, **EN)
    assert response.status_code == 400
    assert response.context["disable_form"].errors["password"] == ["The password is incorrect."]
    assert TOTPDevice.objects.count() == 1
    response = client.post(DISABLE, {"password": PASSWORD})
    assert response["Location"] == SETUP
    assert TOTPDevice.objects.count() == 0
    assert auth_events()[-1] == ("auth.totp_disabled", "success", "rep_sh1", "张伟")
    # The next sign-in needs the password only.
    assert password_login(Client(), "rep_sh1")["Location"] == "/"


def test_disable_and_confirm_refuse_get(cast, login):
    client = login(cast["rep_sh1"])
    assert client.get(DISABLE).status_code == 405
    assert client.get(CONFIRM).status_code == 405


@override_settings(OPENSALES_ENFORCE_ROLE_2FA=True)
def test_a_role_that_requires_two_factor_cannot_turn_it_off(cast):
    user = cast["auditor"]
    device = make_device(user)
    client = _verified_client(user, device)
    response = client.post(DISABLE, {"password": PASSWORD}, follow=True, **EN)
    assert "Your role requires two-factor sign-in; it cannot be turned off." in response.content.decode()
    assert TOTPDevice.objects.count() == 1
    assert "auth.totp_disabled" not in [e[0] for e in auth_events()]


def test_totp_reset_removes_the_device_ends_sessions_and_is_audited(cast):
    user = cast["rep_sh1"]
    device = make_device(user)
    client = _verified_client(user, device)
    services.totp_reset(actor=cast["admin"], user=user)
    assert TOTPDevice.objects.count() == 0
    assert client.get("/")["Location"] == "/accounts/login/?next=/"
    assert auth_events()[-1] == ("auth.totp_reset", "success", "admin", "张伟")
    assert password_login(Client(), "rep_sh1")["Location"] == "/"
