"""POST /api/v1/imports, GET /api/v1/imports/{id}, GET /api/v1/imports: flows, dry run, errors."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from opensales.api import services as token_services
from opensales.org.models import Employee

from .files import HEADER, csv_bytes, employee_rows, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(cast):
    def make(username: str = "admin") -> Client:
        _token, secret = token_services.token_create(
            actor=None, user=cast[username], name="t", scope="read_write"
        )
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")

    return make


def post(client: Client, data: bytes, name: str = "people.csv", query: str = "", **fields):
    return client.post(
        f"/api/v1/imports{query}", {"file": upload(data, name), "model": "employees", **fields}
    )


def created():
    return Employee.objects.unscoped(reason="t").filter(user__username__startswith="new").count()


def test_start_and_poll(api, on_commit):
    client = api()
    with on_commit():
        response = post(client, csv_bytes([HEADER, *employee_rows(3)]), mode="upsert")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["model"], body["mode"], body["dry_run"], body["total_rows"]) == (
        "employees",
        "upsert",
        False,
        3,
    )
    job = client.get(f"/api/v1/imports/{body['id']}").json()
    assert (job["state"], job["progress"], job["created"], job["updated"], job["rejected"]) == (
        "succeeded",
        100,
        3,
        0,
        0,
    )
    assert job["errors"] == [] and job["mapping"]["用户名"] == "username"
    assert created() == 3
    listing = client.get("/api/v1/imports").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == body["id"]


def test_dry_run_validates_without_writing(api, on_commit):
    client = api()
    with on_commit():
        body = post(client, csv_bytes([HEADER, *employee_rows(2)]), query="?dry_run=true").json()
    job = client.get(f"/api/v1/imports/{body['id']}").json()
    assert (job["dry_run"], job["state"], job["created"]) == (True, "succeeded", 2)
    assert created() == 0


def test_row_errors_are_reported(api, on_commit):
    rows = employee_rows(2)
    rows[1][8] = "soon"
    with on_commit():
        body = post(api(), csv_bytes([HEADER, *rows])).json()
    job = api().get(f"/api/v1/imports/{body['id']}").json()
    assert (job["state"], job["rejected"], job["error_count"], job["created"]) == ("failed", 1, 1, 0)
    assert job["errors"] == [
        {"row": 3, "messages": ["Hire date: “soon” is not a date. Write it as 2024-03-01 or 2024年3月1日."]}
    ]
    assert created() == 0


def test_an_explicit_mapping(api, on_commit):
    data = csv_bytes([["login", "who", "note"], ["new1", "甲", "x"]])
    with on_commit():
        response = post(api(), data, mapping=json.dumps({"login": "username", "who": "full_name"}))
    assert response.status_code == 202
    assert response.json()["mapping"] == {"login": "username", "who": "full_name"}
    assert created() == 1


@pytest.mark.parametrize(
    ("fields", "data", "name", "field", "message"),
    [
        (
            {"model": "spaceships"},
            None,
            "a.csv",
            "model",
            "Unknown model. Choose one of: ",  # then every registered importer key
        ),
        ({"mode": "merge"}, None, "a.csv", "mode", "Choose create, update or upsert."),
        ({}, b"\x00\x01", "a.pdf", "file", "Upload a CSV or Excel file (.csv, .xlsx, .xls)."),
        (
            {},
            b"PK\x03\x04nope",
            "a.xlsx",
            "file",
            "The spreadsheet cannot be read. Save it again as .xlsx or .csv.",
        ),
        (
            {"mapping": json.dumps({"用户名": "username", "姓名": "shoe_size"})},
            None,
            "a.csv",
            "mapping",
            "Unknown field “shoe_size”.",
        ),
        ({"mapping": json.dumps({"用户名": "username"})}, None, "a.csv", "mapping", None),
        ({"mapping": "[1, 2]"}, None, "a.csv", "mapping", None),
    ],
    ids=["model", "mode", "type", "unreadable", "unknown-field", "missing-required", "not-an-object"],
)
def test_invalid_input_has_the_error_shape(api, fields, data, name, field, message):
    data = data if data is not None else csv_bytes([HEADER, *employee_rows(1)])
    response = api().post("/api/v1/imports", {"file": upload(data, name), "model": "employees", **fields})
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    if message:
        assert any(message in m for m in body["fields"][field]), body
    if field == "mapping" and message is None and "username" in fields["mapping"]:
        assert body["fields"]["mapping"] == ["Map a column to each required field: Full name."]


def test_permissions(api, on_commit):
    response = post(api("rep_sh1"), csv_bytes([HEADER, *employee_rows(1)]))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    with on_commit():
        body = post(api(), csv_bytes([HEADER, *employee_rows(1)])).json()
    assert api("director").get(f"/api/v1/imports/{body['id']}").status_code == 404
    assert api("director").get("/api/v1/imports").json() == {"count": 0, "items": []}
    assert Client().get(f"/api/v1/imports/{body['id']}").status_code == 401
