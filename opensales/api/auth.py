"""Who is calling: a personal access token (`Authorization: Bearer osk_…`) or the browser session.

When an Authorization header is sent, only the token counts: a bad token is refused even if the
browser also holds a session. A session may write only with the CSRF token (header X-CSRFToken), as
every form of the UI; tokens are not sent by browsers on their own, so they need none. A read-only token
is refused on every unsafe method (403) before any endpoint runs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from opensales.accounts.lockout import checked_client_ip

from . import services
from .errors import ApiError
from .throttling import BadTokenThrottle

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_bad_tokens = BadTokenThrottle()


def _refuse_token(request: HttpRequest, secret: str, check: services.TokenCheck) -> None:
    if not _bad_tokens.allow_request(request):
        wait = _bad_tokens.wait()
        raise ApiError(
            429,
            "throttled",
            _("Too many requests. Wait a moment and try again."),
            headers={"Retry-After": str(wait)} if wait else None,
        )
    services.record_failed_auth(secret=secret, check=check, ip=checked_client_ip(request))
    raise ApiError(401, "invalid_token", _("The API token is not valid, or it expired or was revoked."))


def authenticate_bearer(request: HttpRequest) -> Any | None:
    """The user of a valid token in the Authorization header; None when no Bearer header was sent.

    Raises ApiError (401) for a token that does not work and (403) for a read-only token on a write.
    """
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    secret = secret.strip()
    check = services.check_secret(secret)
    if not check.ok:
        _refuse_token(request, secret, check)
    token = check.token
    if request.method not in SAFE_METHODS and not token.can_write:
        raise ApiError(403, "read_only_token", _("This API token may only read."))
    services.touch(token)
    user = token.user
    request.user = user
    request.api_token = token
    return user


class TokenAuth(HttpBearer):
    """Personal access token, sent as `Authorization: Bearer <token>`."""

    def __call__(self, request: HttpRequest) -> Any | None:
        if "Authorization" in request.headers and not request.headers["Authorization"].lower().startswith(
            "bearer "
        ):
            raise ApiError(401, "unauthenticated", _("Use “Authorization: Bearer <token>”."))
        return authenticate_bearer(request)

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:  # pragma: no cover - see __call__
        return authenticate_bearer(request)


class SessionAuth(APIKeyCookie):
    """The signed-in browser session (the UI's own cookie); writes need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any | None:
        if "Authorization" in request.headers:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise ApiError(
                403,
                "csrf_failed",
                _(
                    "The CSRF check failed. Send the X-CSRFToken header with the value of the csrftoken cookie."
                ),
            )
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:  # pragma: no cover
        return self(request)
