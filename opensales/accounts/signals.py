"""Side concerns of signing in (no business flow here): start the session clocks.

A signal rather than a call in LoginView because every way of signing in (the password form, the
two-factor step, `Client.force_login` in tests, a future API session login) goes through
`django.contrib.auth.login`, and each must start the absolute timeout at that moment.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import session_times


@receiver(user_logged_in, dispatch_uid="opensales.accounts.stamp_login")
def stamp_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_times.stamp_login(request.session)
