"""Authentication: Django's model backend behind the per-(username, address) lockout."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from . import lockout


class OpenSalesBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        # Checked before the password, so a locked pair is refused even with the right password and
        # the caller can tell "locked" from "wrong" through the request flag.
        if request is not None and username and lockout.is_locked(username, request):
            request.opensales_locked_out = True
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def has_perm(self, user_obj, perm, obj=None):
        # Business permissions are decided by roles and the data scope (opensales.core.scope),
        # never by Django's per-user permission table.
        return bool(user_obj.is_active and user_obj.is_superuser)
