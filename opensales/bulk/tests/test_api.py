"""The bulk, export and job endpoints: the same services and scope as the pages, the error shape."""

from __future__ import annotations

import pytest

from opensales.api.tests.helpers import Api, assert_error
from opensales.bulk.models import Job
from opensales.workspace.models import TaggedItem

pytestmark = pytest.mark.django_db

BULK = "/api/v1/bulk/scope-accounts"
EXPORT = "/api/v1/exports/scope-accounts"


def tagged(tag):
    return set(TaggedItem.objects.filter(tag__name=tag).values_list("object_id", flat=True))


def test_bulk_on_ids(cast, accounts):
    rows = [accounts["上海甲"].pk, accounts["上海乙"].pk]
    response = Api(cast["rep_sh1"]).post(
        BULK, {"action": "add_tags", "ids": rows, "params": {"tags": ["重点"]}}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["action"], body["count"], body["ids"]) == ("add_tags", 2, rows)
    assert tagged("重点") == set(rows)


def test_bulk_refusals(cast, accounts):
    rep = Api(cast["rep_sh1"])
    foreign = {
        "action": "add_tags",
        "ids": [accounts["上海甲"].pk, accounts["上海丁"].pk],
        "params": {"tags": ["x"]},
    }
    assert_error(rep.post(BULK, foreign), 404, "not_found")
    assert tagged("x") == set()
    assert_error(Api(cast["finance"]).post(BULK, foreign), 403, "forbidden")
    assert_error(rep.post("/api/v1/bulk/nope", foreign), 404, "not_found")
    assert_error(rep.post(BULK, {"action": "add_tags", "params": {"tags": ["x"]}}), 422, "invalid", {"ids"})
    assert_error(
        rep.post(BULK, {"action": "fly", "ids": [accounts["上海甲"].pk]}), 422, "invalid", {"action"}
    )
    assert_error(
        rep.post(
            BULK,
            {
                "action": "change_owner",
                "ids": [accounts["上海甲"].pk],
                "params": {"owner": cast["rep_gz1"].pk},
            },
        ),
        422,
        "invalid",
        {"owner"},
    )


def test_bulk_all_matching_large_is_a_job(cast, accounts, settings, django_capture_on_commit_callbacks):
    settings.OPENSALES_BULK_SYNC_LIMIT = 2
    api = Api(cast["manager_east"])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            BULK, {"action": "add_tags", "all": True, "query": "q=上海", "params": {"tags": ["华东"]}}
        )
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    body = api.get(f"/api/v1/jobs/{job_id}").json()
    assert (body["state"], body["total"], body["done"], body["percent"]) == ("succeeded", 5, 5, 100)
    assert len(tagged("华东")) == 5
    listed = api.get("/api/v1/jobs").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == job_id
    assert_error(Api(cast["rep_sh1"]).get(f"/api/v1/jobs/{job_id}"), 404, "not_found")
    assert Api(cast["rep_sh1"]).get("/api/v1/jobs").json()["count"] == 0


def test_export_small_and_large(cast, accounts, settings, django_capture_on_commit_callbacks):
    api = Api(cast["manager_east"])
    response = api.get(EXPORT, {"format": "csv", "q": "上海"})
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf") and response.content.count(b"\n") == 6
    assert_error(Api(cast["rep_sh1"]).get(EXPORT, {"format": "csv"}), 403, "forbidden")
    assert_error(api.get(EXPORT, {"format": "pdf"}), 422, "invalid", {"format"})

    settings.OPENSALES_EXPORT_SYNC_LIMIT = 2
    with django_capture_on_commit_callbacks(execute=True):
        response = api.get(EXPORT, {"format": "csv", "q": "上海"})
    assert response.status_code == 202
    job = response.json()
    body = api.get(f"/api/v1/jobs/{job['id']}").json()
    assert body["state"] == "succeeded" and body["file_url"] == f"/api/v1/jobs/{job['id']}/file"
    download = api.get(body["file_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).count(b"\n") == 6
    assert_error(Api(cast["director"]).get(body["file_url"]), 404, "not_found")
    assert Job.objects.get(pk=job["id"]).user == cast["manager_east"]
