"""Two-factor sign-in with TOTP (authenticator apps): enrolment, the code step, turning it off.

Enrolment keeps the candidate secret in the session, not in the database: GET changes no data,
and a device row exists only once a code proved the app holds the secret.
"""

from __future__ import annotations

from base64 import b32encode

import django_otp
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from . import events, lockout, services, twofactor
from .forms import LoginForm, PasswordConfirmForm, TokenForm
from .qr import qr_svg

SETUP_KEY = "opensales_totp_setup_key"


def _grouped(secret: str) -> str:
    """The base32 secret in groups of four, as authenticator apps print it for manual entry."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _setup_context(request, *, token_form=None, disable_form=None) -> dict:
    user = request.user
    device = services.confirmed_device(user)
    context = {
        "device": device,
        "required": twofactor.user_requires_2fa(user),
        "disable_form": disable_form or PasswordConfirmForm(user),
    }
    if device is None:
        key = request.session.get(SETUP_KEY)
        if key is None:
            key = request.session[SETUP_KEY] = default_key()
        candidate = TOTPDevice(user=user, key=key)
        secret = b32encode(candidate.bin_key).decode()
        context.update(
            qr=qr_svg(candidate.config_url, label=_("QR code for your authenticator app")),
            secret=_grouped(secret),
            token_form=token_form or TokenForm(),
        )
    return context


@require_http_methods(["GET"])
def setup(request):
    return render(request, "accounts/totp_setup.html", _setup_context(request))


@require_POST
def confirm(request):
    key = request.session.get(SETUP_KEY)
    if key is None or services.confirmed_device(request.user) is not None:
        return redirect("accounts:totp_setup")
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            device = services.totp_enable(user=request.user, key=key, token=form.cleaned_data["token"])
        except ValidationError as error:
            form.add_error("token", error)
        else:
            del request.session[SETUP_KEY]
            # The service rotated the security stamp (ending other sessions); keep this one, verified.
            update_session_auth_hash(request, request.user)
            django_otp.login(request, device)
            messages.success(request, _("Two-factor sign-in is on. Other sessions were signed out."))
            return redirect("accounts:totp_setup")
    context = _setup_context(request, token_form=form)
    return render(request, "accounts/totp_setup.html", context, status=400)


@require_POST
def disable(request):
    form = PasswordConfirmForm(request.user, request.POST)
    if form.is_valid():
        try:
            services.totp_disable(user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Two-factor sign-in is off."))
        return redirect("accounts:totp_setup")
    context = _setup_context(request, disable_form=form)
    return render(request, "accounts/totp_setup.html", context, status=400)


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url("core:home")


def _check_token(device: TOTPDevice, token: str) -> tuple[bool, bool]:
    """(allowed, verified). The row lock makes two requests unable to spend one code twice."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _info = device.verify_is_allowed()
        return allowed, allowed and device.verify_token(token)


def _locked_response(request, username: str):
    twofactor.clear(request)
    message = LoginForm.error_messages["locked_out"] % {"minutes": lockout.minutes_left(username, request)}
    messages.error(request, message)
    return redirect("accounts:login")


@login_not_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The code step: completes a pending sign-in, or verifies an already signed-in session."""
    if request.user.is_authenticated:
        if request.user.is_verified():
            return redirect(_safe_next(request, request.GET.get("next")))
        user, state = request.user, None
    else:
        found = twofactor.pending(request)
        if found is None:
            messages.info(request, _("Please sign in again."))
            return redirect("accounts:login")
        user, state = found
    device = services.confirmed_device(user)
    if device is None:
        # Removed by an administrator meanwhile: start over (the password alone will do now).
        twofactor.clear(request)
        return redirect("accounts:totp_setup" if state is None else "accounts:login")

    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = user.get_username()
        if state is not None and lockout.is_locked(username, request):
            events.locked_out(request, username)
            return _locked_response(request, username)
        allowed, verified = _check_token(device, form.cleaned_data["token"])
        if verified:
            return _signed_in(request, user, device, state)
        events.login_failed(request, username, factor="totp")
        if state is not None and lockout.register_failure(username, request):
            events.locked_out(request, username)
            return _locked_response(request, username)
        if allowed:
            form.add_error("token", _("The code is incorrect."))
        else:
            form.add_error("token", _("Too many wrong codes. Wait a minute and try again."))
    status = 400 if form.errors else 200
    return render(request, "accounts/totp_verify.html", {"form": form}, status=status)


def _signed_in(request, user, device, state):
    if state is None:
        django_otp.login(request, device)
        events.totp_verified(request, user)
        return redirect(_safe_next(request, request.GET.get("next")))
    twofactor.clear(request)
    auth_login(request, user, backend=state["backend"])  # new session key, stamps the clocks
    django_otp.login(request, device)
    lockout.clear(user.get_username(), request)
    events.login(request, user, factors=["password", "totp"])
    return redirect(_safe_next(request, state["next"]))
