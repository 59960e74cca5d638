"""Roles that require two-factor sign-in, enforced only where OPENSALES_ENFORCE_ROLE_2FA is on."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from .conftest import code_for, make_device, password_login

pytestmark = pytest.mark.django_db

ENFORCE = override_settings(OPENSALES_ENFORCE_ROLE_2FA=True)
SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/verify/"


def test_not_enforced_by_default(cast, login, settings):
    assert settings.OPENSALES_ENFORCE_ROLE_2FA is False
    assert login(cast["admin"]).get("/").status_code == 200


@ENFORCE
@pytest.mark.parametrize("username", ["admin", "auditor"])
def test_a_required_user_without_a_device_must_set_one_up(cast, login, username):
    client = login(cast[username])
    response = client.get("/org/departments/")
    assert response.status_code == 302
    assert response["Location"] == SETUP
    setup = client.get(SETUP)
    assert setup.status_code == 200
    assert "您的角色要求两步验证" in setup.content.decode()
    # Signing out and switching language stay possible.
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert client.post("/accounts/logout/").status_code == 302


@ENFORCE
def test_a_required_user_with_a_device_signed_in_unverified_must_verify(cast, login):
    user = cast["admin"]
    device = make_device(user)
    client = login(user)  # a session that never gave a code
    assert client.get("/")["Location"] == VERIFY
    assert client.post(VERIFY, {"token": code_for(device)})["Location"] == "/"
    assert client.get("/").status_code == 200


@ENFORCE
def test_the_normal_two_step_sign_in_satisfies_the_requirement(cast):
    user = cast["auditor"]
    device = make_device(user)
    client = Client()
    password_login(client, "auditor")
    client.post(VERIFY, {"token": code_for(device)})
    assert client.get("/").status_code == 200


@ENFORCE
def test_roles_without_the_flag_are_not_affected(cast, login):
    assert login(cast["rep_sh1"]).get("/").status_code == 200


@ENFORCE
def test_an_inactive_role_does_not_require_it(cast, login):
    cast["auditor"].roles.update(is_active=False)
    assert login(cast["auditor"]).get("/").status_code == 200


@ENFORCE
def test_unknown_paths_are_a_plain_404_not_a_crash(cast, login):
    assert login(cast["admin"]).get("/no-such-page/").status_code == 404


@ENFORCE
def test_enrolment_under_enforcement_lets_the_user_in(cast, login):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = login(cast["admin"])
    client.get(SETUP)
    key = client.session["opensales_totp_setup_key"]
    client.post("/accounts/two-factor/confirm/", {"token": code_for(TOTPDevice(key=key))})
    assert client.get("/").status_code == 200
