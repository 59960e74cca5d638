"""Role pages: list, the grant-matrix editor, delete; page-level permissions and methods."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from opensales.audit.models import AuditEvent
from opensales.core.registry import all_entries
from opensales.core.scope import system_access
from opensales.org.models import Role, RoleGrant

pytestmark = pytest.mark.django_db


def grant_rows(role: Role) -> set[tuple[str, tuple[str, ...], str, tuple[str, ...]]]:
    with system_access("test"):
        return {
            (g.model_label, tuple(g.actions), g.scope, tuple(sorted(d.code for d in g.departments.all())))
            for g in RoleGrant.objects.filter(role=role)
        }


BASE = {
    "code": "east_viewer",
    "name_zh": "华东查看",
    "name_en": "East viewer",
    "description": "",
    "is_active": "on",
}


@pytest.mark.parametrize("username", ["rep_sh1", "manager_east"])
def test_role_pages_are_403_without_a_role_grant(cast, as_user, username):
    client = as_user(username)
    role = Role.objects.get(code="sales_rep")
    assert client.get(reverse("org:role_list")).status_code == 403
    assert client.get(reverse("org:role_create")).status_code == 403
    assert client.get(reverse("org:role_edit", args=[role.pk])).status_code == 403
    assert client.post(reverse("org:role_edit", args=[role.pk]), BASE).status_code == 403
    assert client.post(reverse("org:role_delete", args=[role.pk])).status_code == 403
    assert Role.objects.filter(code="sales_rep").exists()


def test_role_list_shows_counts_and_badges(cast, as_user):
    response = as_user("admin").get(reverse("org:role_list"))
    assert response.status_code == 200
    rows = {r.code: (r.user_count, r.is_builtin, r.requires_2fa) for r in response.context["roles"]}
    assert rows == {
        "administrator": (1, True, True),
        "auditor": (1, True, True),
        "finance": (1, True, False),
        "sales_director": (1, True, False),
        "sales_manager": (5, True, False),
        "sales_rep": (11, True, False),
    }
    body = response.content.decode()
    assert "系统管理员" in body  # the Chinese name in the default language
    client = as_user("admin")
    client.cookies["opensales_language"] = "en"
    assert "Administrator" in client.get(reverse("org:role_list")).content.decode()


def test_matrix_rows_follow_the_registry(cast, as_user):
    response = as_user("admin").get(reverse("org:role_create"))
    rows = response.context["rows"]
    assert [r.entry.label for r in rows] == [e.label for e in all_entries()]
    role_row = next(r for r in rows if r.entry.label == "org.role")
    assert role_row.scope is None and role_row.departments is None
    dept_row = next(r for r in rows if r.entry.label == "org.department")
    assert [c.action for c in dept_row.cells if c.field is not None] == [
        "view",
        "add",
        "change",
        "delete",
        "export",
    ]
    assert [c.action for c in dept_row.cells if c.field is None] == ["import", "assign", "unmask"]
    body = response.content.decode()
    assert 'name="grant__org.department__view"' in body
    assert 'data-testid="grant-org.department-view"' in body
    assert 'name="scope__org.department"' in body
    assert 'data-testid="departments-org.employee"' in body
    assert 'name="grant__org.department__import"' not in body


def test_create_role_saves_the_grant_matrix(cast, departments, as_user):
    response = as_user("admin").post(
        reverse("org:role_create"),
        {
            **BASE,
            "requires_2fa": "on",
            "grant__org.department__view": "on",
            "scope__org.department": "dept_and_child",
            "grant__org.employee__view": "on",
            "grant__org.employee__unmask": "on",
            "scope__org.employee": "custom",
            "departments__org.employee": [departments["SH"].pk, departments["HZ"].pk],
            "grant__org.role__view": "on",
            # A scope without any ticked action grants nothing.
            "scope__org.department_unused": "all",
        },
    )
    role = Role.objects.get(code="east_viewer")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:role_edit", args=[role.pk])
    assert (role.name_zh, role.name_en, role.requires_2fa, role.is_active, role.is_builtin) == (
        "华东查看",
        "East viewer",
        True,
        True,
        False,
    )
    assert grant_rows(role) == {
        ("org.department", ("view",), "dept_and_child", ()),
        ("org.employee", ("view", "unmask"), "custom", ("HZ", "SH")),
        ("org.role", ("view",), "all", ()),
    }
    assert AuditEvent.objects.filter(action="role.create", object_id=str(role.pk)).count() == 1


def test_custom_scope_needs_departments(cast, as_user):
    response = as_user("admin").post(
        reverse("org:role_create"),
        {**BASE, "grant__org.employee__view": "on", "scope__org.employee": "custom"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["departments__org.employee"]
    assert not Role.objects.filter(code="east_viewer").exists()


def test_edit_shows_and_replaces_the_grants(cast, departments, as_user):
    role = Role.objects.get(code="sales_rep")
    client = as_user("admin")
    form = client.get(reverse("org:role_edit", args=[role.pk])).context["form"]
    assert form["grant__org.employee__view"].value() is True
    assert form["grant__org.employee__change"].value() is False
    assert form["scope__org.employee"].value() == "dept"
    assert form["code"].field.disabled is True
    response = client.post(
        reverse("org:role_edit", args=[role.pk]),
        {
            "code": "renamed",  # ignored: a built-in role keeps its code
            "name_zh": "销售代表",
            "name_en": "Sales rep",
            "is_active": "on",
            "grant__org.employee__view": "on",
            "grant__org.employee__export": "on",
            "scope__org.employee": "dept_and_child",
            "grant__org.department__view": "on",
            "scope__org.department": "custom",
            "departments__org.department": [departments["EAST"].pk],
        },
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert (role.code, role.name_en) == ("sales_rep", "Sales rep")
    assert grant_rows(role) == {
        ("org.employee", ("view", "export"), "dept_and_child", ()),
        ("org.department", ("view",), "custom", ("EAST",)),
    }
    # The change applies to the role's users from their next request on.
    rep = as_user("rep_sh1").get(reverse("org:department_list"))
    assert [d.code for d in rep.context["page"].records] == ["EAST", "SH", "HZ"]


def test_delete_role(cast, as_user):
    client = as_user("admin")
    builtin = Role.objects.get(code="sales_rep")
    url = reverse("org:role_delete", args=[builtin.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    with translation.override("zh-hans"):
        expected = translation.gettext("Built-in roles cannot be deleted; deactivate them instead.")
    assert [str(m) for m in response.context["messages"]] == [expected]
    assert Role.objects.filter(pk=builtin.pk).exists()
    client.post(reverse("org:role_create"), {**BASE, "grant__org.role__view": "on"})
    custom = Role.objects.get(code="east_viewer")
    assert client.post(reverse("org:role_delete", args=[custom.pk])).status_code == 302
    assert not Role.objects.filter(pk=custom.pk).exists()
    assert AuditEvent.objects.filter(action="role.delete", object_id=str(custom.pk)).count() == 1


def test_navigation_entries_follow_the_grants(cast, as_user):
    admin = as_user("admin").get("/").content.decode()
    rep = as_user("rep_sh1").get("/").content.decode()
    for name in ["org:department_list", "org:employee_list", "org:role_list"]:
        assert f'href="{reverse(name)}"' in admin
    assert f'href="{reverse("org:employee_list")}"' in rep
    assert f'href="{reverse("org:role_list")}"' not in rep
