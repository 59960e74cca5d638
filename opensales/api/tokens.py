"""Token endpoints: make a token with the password (and the authenticator code), list and revoke one's own.

POST /auth/tokens follows the sign-in page rule for rule: the lockout of opensales.accounts.lockout
counts every wrong password or code and refuses a locked (username, address) pair even with the right
password; a user with a confirmed authenticator must send the current code ("otp"); a user whose role
requires two-factor sign-in but who has no authenticator yet must set it up in the web app first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.contrib.auth import authenticate
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from ninja import Field, Query, Router, Schema, Status

from opensales.accounts import events, lockout
from opensales.accounts.forms import LoginForm
from opensales.accounts.services import confirmed_device
from opensales.accounts.twofactor import user_requires_2fa

from . import services
from .errors import ApiError, ErrorOut
from .models import ApiToken
from .pagination import PageParams, page_of, paginate
from .throttling import AddressRateThrottle

router = Router(tags=["auth"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class TokenCreateIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=4096)
    otp: str | None = Field(
        None,
        pattern=r"^\d{6}$",
        description="The current code of the authenticator app, if the user has one.",
    )
    name: str = Field("", max_length=100, description="A label for the token; default “API token”.")
    scope: Literal["read", "read_write"] = Field(
        "read", description="read: GET only; read_write: everything."
    )
    expires_at: datetime | None = Field(None, description="When the token stops working; default never.")


class TokenOut(Schema):
    id: int
    name: str
    scope: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    is_active: bool


class TokenCreatedOut(Schema):
    token: str = Field(..., description="The secret. Shown only in this answer: store it now.")
    id: int
    name: str
    scope: str
    prefix: str
    expires_at: datetime | None


def token_out(token: ApiToken) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "scope": token.scope,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "is_active": token.is_active,
    }


def _locked(request, username: str) -> ApiError:
    minutes = lockout.minutes_left(username, request)
    return ApiError(
        429,
        "locked_out",
        LoginForm.error_messages["locked_out"] % {"minutes": minutes},
        headers={"Retry-After": str(minutes * 60)},
    )


def _failed(request, username: str, factor: str, error: ApiError) -> ApiError:
    """Count a wrong password or code against the lockout; the failure that locks answers 429."""
    events.login_failed(request, username, factor=factor)
    if lockout.register_failure(username, request):
        events.locked_out(request, username)
        return _locked(request, username)
    return error


def _check_code(device: TOTPDevice, code: str) -> tuple[bool, bool]:
    """(allowed, verified), under a row lock so that one code cannot be spent twice (as accounts.totp)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _info = device.verify_is_allowed()
        return allowed, allowed and device.verify_token(code)


@router.post(
    "/tokens",
    auth=None,
    throttle=[AddressRateThrottle()],
    response={201: TokenCreatedOut, **ERRORS},
    summary="Create a personal access token",
)
def create_token(request, payload: TokenCreateIn):
    """Exchange a username and password (and the authenticator code, when the user has one) for a token.

    The secret is in the answer once and never again. Wrong passwords and codes count towards the
    sign-in lockout; a locked pair answers 429.
    """
    username = payload.username
    if lockout.is_locked(username, request):
        events.locked_out(request, username)
        raise _locked(request, username)
    user = authenticate(request, username=username, password=payload.password)
    if getattr(request, "opensales_locked_out", False):
        events.locked_out(request, username)
        raise _locked(request, username)
    if user is None:
        raise _failed(
            request,
            username,
            "password",
            ApiError(401, "invalid_credentials", LoginForm.error_messages["invalid_login"]),
        )
    factors = ["password"]
    device = confirmed_device(user)
    if device is not None:
        if not payload.otp:
            raise ApiError(
                401,
                "otp_required",
                _("Enter the 6-digit code from your authenticator app."),
                {"otp": [_("This field is required.")]},
            )
        allowed, verified = _check_code(device, payload.otp)
        if not verified:
            message = (
                _("The code is incorrect.")
                if allowed
                else _("Too many wrong codes. Wait a minute and try again.")
            )
            raise _failed(
                request, username, "totp", ApiError(401, "invalid_otp", message, {"otp": [message]})
            )
        factors.append("totp")
    elif user_requires_2fa(user):
        raise ApiError(
            403,
            "two_factor_setup_required",
            _("Your role requires two-factor sign-in. Set it up in the web app before creating API tokens."),
        )
    lockout.clear(username, request)
    token, secret = services.token_create(
        actor=user,
        user=user,
        name=payload.name or _("API token"),
        scope=payload.scope,
        expires_at=payload.expires_at,
        factors=factors,
    )
    return Status(
        201,
        {
            "token": secret,
            "id": token.pk,
            "name": token.name,
            "scope": token.scope,
            "prefix": token.prefix,
            "expires_at": token.expires_at,
        },
    )


@router.get("/tokens", response={200: page_of(TokenOut), **ERRORS}, summary="List my tokens")
def list_tokens(request, page: Query[PageParams]):
    """Your own tokens, newest first, including revoked and expired ones (see `is_active`)."""
    qs = ApiToken.objects.filter(user=request.auth).order_by("-created_at", "-id")
    return paginate(qs, page, token_out)


@router.delete("/tokens/{id}", response={204: None, 404: ErrorOut, **ERRORS}, summary="Revoke a token")
def revoke_token(request, id: int):
    """Revoke one of your tokens; it stops working at once. Revoking a revoked token changes nothing."""
    token = get_object_or_404(ApiToken, pk=id, user=request.auth)
    services.token_revoke(actor=request.auth, token=token)
    return Status(204, None)
