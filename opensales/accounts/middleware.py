"""Session lifetime and the two-factor requirement, checked on every request."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django_otp import user_has_device

from . import events, session_times
from .twofactor import user_requires_2fa

BACKGROUND_HEADER = "X-OpenSales-Background"


class SessionTimeoutMiddleware:
    """End a session after OPENSALES_IDLE_TIMEOUT of inactivity or OPENSALES_ABSOLUTE_TIMEOUT in all.

    The sign-in time is stamped by the user_logged_in receiver (signals.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = session_times.now()
            reason = session_times.expiry_reason(request.session, now)
            if reason is not None:
                events.logout(request, request.user, reason=reason)
                logout(request)
                # MessageMiddleware runs after this one, so the login page reads this flag instead.
                request.session[session_times.EXPIRED_FLAG] = True
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect_to_login(request.get_full_path())
            # A page's own background polling (the notification count) is not activity: it must not keep
            # an unattended tab signed in past the idle timeout.
            if request.headers.get(BACKGROUND_HEADER) != "1":
                session_times.touch(request.session, now)
        return self.get_response(request)


class TwoFactorEnforcementMiddleware:
    """A user whose role requires two-factor sign-in may do nothing else until it is set up and used.

    Decided in process_view, after URL resolution, so unknown paths fall through to a plain 404.
    Costs no query unless OPENSALES_ENFORCE_ROLE_2FA is on and the session is not yet verified.
    """

    ALLOWED_URL_NAMES = {
        "accounts:totp_setup",
        "accounts:totp_confirm",
        "accounts:totp_verify",
        "accounts:logout",
        "set_language",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.OPENSALES_ENFORCE_ROLE_2FA:
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match.view_name in self.ALLOWED_URL_NAMES:
            return None
        if not user_requires_2fa(user):
            return None
        if request.path.startswith("/api/"):
            return HttpResponseForbidden()
        return redirect("accounts:totp_verify" if user_has_device(user) else "accounts:totp_setup")
