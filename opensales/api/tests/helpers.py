"""Helpers for API tests: a JSON client that signs in with a token or a session."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from opensales.api import services

ERROR_KEYS = {"code", "message", "fields"}


def token_for(user, scope: str = "read_write", **kwargs) -> str:
    _token, secret = services.token_create(actor=user, user=user, name="test", scope=scope, **kwargs)
    return secret


class Api:
    """api = Api(user) (a read-write token), Api(user, scope="read"), Api(user, session=True), Api(None)."""

    def __init__(
        self, user=None, *, scope: str = "read_write", session: bool = False, csrf: bool = False, **headers
    ):
        self.client = Client(HTTP_HOST="localhost", enforce_csrf_checks=csrf)
        self.headers = dict(headers)
        if user is not None and session:
            self.client.force_login(user)
        elif user is not None:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token_for(user, scope)}"

    def call(self, method: str, path: str, body: Any = None, **extra):
        data = json.dumps(body) if body is not None else ""
        return self.client.generic(
            method, path, data, content_type="application/json", **{**self.headers, **extra}
        )

    def get(self, path: str, params: dict | None = None, **extra):
        return self.client.get(path, params or {}, **{**self.headers, **extra})

    def post(self, path: str, body: Any = None, **extra):
        return self.call("POST", path, body, **extra)

    def patch(self, path: str, body: Any = None, **extra):
        return self.call("PATCH", path, body, **extra)

    def put(self, path: str, body: Any = None, **extra):
        return self.call("PUT", path, body, **extra)

    def delete(self, path: str, **extra):
        return self.call("DELETE", path, **extra)


def assert_error(response, status: int, code: str, fields: dict | None = None) -> dict:
    """The error shape, with the exact status and code (and field names when given)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    if fields is not None:
        assert set(body["fields"]) == set(fields)
    return body
