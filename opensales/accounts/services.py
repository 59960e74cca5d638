"""Writes to a user's own sign-in settings: password and two-factor devices. Atomic and audited.

Each one that should end the user's other sessions rotates `security_stamp`, which is part of
`User.get_session_auth_hash`; the caller keeps its own session with `update_session_auth_hash`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from opensales.audit.services import record

from . import events
from .twofactor import user_requires_2fa

DEVICE_NAME = "authenticator"


def _rotate_stamp(user: Any, *fields: str) -> None:
    user.rotate_security_stamp()
    user.save(update_fields=[*fields, "security_stamp"])


@transaction.atomic
def password_change(*, user: Any, new_password: str) -> None:
    """The user's own change (the old password was checked by the form, the validators ran there)."""
    user.set_password(new_password)
    _rotate_stamp(user, "password")
    record(action=events.PASSWORD_CHANGE, actor=user, obj=user)


@transaction.atomic
def language_change(*, user: Any, language: str) -> None:
    """The user's own choice of language, kept on the account so what is written for them later
    (notifications, e-mails, reminders from the worker) is in that language too."""
    if user.preferred_language == language:
        return
    before = user.preferred_language
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    record(
        action=events.LANGUAGE_CHANGE,
        actor=user,
        obj=user,
        changes={"preferred_language": [before, language]},
    )


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def token_matches_key(key: str, token: str) -> int | None:
    """The time step at which `token` is valid for the hex `key` (±1 step), or None."""
    device = TOTPDevice(key=key)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    if totp.verify(int(token), tolerance=device.tolerance):
        return totp.t()
    return None


@transaction.atomic
def totp_enable(*, user: Any, key: str, token: str) -> TOTPDevice:
    """Save a confirmed device once the user proved their app holds `key` by giving a current code.

    Other sessions end: whoever else is signed in as this user signed in without the second factor.
    """
    step = token_matches_key(key, token)
    if step is None:
        raise ValidationError(_("The code is incorrect. Check the time on your phone and try again."))
    TOTPDevice.objects.filter(user=user).delete()
    # last_t = the step just used, so the same code cannot also sign in.
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key, confirmed=True, last_t=step)
    _rotate_stamp(user)
    record(action=events.TOTP_ENABLED, actor=user, obj=user)
    return device


@transaction.atomic
def totp_disable(*, user: Any) -> None:
    """The user's own choice (the view asked for the password first), unless a role requires it."""
    if user_requires_2fa(user):
        raise ValidationError(_("Your role requires two-factor sign-in; it cannot be turned off."))
    deleted, _counts = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        record(action=events.TOTP_DISABLED, actor=user, obj=user)


@transaction.atomic
def totp_reset(*, actor: Any, user: Any) -> None:
    """An administrator removes a user's authenticator (lost phone) and ends the user's sessions.

    The user signs in with the password alone next time and, if a role requires it, must set up a
    new device before doing anything else.
    """
    TOTPDevice.objects.filter(user=user).delete()
    _rotate_stamp(user)
    record(action=events.TOTP_RESET, actor=actor, obj=user)
