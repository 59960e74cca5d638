"""Password rules: Django's validators plus the common Chinese passwords; the change form."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings

from opensales.accounts.validators import ChineseCommonPasswordValidator, common_passwords

from .conftest import PASSWORD, auth_events

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "password",
    ["woaini1314520", "WoAiNi1314520", " zhang123456 ", "ｗｏａｉｎｉ１３１４５２０", "1qaz2wsx3edc"],
)
def test_common_chinese_passwords_are_rejected(password):
    with pytest.raises(ValidationError) as caught:
        ChineseCommonPasswordValidator().validate(password)
    assert caught.value.error_list[0].code == "password_too_common"


def test_an_uncommon_password_passes():
    assert ChineseCommonPasswordValidator().validate("Zq7-harbour-lantern") is None


def test_comment_lines_are_not_passwords():
    assert all(not p.startswith("#") for p in common_passwords())
    assert len(common_passwords()) > 150


@override_settings(LANGUAGE_CODE="en")
def test_the_configured_validators_all_apply(cast):
    user = cast["rep_sh1"]
    with pytest.raises(ValidationError) as caught:
        validate_password("5201314", user)
    codes = {e.code for e in caught.value.error_list}
    assert codes == {"password_too_short", "password_too_common", "password_entirely_numeric"}


def test_password_change_rejects_a_common_password_and_a_wrong_old_one(cast, login):
    client = login(cast["rep_sh1"])
    response = client.post(
        "/accounts/password/",
        {"old_password": "not-it", "new_password1": "woaini1314520", "new_password2": "woaini1314520"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["old_password"] == [
        "Your old password was entered incorrectly. Please enter it again."
    ]
    assert "This password is too common." in form.errors["new_password2"]
    cast["rep_sh1"].refresh_from_db()
    assert cast["rep_sh1"].check_password(PASSWORD)
    assert auth_events() == []


def test_password_change_page_renders_styled_fields(cast, login):
    content = login(cast["rep_sh1"]).get("/accounts/password/").content.decode()
    assert 'class="form-control"' in content
    assert 'name="new_password1"' in content
