"""The Ninja root: authentication, throttling, the error shape, the docs, and each app's router.

A business app exposes `router` in its `api.py`; it is mounted here at the root, so resources are plural
nouns directly under /api/v1/ whatever app holds them (docs/api.md).
"""

from __future__ import annotations

from functools import wraps
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase
from ninja.renderers import JSONRenderer

from . import errors
from .auth import SessionAuth, TokenAuth, authenticate_bearer
from .throttling import UserRateThrottle

DESCRIPTION = """\
The OpenSales REST API. Sign in with the browser session (writes need the `X-CSRFToken` header) or send a
personal access token as `Authorization: Bearer <token>` (create one with `POST /api/v1/auth/tokens` or on
the “API tokens” page). Every endpoint applies the same roles and data scope as the web pages: records
outside your scope answer 404. Errors always have the shape `{"code", "message", "fields"}`.
See docs/api.md for the full guide.
"""


class OpenSalesAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        # Short, stable ids ("list_users"); the view functions are named uniquely across routers.
        return operation.view_func.__name__


class Renderer(JSONRenderer):
    # Chinese names as UTF-8, not \uXXXX escapes: a third of the size and readable in logs.
    json_dumps_params = {"ensure_ascii": False}


class SwaggerDocs(DocsBase):
    """Swagger UI from the files django-ninja ships (pinned by uv.lock), never a CDN; scripts carry the
    page's CSP nonce and the settings travel as a JSON data block, so the strict CSP holds."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        swagger_settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
            "validatorUrl": None,  # the default sends the schema to swagger.io
            "persistAuthorization": False,
        }
        return render(
            request,
            "api/docs.html",
            {"swagger_settings": swagger_settings, "add_csrf": request.user.is_authenticated},
        )


def docs_access(view):
    """The schema and docs: public when OPENSALES_API_DOCS_PUBLIC (development), otherwise for a signed-in
    session; the schema also for a valid token (clients generate code from it)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.OPENSALES_API_DOCS_PUBLIC or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.resolver_match is not None and request.resolver_match.url_name == "openapi-json":
            try:
                user = authenticate_bearer(request)
            except errors.ApiError as exc:
                return errors.error_response(exc.status, exc.code, exc.message, exc.fields)
            if user is not None:
                return view(request, *args, **kwargs)
            return errors.unauthenticated_response()
        return redirect_to_login(request.get_full_path())

    return wrapped


api = OpenSalesAPI(
    title="OpenSales API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    throttle=[UserRateThrottle()],
    renderer=Renderer(),
    docs=SwaggerDocs(),
    docs_decorator=docs_access,
)
errors.install(api)


def _mount() -> None:
    """Tokens at /auth, then every OpenSales app's `api.py` router (its own paths) in app order."""
    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    from .tokens import router as token_router

    api.add_router("/auth", token_router)
    for app_config in apps.get_app_configs():
        if app_config.name.startswith("opensales.") and module_has_submodule(app_config.module, "api"):
            module = import_module(f"{app_config.name}.api")
            if hasattr(module, "router"):
                api.add_router("/", module.router)


_mount()
