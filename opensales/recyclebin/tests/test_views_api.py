"""The page, its actions, the API and the nightly job."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from huey.contrib.djhuey import HUEY

from opensales.api import services as token_services
from opensales.audit.models import AuditEvent
from opensales.core.navigation import menu_for
from opensales.recyclebin import services, tasks
from tests.matrix import row_ids
from tests.scopeapp.models import Account

from .conftest import fresh

pytestmark = pytest.mark.django_db


def delete_all(cast, accounts):
    for key in ("sh1", "sh2", "gz1"):
        services.soft_delete(actor=cast["admin"], obj=accounts[key])


def rid(obj):
    return f"{obj._meta.label_lower}:{obj.pk}"


def test_the_page_lists_what_each_user_may_restore(cast, accounts, login):
    delete_all(cast, accounts)
    sh1, sh2, gz1 = accounts["sh1"], accounts["sh2"], accounts["gz1"]
    url = reverse("recyclebin:list")
    assert row_ids(login(cast["admin"]).get(url).content.decode()) == {rid(sh1), rid(sh2), rid(gz1)}
    assert row_ids(login(cast["manager_east"]).get(url).content.decode()) == {rid(sh1), rid(sh2)}
    for persona in ("rep_sh1", "finance", "auditor"):
        assert login(cast[persona]).get(url).status_code == 403
    filtered = login(cast["admin"]).get(url + "?type=org.department")
    assert row_ids(filtered.content.decode()) == set()
    with translation.override("en"):
        page = login(cast["admin"]).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Recycle bin" in page or "回收站" in page


def test_the_page_costs_the_same_queries_for_one_record_or_many(cast, accounts, login):
    client = login(cast["manager_east"])
    client.get(reverse("recyclebin:list"))  # warm the caches (content types)
    services.soft_delete(actor=cast["admin"], obj=accounts["sh1"])
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("recyclebin:list")).status_code == 200
    services.soft_delete(actor=cast["admin"], obj=accounts["sh2"])
    with CaptureQueriesContext(connection) as two:
        assert client.get(reverse("recyclebin:list")).status_code == 200
    assert len(one) == len(two)


def test_restore_and_purge_from_the_page(cast, accounts, login):
    delete_all(cast, accounts)
    client = login(cast["manager_east"])
    sh1, gz1 = accounts["sh1"], accounts["gz1"]
    restore = reverse("recyclebin:restore", args=["scopeapp.account", sh1.pk])
    response = client.post(restore, follow=True)
    assert response.redirect_chain == [(reverse("recyclebin:list"), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        translation.gettext("“%(name)s” was restored.") % {"name": "上海一号客户"}
    ]
    assert fresh(sh1).deleted_at is None
    # Outside the manager's scope, unknown type, a model without a recycle bin, not deleted: 404.
    assert client.post(reverse("recyclebin:restore", args=["scopeapp.account", gz1.pk])).status_code == 404
    assert client.post(reverse("recyclebin:restore", args=["nope.model", gz1.pk])).status_code == 404
    assert client.post(reverse("recyclebin:restore", args=["org.role", 1])).status_code == 404
    assert client.post(restore).status_code == 404
    # No delete grant on the model: 403.
    assert client.post(reverse("recyclebin:purge", args=["org.department", 1])).status_code == 403
    assert client.get(restore).status_code == 405

    purge = reverse("recyclebin:purge", args=["scopeapp.account", accounts["sh2"].pk])
    assert client.post(purge).status_code == 302
    assert not Account._base_manager.filter(pk=accounts["sh2"].pk).exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="recyclebin.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["recyclebin.delete"] * 3 + ["recyclebin.restore", "recyclebin.purge"]


def test_the_menu_item_follows_the_delete_grants(cast):
    def items(persona):
        return [i["url_name"] for g in menu_for(cast[persona]) for i in g["items"]]

    assert "recyclebin:list" in items("admin")
    assert "recyclebin:list" in items("manager_east")
    assert "recyclebin:list" not in items("rep_sh1")
    assert "recyclebin:list" not in items("auditor")


class Api:
    def __init__(self, user, client):
        _token, secret = token_services.token_create(actor=None, user=user, name="t", scope="read_write")
        self.client, self.auth = client, {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def get(self, path):
        return self.client.get(path, **self.auth)

    def post(self, path):
        return self.client.post(path, "{}", content_type="application/json", **self.auth)

    def delete(self, path):
        return self.client.delete(path, **self.auth)


def test_api_list_restore_purge(cast, accounts, login):
    delete_all(cast, accounts)
    sh1, sh2, gz1 = accounts["sh1"], accounts["sh2"], accounts["gz1"]
    manager = Api(cast["manager_east"], login(None))
    body = manager.get("/api/v1/recycle-bin").json()
    assert body["count"] == 2
    assert [(i["type"], i["id"]) for i in body["items"]] == [
        ("scopeapp.account", sh2.pk),
        ("scopeapp.account", sh1.pk),
    ]  # most recently deleted first
    first = body["items"][0]
    assert (first["title"], first["days_left"], first["deleted_by"]["username"]) == (
        "上海二号客户",
        30,
        "admin",
    )
    page = manager.get("/api/v1/recycle-bin?limit=1&offset=1").json()
    assert (page["count"], [i["id"] for i in page["items"]]) == (2, [sh1.pk])
    assert manager.get("/api/v1/recycle-bin?type=org.department").json()["code"] == "invalid"

    response = manager.post(f"/api/v1/recycle-bin/scopeapp.account/{sh1.pk}/restore")
    assert (response.status_code, response.json()) == (
        200,
        {"type": "scopeapp.account", "id": sh1.pk, "title": "上海一号客户"},
    )
    missing = manager.post(f"/api/v1/recycle-bin/scopeapp.account/{gz1.pk}/restore")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert manager.delete(f"/api/v1/recycle-bin/scopeapp.account/{sh2.pk}").status_code == 204
    assert manager.delete(f"/api/v1/recycle-bin/scopeapp.account/{sh2.pk}").status_code == 404
    assert manager.delete(f"/api/v1/recycle-bin/nope.x/{sh2.pk}").status_code == 404

    rep = Api(cast["rep_sh1"], login(None))
    forbidden = rep.get("/api/v1/recycle-bin")
    assert (forbidden.status_code, set(forbidden.json())) == (403, {"code", "message", "fields"})
    assert rep.post(f"/api/v1/recycle-bin/scopeapp.account/{gz1.pk}/restore").status_code == 403
    assert login(None).get("/api/v1/recycle-bin").status_code == 401


def test_api_purge_refused_is_422(cast, login):
    from opensales.org import services as org
    from opensales.org.models import Department

    admin = cast["admin"]
    hq = Department.objects.unscoped(reason="t").get(code="HQ")
    parent = org.department_create(actor=admin, name="项目部", parent=hq)
    child = org.department_create(actor=admin, name="项目一组", parent=parent)
    org.department_delete(actor=admin, department=child)
    org.department_delete(actor=admin, department=parent)
    response = Api(admin, login(None)).delete(f"/api/v1/recycle-bin/org.department/{parent.pk}")
    assert response.status_code == 422
    assert list(json.loads(response.content)["fields"]) == ["__all__"]


def test_the_nightly_job_is_scheduled_at_03_45_shanghai_and_purges(cast, accounts):
    due = HUEY.read_periodic(datetime(2026, 1, 1, 19, 45))  # naive UTC: 03:45 in Shanghai
    assert "recyclebin.purge_expired" in [t.name for t in due]
    assert "recyclebin.purge_expired" not in [t.name for t in HUEY.read_periodic(datetime(2026, 1, 1, 3, 45))]
    services.soft_delete(actor=cast["admin"], obj=accounts["sh1"])
    Account.objects.unscoped(reason="t").deleted_only().update(deleted_at=datetime(2020, 1, 1, tzinfo=UTC))
    tasks.purge_expired()  # immediate mode in tests
    assert not Account._base_manager.filter(pk=accounts["sh1"].pk).exists()
    run = AuditEvent.objects.filter(action="recyclebin.purge").get()
    assert run.changes["purged"] == {"scopeapp.account": [accounts["sh1"].pk]}
