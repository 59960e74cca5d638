"""One error shape for every API answer that is not a success:

    {"code": "not_found", "message": "…", "fields": {"name": ["…"]}}

`code` is a stable English identifier for programs; `message` is for people, in the language of the
request (Accept-Language through LocaleMiddleware); `fields` maps input fields to their messages and is
empty when the error is not about one field. Status codes: 400 malformed body, 401 not signed in,
403 not allowed, 404 not found or out of scope, 405 method, 409 version conflict, 422 invalid input,
429 throttled or locked out, 500 anything unexpected (logged, never shown).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

logger = logging.getLogger("opensales.api")

NON_FIELD = "__all__"


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ApiError(Exception):
    """Raise anywhere in an endpoint to answer with the error shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = str(message)
        self.fields = fields or {}
        self.headers = headers or {}


def invalid(field: str, message: str) -> ApiError:
    """422 for one field."""
    return ApiError(422, "invalid", _("The input is not valid."), {field: [str(message)]})


def required(field: str) -> ApiError:
    return invalid(field, _("This field is required."))


def invalid_choice(field: str) -> ApiError:
    """422 for an id that does not exist or is outside what the caller may choose (the same answer for
    both, as the forms of the UI give)."""
    return invalid(field, _("Select a valid choice."))


def duplicate(field: str) -> ApiError:
    return invalid(field, _("This value appears more than once."))


def conflict(current_version: int) -> ApiError:
    """409 for an edit based on an old version of the record (optimistic locking)."""
    return ApiError(
        409,
        "conflict",
        _("Someone else changed this record since you loaded it. Load it again and repeat your change."),
        {"version": [_("The current version is %(version)s.") % {"version": current_version}]},
    )


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "fields": fields or {}}


def error_response(status: int, code: str, message: str, fields=None) -> JsonResponse:
    """The error shape outside Ninja's own handling (URL-level 404 and 405, the docs guard)."""
    return JsonResponse(
        error_body(code, message, fields), status=status, json_dumps_params={"ensure_ascii": False}
    )


def unauthenticated_response() -> JsonResponse:
    return error_response(401, "unauthenticated", _("Sign in or send a valid API token."))


# --- Messages for pydantic's error types, so request-validation errors are translated as well -------


def _pydantic_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in {"string_too_long", "too_long"}:
        limit = ctx.get("max_length", 0)
        return ngettext(
            "Ensure this value has at most %(limit)d character.",
            "Ensure this value has at most %(limit)d characters.",
            limit,
        ) % {"limit": limit}
    if kind in {"string_too_short", "too_short"}:
        limit = ctx.get("min_length", 0)
        if kind == "string_too_short" and limit == 1:
            return _("This field is required.")
        return ngettext(
            "Ensure this value has at least %(limit)d character.",
            "Ensure this value has at least %(limit)d characters.",
            limit,
        ) % {"limit": limit}
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"less_than_equal", "less_than"}:
        return _("Ensure this value is at most %(limit)s.") % {"limit": ctx.get("le", ctx.get("lt"))}
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Ensure this value is at least %(limit)s.") % {"limit": ctx.get("ge", ctx.get("gt"))}
    if kind in {"bool_parsing", "bool_type"}:
        return _("Enter true or false.")
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_type"}:
        return _("Enter a valid date (YYYY-MM-DD).")
    if kind.startswith("datetime"):
        return _("Enter a valid date and time (ISO 8601).")
    if kind in {"enum", "literal_error"}:
        return _("Select a valid choice.")
    if kind in {"list_type", "set_type"}:
        return _("Enter a list of values.")
    if kind in {"string_type"}:
        return _("Enter a text value.")
    if kind in {"extra_forbidden"}:
        return _("This field is not allowed here.")
    if kind == "model_attributes_type" or kind == "dict_type" or kind == "model_type":
        return _("Enter an object.")
    return _("Enter a valid value.")


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    # Ninja's locations start with the source ("body", "query", "path") and, for a body, the name of
    # the parameter: ("body", "payload", "name") -> "name"; ("query", "limit") -> "limit".
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        source = parts.pop(0)
        if source == "body" and len(parts) > 1:
            parts.pop(0)
    return ".".join(parts) or NON_FIELD


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(_field_name(error.get("loc", ())), []).append(_pydantic_message(error))
    return fields


def django_fields(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for m in DjangoValidationError(errors).messages]
            for field, errors in exc.error_dict.items()
        }
    return {NON_FIELD: [str(m) for m in exc.messages]}


# --- Handlers ---------------------------------------------------------------------------------------


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, code: str, message: str, fields=None) -> HttpResponse:
        return api.create_response(request, error_body(code, message, fields), status=status)

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        response = respond(request, exc.status, exc.code, exc.message, exc.fields)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    @api.exception_handler(NinjaValidationError)
    def request_invalid(request, exc: NinjaValidationError):
        return respond(request, 422, "invalid", _("The input is not valid."), validation_fields(exc.errors))

    @api.exception_handler(DjangoValidationError)
    def service_invalid(request, exc: DjangoValidationError):
        return respond(request, 422, "invalid", _("The input is not valid."), django_fields(exc))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, "not_found", _("Not found."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return respond(request, 403, "forbidden", _("You do not have permission to do this."))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(request, 401, "unauthenticated", _("Sign in or send a valid API token."))

    @api.exception_handler(Throttled)
    def throttled(request, exc):
        return respond(request, 429, "throttled", _("Too many requests. Wait a moment and try again."))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if exc.status_code == 400:
            return respond(request, 400, "bad_request", _("The request body is not valid JSON."))
        return respond(request, exc.status_code, "error", str(exc))

    @api.exception_handler(Exception)
    def unexpected(request, exc):
        logger.exception("API error on %s %s", request.method, request.path)
        return respond(request, 500, "server_error", _("Something went wrong on our side. Please try again."))
