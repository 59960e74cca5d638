"""The comments API: list, post (record in the body or the query), delete, and the scope."""

import pytest

from opensales.api import services as token_services
from opensales.comments.models import Comment

pytestmark = pytest.mark.django_db


def bearer(user):
    _t, secret = token_services.token_create(actor=None, user=user, name="t", scope="read_write")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_post_list_delete(cast, account, client):
    ref = f"scopeapp.account:{account.pk}"
    me = bearer(cast["rep_sh1"])
    created = client.post(
        "/api/v1/comments",
        {"record": ref, "body": "请@王海涛看一下 @刘洋"},
        content_type="application/json",
        **me,
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["record"] == {"type": "scopeapp.account", "id": account.pk}
    assert [m["username"] for m in data["mentions"]] == ["manager_east"]
    assert [m["username"] for m in data["not_notified"]] == ["rep_sh2"]
    by_query = client.post(
        f"/api/v1/comments?record={ref}", {"body": "二"}, content_type="application/json", **me
    )
    assert by_query.status_code == 201
    listing = client.get("/api/v1/comments", {"record": ref}, **me).json()
    assert listing["count"] == 2 and [c["body"] for c in listing["items"]] == ["二", "请@王海涛看一下 @刘洋"]
    other = bearer(cast["rep_sh2"])
    assert client.get("/api/v1/comments", {"record": ref}, **other).status_code == 404
    assert client.delete(f"/api/v1/comments/{data['id']}", **other).status_code == 404
    assert client.delete(f"/api/v1/comments/{data['id']}", **bearer(cast["finance"])).status_code == 403
    assert client.delete(f"/api/v1/comments/{data['id']}", **me).status_code == 204
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("ref", ["", "nonsense", "auth.user:1", "scopeapp.account:x"])
def test_bad_record_references(cast, client, ref):
    response = client.get("/api/v1/comments", {"record": ref}, **bearer(cast["admin"]))
    assert response.status_code in {404, 422}
    assert set(response.json()) == {"code", "message", "fields"}
