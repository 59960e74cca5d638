"""Sign-in, password and two-factor forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from opensales.core.forms import StyledFormMixin

from . import events, lockout


class LoginForm(AuthenticationForm):
    """Sign-in with the lockout: a locked pair gets the same answer whatever the password.

    Failures are counted and audited here, the one place that knows why a sign-in was refused.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or password is incorrect."),
        "locked_out": ngettext_lazy(
            "Too many failed sign-ins. Try again in %(minutes)d minute.",
            "Too many failed sign-ins. Try again in %(minutes)d minutes.",
            "minutes",
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(self.request, username=username, password=password)
            if getattr(self.request, "opensales_locked_out", False):
                events.locked_out(self.request, username)
                raise self.locked_out_error(username)
            if self.user_cache is None:
                events.login_failed(self.request, username, factor="password")
                if lockout.register_failure(username, self.request):
                    events.locked_out(self.request, username)
                    raise self.locked_out_error(username)
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def locked_out_error(self, username: str) -> forms.ValidationError:
        return forms.ValidationError(
            self.error_messages["locked_out"],
            code="locked_out",
            params={"minutes": lockout.minutes_left(username, self.request)},
        )


class PasswordChangeForm(StyledFormMixin, DjangoPasswordChangeForm):
    """Django's form (old password, new password twice, the validators); saving is the service's job."""

    def save(self, commit=True):
        # The service also rotates the security stamp and audits; a bare save would skip both.
        raise NotImplementedError("use opensales.accounts.services.password_change")


class TokenForm(StyledFormMixin, forms.Form):
    """A six-digit code from the authenticator app."""

    token = forms.CharField(
        label=_("Verification code"),
        max_length=10,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not token.isdigit() or len(token) != 6:
            raise forms.ValidationError(_("Enter the 6-digit code from your authenticator app."))
        return token


class PasswordConfirmForm(StyledFormMixin, forms.Form):
    """Asks for the current password before a security setting is weakened."""

    password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is incorrect."), code="password_incorrect")
        return password
