"""The "API tokens" page (every signed-in user, for their own tokens) and the URL-level JSON errors."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from . import services
from .errors import error_response
from .forms import TokenForm
from .models import ApiToken

# --- The page -------------------------------------------------------------------------------------


def _page(request, form, secret: str | None = None, created: ApiToken | None = None, status: int = 200):
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-id")
    response = render(
        request,
        "api/token_list.html",
        {"form": form, "tokens": tokens, "secret": secret, "created": created},
        status=status,
    )
    if secret:
        # The secret is in this answer only: no cache may keep it.
        response["Cache-Control"] = "no-store"
    return response


@require_safe
def token_list(request):
    return _page(request, TokenForm(request.user))


@require_POST
def token_create(request):
    form = TokenForm(request.user, request.POST)
    if not form.is_valid():
        return _page(request, form)
    token, secret = services.token_create(
        actor=request.user,
        user=request.user,
        name=form.cleaned_data["name"],
        scope=form.cleaned_data["scope"],
        expires_at=form.expires_at(),
        factors=["session", "password"],
    )
    # Rendered, not redirected: the secret must not be parked in the session to survive a redirect.
    return _page(request, TokenForm(request.user), secret=secret, created=token)


@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("api_tokens:list")


# --- JSON errors for what Ninja does not answer itself ---------------------------------------------


def api_view(view):
    """Wrap a Ninja URL callback: exempt from LoginRequiredMiddleware (the API authenticates itself and
    answers 401, never a redirect) and turn the URL-level 404 and 405 into the error shape."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return not_found(request)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error_response(405, "method_not_allowed", _("This method is not allowed here."))
            response["Allow"] = allowed
        return response

    wrapped.login_required = False
    wrapped.csrf_exempt = True  # Ninja checks CSRF itself, for session writes only (auth.SessionAuth)
    return wrapped


@csrf_exempt
@login_not_required
def not_found(request, *args, **kwargs):
    return error_response(404, "not_found", _("Not found."))
