"""Department pages: tree, create, edit, move (subtree paths), delete, scope and methods."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from opensales.audit.models import AuditEvent
from opensales.org import services
from opensales.org.models import Department

pytestmark = pytest.mark.django_db


def tree(response) -> list[tuple[str, int, int]]:
    return [(d.code, d.depth, d.employee_count) for d in response.context["page"].records]


def dept(code: str) -> Department:
    return Department.objects.unscoped(reason="test").get(code=code)


def test_admin_sees_the_whole_tree_with_counts(cast, as_user):
    response = as_user("admin").get(reverse("org:department_list"))
    assert response.status_code == 200
    # Depth first (the materialized path): every department right after its parent.
    assert tree(response) == [
        ("HQ", 0, 4),
        ("EAST", 1, 1),
        ("SH", 2, 3),
        ("HZ", 2, 3),
        ("SOUTH", 1, 1),
        ("GZ", 2, 2),
        ("SZ", 2, 2),
        ("NORTH", 1, 1),
        ("BJ", 2, 3),
    ]
    assert response.context["can_add"] is True


def test_manager_sees_only_their_subtree(cast, as_user):
    response = as_user("manager_east").get(reverse("org:department_list"))
    assert response.status_code == 200
    assert sorted(tree(response)) == [("EAST", 1, 1), ("HZ", 2, 3), ("SH", 2, 3)]
    assert response.context["can_add"] is False
    detail = as_user("manager_east").get(reverse("org:department_detail", args=[dept("SH").pk]))
    assert detail.context["can_change"] is False and detail.context["can_delete"] is False
    assert "总部" not in response.content.decode()


def test_rep_sees_only_their_own_department(cast, as_user):
    response = as_user("rep_sh1").get(reverse("org:department_list"))
    assert tree(response) == [("SH", 2, 3)]


def test_manager_may_not_create_edit_move_or_delete(cast, departments, as_user):
    client = as_user("manager_east")
    sh = departments["SH"].pk
    assert client.get(reverse("org:department_create")).status_code == 403
    assert client.get(reverse("org:department_edit", args=[sh])).status_code == 403
    assert client.get(reverse("org:department_move", args=[sh])).status_code == 403
    assert client.post(reverse("org:department_delete", args=[sh])).status_code == 403


def test_change_grant_is_limited_to_the_scope(cast, departments, as_user):
    """A role granting "change" on departments of one's own subtree: other regions are 404."""
    role = services.role_save(
        actor=None,
        code="dept_keeper",
        name_zh="部门维护",
        name_en="Department keeper",
        grants={"org.department": (["view", "change"], "dept_and_child", [])},
    )
    role.users.add(cast["manager_east"])
    client = as_user("manager_east")
    assert client.get(reverse("org:department_edit", args=[departments["SH"].pk])).status_code == 200
    assert client.get(reverse("org:department_edit", args=[departments["SOUTH"].pk])).status_code == 404
    assert client.get(reverse("org:department_move", args=[departments["GZ"].pk])).status_code == 404


def test_create_department_under_a_parent(cast, departments, as_user):
    response = as_user("admin").post(
        reverse("org:department_create"),
        {"name": "宁波团队", "code": "NB", "parent": departments["EAST"].pk, "head": "", "sort_order": "3"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("org:department_detail", args=[dept("NB").pk])
    nb = dept("NB")
    assert (nb.name, nb.parent_id, nb.depth, nb.path, nb.sort_order) == (
        "宁波团队",
        departments["EAST"].pk,
        2,
        f"{departments['EAST'].path}{nb.pk}/",
        3,
    )
    assert AuditEvent.objects.filter(action="department.create", object_id=str(nb.pk)).count() == 1


def test_create_refuses_a_duplicate_name_in_the_same_parent(cast, departments, as_user):
    response = as_user("admin").post(
        reverse("org:department_create"),
        {"name": "上海团队", "parent": departments["EAST"].pk, "sort_order": "0"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Department.objects.unscoped(reason="test").filter(name="上海团队").count() == 1


def test_edit_department(cast, departments, as_user):
    sh = departments["SH"]
    response = as_user("admin").post(
        reverse("org:department_edit", args=[sh.pk]),
        {
            "name": "上海一队",
            "code": "SH",
            "head": cast["rep_sh2"].pk,
            "sort_order": "5",
            "is_active": "on",
            "version": sh.version,
        },
    )
    assert response.status_code == 302
    sh = dept("SH")
    assert (sh.name, sh.head_id, sh.sort_order, sh.is_active, sh.version) == (
        "上海一队",
        cast["rep_sh2"].pk,
        5,
        True,
        2,
    )


def test_move_subtree_updates_paths_of_descendants(cast, departments, as_user):
    sh, south = departments["SH"], departments["SOUTH"]
    child = services.department_create(actor=None, name="浦东小组", parent=sh, code="PD")
    grandchild = services.department_create(actor=None, name="张江小组", parent=child, code="ZJ")
    response = as_user("admin").post(reverse("org:department_move", args=[sh.pk]), {"parent": south.pk})
    assert response.status_code == 302
    moved, child, grandchild = dept("SH"), dept("PD"), dept("ZJ")
    assert (moved.parent_id, moved.path, moved.depth) == (south.pk, f"{south.path}{sh.pk}/", 2)
    assert (child.path, child.depth) == (f"{south.path}{sh.pk}/{child.pk}/", 3)
    assert (grandchild.path, grandchild.depth) == (f"{south.path}{sh.pk}/{child.pk}/{grandchild.pk}/", 4)
    # The people of the moved team now belong to the south region's subtree.
    response = as_user("manager_south").get(reverse("org:employee_list"))
    names = {e.user.username for e in response.context["page"].records}
    assert {"rep_sh1", "rep_sh2", "lead_sh"} <= names


def test_move_under_own_subtree_shows_the_error(cast, departments, as_user):
    east, sh = departments["EAST"], departments["SH"]
    response = as_user("admin").post(reverse("org:department_move", args=[east.pk]), {"parent": sh.pk})
    assert response.status_code == 200
    with translation.override("zh-hans"):
        expected = translation.gettext("A department cannot be moved under itself or its own sub-department.")
    assert response.context["form"].errors["parent"] == [expected]
    assert expected in response.content.decode()
    assert dept("EAST").path == east.path


def test_delete_refuses_children_and_employees_then_deletes_a_leaf(cast, departments, as_user):
    client = as_user("admin")
    response = client.post(reverse("org:department_delete", args=[departments["EAST"].pk]), follow=True)
    with translation.override("zh-hans"):
        children_msg = translation.gettext("Move or delete the sub-departments first.")
        people_msg = translation.gettext("Move the employees of this department first.")
    assert [str(m) for m in response.context["messages"]] == [children_msg]
    response = client.post(reverse("org:department_delete", args=[departments["SH"].pk]), follow=True)
    assert [str(m) for m in response.context["messages"]] == [people_msg]
    leaf = services.department_create(actor=None, name="空团队", parent=departments["EAST"], code="EMPTY")
    response = client.post(reverse("org:department_delete", args=[leaf.pk]))
    assert response.status_code == 302
    assert not Department.objects.unscoped(reason="test").filter(pk=leaf.pk).exists()
    assert Department.objects.unscoped(reason="test").count() == 9


def test_state_changes_are_post_only(cast, departments, as_user):
    client = as_user("admin")
    # GET only asks for confirmation; nothing is deleted until the POST.
    assert client.get(reverse("org:department_delete", args=[departments["SH"].pk])).status_code == 200
    assert Department.objects.unscoped(reason="test").filter(pk=departments["SH"].pk).exists()
    assert client.put(reverse("org:department_move", args=[departments["SH"].pk])).status_code == 405


def test_anonymous_is_sent_to_sign_in(cast, login):
    response = login(None).get(reverse("org:department_list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
