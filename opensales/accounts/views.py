"""Sign-in (password step), sign-out and password change. The code step is in totp.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from . import events, lockout, services, session_times, twofactor
from .forms import LoginForm, PasswordChangeForm


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if services.confirmed_device(user) is not None:
            # Password right, second factor still owed: not signed in yet (see twofactor.py).
            # The lockout count stays until the code is right, so the codes are guessed against it.
            twofactor.begin(self.request, user, backend=user.backend, next_url=self.get_success_url())
            return redirect("accounts:totp_verify")
        lockout.clear(user.get_username(), self.request)
        response = super().form_valid(form)
        events.login(self.request, user, factors=["password"])
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Set by SessionTimeoutMiddleware, which runs before the messages framework is available.
        context["session_expired"] = self.request.session.pop(session_times.EXPIRED_FLAG, False)
        return context


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or an <img> must not be able to sign anyone out."""

    http_method_names = ["post", "options"]

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            events.logout(request, request.user)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Ends every other session of the user (new security stamp) and keeps this one."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("core:home")

    def form_valid(self, form):
        user = form.user
        services.password_change(user=user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password has been changed. Other sessions were signed out."))
        return redirect(self.get_success_url())


@login_not_required
def switch_language(request):
    """Django's language switch (cookie), and for a signed-in user the saved preference as well."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.language_change(user=request.user, language=language)
    return response
