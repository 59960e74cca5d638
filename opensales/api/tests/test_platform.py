"""The platform: one error shape for every status, CSRF on session writes, throttling, pagination,
languages, the schema and the docs page."""

from __future__ import annotations

import logging
import re

import pytest
from django.test import Client, override_settings

from opensales.org import services as org_services
from opensales.org.models import Department

from .helpers import Api, assert_error

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}
DEPARTMENTS = "/api/v1/departments"


def _dept(code: str) -> int:
    return Department.objects.unscoped(reason="test").get(code=code).pk


# --- Every status in the one shape -----------------------------------------------------------------


def test_401_for_an_anonymous_call_never_a_redirect_to_the_login_page(cast):
    for path in (DEPARTMENTS, "/api/v1/users/1", "/api/v1/auth/tokens"):
        body = assert_error(Api().get(path, **EN), 401, "unauthenticated", set())
        assert body["message"] == "Sign in or send a valid API token."
    assert_error(Api().post(DEPARTMENTS, {"name": "X"}), 401, "unauthenticated")


def test_403_without_the_permission(cast):
    body = assert_error(Api(cast["rep_sh1"]).post(DEPARTMENTS, {"name": "X"}, **EN), 403, "forbidden", set())
    assert body["message"] == "You do not have permission to do this."
    assert_error(Api(cast["rep_sh1"]).get("/api/v1/roles"), 403, "forbidden")


def test_404_for_unknown_records_out_of_scope_records_and_unknown_paths(cast):
    api = Api(cast["rep_sh1"])
    unknown = assert_error(api.get(f"{DEPARTMENTS}/99999", **EN), 404, "not_found", set())
    out_of_scope = assert_error(api.get(f"{DEPARTMENTS}/{_dept('GZ')}", **EN), 404, "not_found", set())
    assert unknown == out_of_scope == {"code": "not_found", "message": "Not found.", "fields": {}}
    for path in ("/api/v1/nothing-here", "/api/v1/departments/", "/api/v1/", "/api/v1/users/1/nope"):
        assert_error(api.get(path), 404, "not_found")
    assert_error(Api().post("/api/v1/nothing-here"), 404, "not_found")  # no CSRF page, no login redirect


def test_405_keeps_the_allow_header(cast):
    response = Api(cast["admin"]).put(DEPARTMENTS, {}, **EN)
    body = assert_error(response, 405, "method_not_allowed", set())
    assert body["message"] == "This method is not allowed here."
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_409_for_a_stale_version(cast):
    api = Api(cast["admin"])
    user_id = cast["rep_sh2"].pk
    assert api.patch(f"/api/v1/users/{user_id}", {"version": 1, "title": "A"}).status_code == 200
    body = assert_error(
        api.patch(f"/api/v1/users/{user_id}", {"version": 1, "title": "B"}, **EN), 409, "conflict"
    )
    assert body == {
        "code": "conflict",
        "message": "Someone else changed this record since you loaded it. Load it again and repeat your change.",
        "fields": {"version": ["The current version is 2."]},
    }


def test_422_for_ninjas_own_request_validation_with_field_names(cast):
    api = Api(cast["admin"])
    missing = assert_error(api.post(DEPARTMENTS, {}, **EN), 422, "invalid")
    assert missing["message"] == "The input is not valid."
    assert missing["fields"] == {"name": ["This field is required."]}
    wrong_types = assert_error(
        api.post(DEPARTMENTS, {"name": "X", "parent": "abc", "sort_order": "x"}, **EN), 422, "invalid"
    )
    assert wrong_types["fields"] == {
        "parent": ["Enter a whole number."],
        "sort_order": ["Enter a whole number."],
    }
    too_long = assert_error(api.post(DEPARTMENTS, {"name": "x" * 101}, **EN), 422, "invalid")
    assert too_long["fields"] == {"name": ["Ensure this value has at most 100 characters."]}
    assert_error(api.get(DEPARTMENTS, {"limit": 201}), 422, "invalid", {"limit"})
    assert_error(api.get(DEPARTMENTS, {"limit": 0}), 422, "invalid", {"limit"})
    assert_error(api.get(DEPARTMENTS, {"offset": -1}), 422, "invalid", {"offset"})
    assert_error(api.get("/api/v1/departments/abc"), 422, "invalid", {"id"})


def test_422_for_a_services_validation_error(cast):
    api = Api(cast["admin"])
    body = assert_error(api.delete(f"{DEPARTMENTS}/{_dept('EAST')}", **EN), 422, "invalid")
    assert body["fields"] == {"__all__": ["Move or delete the sub-departments first."]}
    body = assert_error(api.delete(f"{DEPARTMENTS}/{_dept('SH')}", **EN), 422, "invalid")
    assert body["fields"] == {"__all__": ["Move the employees of this department first."]}


def test_400_for_a_body_that_is_not_json(cast):
    response = Api(cast["admin"]).client.post(
        DEPARTMENTS, "{not json", content_type="application/json", **Api(cast["admin"]).headers, **EN
    )
    body = assert_error(response, 400, "bad_request", set())
    assert body["message"] == "The request body is not valid JSON."


@override_settings(NINJA_DEFAULT_THROTTLE_RATES={"auth": "3/min"})
def test_429_per_user_past_the_rate(cast):
    api = Api(cast["rep_sh1"])
    for _ in range(3):
        assert api.get(DEPARTMENTS).status_code == 200
    response = api.get(DEPARTMENTS, **EN)
    body = assert_error(response, 429, "throttled", set())
    assert body["message"] == "Too many requests. Wait a moment and try again."
    assert 1 <= int(response["Retry-After"]) <= 60
    assert Api(cast["rep_sh2"]).get(DEPARTMENTS).status_code == 200  # counted per user
    session = Api(cast["rep_sh1"], session=True)
    assert_error(session.get(DEPARTMENTS), 429, "throttled")  # the same user by session


def test_500_is_generic_and_logged_never_a_stack_trace(cast, monkeypatch, caplog):
    def explode(**kwargs):
        raise RuntimeError("secret detail: /srv/opensales/settings.py line 12")

    monkeypatch.setattr(org_services, "department_create", explode)
    with caplog.at_level(logging.ERROR, logger="opensales.api"):
        response = Api(cast["admin"]).post(DEPARTMENTS, {"name": "X"}, **EN)
    body = assert_error(response, 500, "server_error", set())
    assert body["message"] == "Something went wrong on our side. Please try again."
    assert b"secret detail" not in response.content and b"Traceback" not in response.content
    assert "secret detail" in caplog.text


# --- Languages -------------------------------------------------------------------------------------


def test_messages_follow_accept_language(cast):
    api = Api()
    assert api.get(DEPARTMENTS, **EN).json()["message"] == "Sign in or send a valid API token."
    assert api.get(DEPARTMENTS, **ZH).json()["message"] == "请登录或提供有效的 API 令牌。"
    invalid = Api(cast["admin"]).post(DEPARTMENTS, {}, **ZH).json()
    assert invalid == {
        "code": "invalid",
        "message": "输入的内容无效。",
        "fields": {"name": ["这个字段是必填项。"]},
    }


# --- CSRF with the session -------------------------------------------------------------------------


def test_session_writes_need_the_csrf_token_reads_do_not(cast):
    api = Api(cast["admin"], session=True, csrf=True)
    assert api.get(DEPARTMENTS).status_code == 200
    refused = api.post(DEPARTMENTS, {"name": "无令牌"}, **EN)
    body = assert_error(refused, 403, "csrf_failed", set())
    assert body["message"].startswith("The CSRF check failed.")
    assert not Department.objects.unscoped(reason="test").filter(name="无令牌").exists()
    api.client.get("/")  # any page sets the csrftoken cookie
    token = api.client.cookies["csrftoken"].value
    accepted = api.post(DEPARTMENTS, {"name": "有令牌"}, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201
    assert accepted.json()["name"] == "有令牌"


def test_token_writes_need_no_csrf_token(cast):
    api = Api(cast["admin"], csrf=True)
    assert api.post(DEPARTMENTS, {"name": "令牌写入"}).status_code == 201


# --- Pagination ------------------------------------------------------------------------------------


def test_limit_and_offset_slice_the_same_order_and_count_stays_the_total(cast):
    api = Api(cast["admin"])
    everything = api.get(DEPARTMENTS).json()
    assert everything["count"] == 9
    ids = [d["id"] for d in everything["items"]]
    assert ids == list(
        Department.objects.unscoped(reason="test").order_by("path", "pk").values_list("pk", flat=True)
    )
    page = api.get(DEPARTMENTS, {"limit": 4, "offset": 3}).json()
    assert page == {"count": 9, "items": everything["items"][3:7]}
    assert api.get(DEPARTMENTS, {"limit": 4, "offset": 8}).json()["items"] == everything["items"][8:]
    assert api.get(DEPARTMENTS, {"offset": 50}).json() == {"count": 9, "items": []}


# --- Schema and docs -------------------------------------------------------------------------------


def test_the_schema_is_openapi_31_and_needs_a_signed_in_caller_in_production(cast):
    assert_error(Api().get("/api/v1/openapi.json"), 401, "unauthenticated")
    assert_error(
        Api().get("/api/v1/openapi.json", HTTP_AUTHORIZATION="Bearer osk_nope"), 401, "invalid_token"
    )
    by_token = Api(cast["rep_sh1"], scope="read").get("/api/v1/openapi.json")
    assert by_token.status_code == 200
    schema = by_token.json()
    assert schema["openapi"] == "3.1.0"
    assert schema["info"]["title"] == "OpenSales API"
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert Api(cast["rep_sh1"], session=True).get("/api/v1/openapi.json").status_code == 200


@override_settings(OPENSALES_API_DOCS_PUBLIC=True)
def test_the_schema_and_docs_are_public_where_the_setting_says_so(cast):
    assert Api().get("/api/v1/openapi.json").status_code == 200
    assert Client().get("/api/v1/docs").status_code == 200


def test_docs_redirect_to_the_login_page_for_anonymous_visitors(cast):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/api/v1/docs"


def test_docs_page_loads_swagger_from_our_own_static_files_under_the_csp(cast, login):
    response = login(cast["rep_sh1"]).get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", html)
    executable = [s for s in scripts if "application/json" not in s]
    assert executable == [
        f' nonce="{nonce}" src="/static/ninja/swagger-ui-bundle.js"',
        f' nonce="{nonce}" src="/static/ninja/swagger-ui-init.js"',
    ]
    assert "https://" not in html and "//cdn" not in html
    assert '<link rel="stylesheet" href="/static/ninja/swagger-ui.css">' in html
    assert '"url": "/api/v1/openapi.json"' in html
    assert '"validatorUrl": null' in html
    assert 'data-api-csrf="true"' in html
    for path in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"):
        assert Client().get(f"/static/{path}").status_code == 200
