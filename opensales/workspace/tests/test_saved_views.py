"""Saved views: private and shared with a department, the default view, and who may change them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from opensales.audit.models import AuditEvent
from opensales.workspace.models import SavedView

pytestmark = pytest.mark.django_db

URL = "/org/employees/"
SAVE = reverse("workspace:view_save", args=["employees"])


def save(client, name, query="status=active&sort=-username", **extra):
    return client.post(SAVE, {"name": name, "query": query, **extra})


def test_save_a_private_view_and_open_it(cast, login):
    client = login(cast["rep_sh1"])
    response = save(client, "我的视图")
    view = SavedView.objects.get(name="我的视图")
    assert response.status_code == 302
    assert response["Location"].startswith(URL) and f"view={view.pk}" in response["Location"]
    assert view.query == "status=active&sort=-username" and view.visibility == "private"
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="current-view"' in page and "我的视图" in page
    assert AuditEvent.objects.filter(action="saved_view.save", object_id=str(view.pk)).exists()
    # A colleague in the same team does not see a private view.
    assert "我的视图" not in login(cast["rep_sh2"]).get(URL).content.decode()


def test_paging_is_not_saved(cast, login):
    client = login(cast["rep_sh1"])
    save(client, "带分页", query="status=active&page=3&after=abc")
    assert SavedView.objects.get(name="带分页").query == "status=active"


def test_shared_view_reaches_the_department_and_below_only(cast, login):
    save(login(cast["manager_east"]), "华东在职", shared="on")
    view = SavedView.objects.get(name="华东在职")
    assert view.visibility == "department" and view.department.code == "EAST"
    assert "华东在职" in login(cast["rep_sh1"]).get(URL).content.decode()  # SH is under EAST
    assert "华东在职" not in login(cast["rep_gz1"]).get(URL).content.decode()
    # Only the owner may overwrite or delete it; others get 404.
    other = login(cast["rep_sh1"])
    delete = reverse("workspace:view_delete", args=["employees", view.pk])
    assert other.post(delete).status_code == 404
    assert other.post(SAVE, {"name": "x", "overwrite": view.pk, "query": ""}).status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_default_view_opens_the_list(cast, login):
    client = login(cast["rep_sh1"])
    save(client, "默认", default="on")
    view = SavedView.objects.get(name="默认")
    response = client.get(URL)
    assert response.status_code == 302 and f"view={view.pk}" in response["Location"]
    # "All records" (view= empty) opens the plain list without redirecting.
    assert client.get(URL, {"view": ""}).status_code == 200
    # Clearing the default.
    client.post(reverse("workspace:view_default", args=["employees", view.pk]), {"clear": "1"})
    assert client.get(URL).status_code == 200


def test_a_shared_view_can_be_a_colleagues_default_until_unshared(cast, login):
    owner, colleague = login(cast["rep_sh1"]), login(cast["rep_sh2"])
    save(owner, "团队", shared="on")
    view = SavedView.objects.get(name="团队")
    assert colleague.post(reverse("workspace:view_default", args=["employees", view.pk])).status_code == 302
    assert colleague.get(URL).status_code == 302
    owner.post(SAVE, {"name": "团队", "overwrite": view.pk, "query": view.query})  # no longer shared
    assert colleague.get(URL).status_code == 200


def test_bad_names_are_refused_with_a_message(cast, login):
    client = login(cast["rep_sh1"])
    response = save(client, "   ")
    assert response.status_code == 302 and not SavedView.objects.exists()
    save(client, "同名")
    follow = client.post(SAVE, {"name": "同名", "query": "status=left"}, follow=True)
    assert SavedView.objects.filter(name="同名").count() == 1
    assert "already have a view" in follow.content.decode() or "同名的视图" in follow.content.decode()


def test_saved_views_need_the_list_permission(cast, login):
    # The auditor may view employees; someone without VIEW on a model gets 403, an unknown list 404.
    assert (
        login(cast["rep_sh1"])
        .post(reverse("workspace:view_save", args=["nonsense"]), {"name": "x"})
        .status_code
        == 404
    )


def test_sharing_without_a_department_is_refused(cast, login):
    from opensales.org.models import Employee

    Employee.objects.unscoped(reason="t").filter(user=cast["rep_sh1"]).update(department=None)
    save(login(cast["rep_sh1"]), "无部门", shared="on")
    assert not SavedView.objects.filter(name="无部门").exists()
