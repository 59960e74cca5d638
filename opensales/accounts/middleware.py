"""Session lifetime and the two-factor requirement, checked on every request."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import resolve, reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

SESSION_LOGIN_AT = "opensales_login_at"
SESSION_LAST_SEEN = "opensales_last_seen"
# Writing the session on every request would cost a write per page; a minute of slack is harmless.
LAST_SEEN_GRANULARITY = 60


class SessionTimeoutMiddleware:
    """End a session after OPENSALES_IDLE_TIMEOUT of inactivity or OPENSALES_ABSOLUTE_TIMEOUT in all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            login_at = session.setdefault(SESSION_LOGIN_AT, now)
            last_seen = session.get(SESSION_LAST_SEEN, now)
            idle = now - last_seen > settings.OPENSALES_IDLE_TIMEOUT
            expired = now - login_at > settings.OPENSALES_ABSOLUTE_TIMEOUT
            if idle or expired:
                logout(request)
                messages.info(request, _("Your session has expired. Please sign in again."))
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            if now - last_seen >= LAST_SEEN_GRANULARITY or SESSION_LAST_SEEN not in session:
                session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


def user_requires_2fa(user) -> bool:
    if not settings.OPENSALES_ENFORCE_ROLE_2FA or not user.is_authenticated:
        return False
    return user.roles.filter(requires_2fa=True, is_active=True).exists()


class TwoFactorEnforcementMiddleware:
    """A user whose role requires two-factor sign-in may do nothing else until it is set up and used."""

    ALLOWED_URL_NAMES = {"accounts:totp_setup", "accounts:totp_verify", "accounts:logout", "set_language"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and user_requires_2fa(user):
            match = resolve(request.path_info)
            if match.view_name not in self.ALLOWED_URL_NAMES and not request.path.startswith(
                settings.STATIC_URL
            ):
                target = "accounts:totp_verify" if user_has_device(user) else "accounts:totp_setup"
                return redirect(reverse(target))
        return self.get_response(request)
