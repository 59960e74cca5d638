from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import lockout


class LoginForm(AuthenticationForm):
    """Sign-in with the lockout: a locked pair gets the same answer whatever the password."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or password is incorrect."),
        "locked_out": _("Too many failed sign-ins. Try again in %(minutes)s minutes."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(self.request, username=username, password=password)
            if getattr(self.request, "opensales_locked_out", False):
                from django.conf import settings

                raise forms.ValidationError(
                    self.error_messages["locked_out"],
                    code="locked_out",
                    params={"minutes": settings.OPENSALES_LOCKOUT_PERIOD // 60},
                )
            if self.user_cache is None:
                lockout.register_failure(username, self.request)
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
