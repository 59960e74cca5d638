"""Employee pages: list scope and filters, detail, create, edit with the version check, activation,
password reset, roles, unmasking and the "who can see what" page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from opensales.audit.models import AuditEvent
from opensales.core.masking import mask_phone
from opensales.org import services
from opensales.org.models import Employee

pytestmark = pytest.mark.django_db
User = get_user_model()

EAST = {"manager_east", "rep_sh1", "rep_sh2", "lead_sh", "lead_hz", "rep_hz1", "rep_hz2"}
SH = {"rep_sh1", "rep_sh2", "lead_sh"}


def employee(username: str) -> Employee:
    return Employee.objects.unscoped(reason="test").select_related("user").get(user__username=username)


def listed(response) -> set[str]:
    return {e.user.username for e in response.context["page"].records}


def edit_data(e: Employee, **changes) -> dict:
    data = {
        "full_name": e.user.full_name,
        "email": e.user.email,
        "department": e.department_id,
        "manager": e.manager_id or "",
        "title": e.title,
        "mobile": "",
        "employee_no": e.employee_no,
        "hire_date": e.hire_date.isoformat() if e.hire_date else "",
        "version": e.version,
    }
    data.update(changes)
    return data


# --- List and detail ----------------------------------------------------------------------------


def test_admin_lists_everyone(cast, as_user):
    response = as_user("admin").get(reverse("org:employee_list"))
    assert response.status_code == 200
    assert listed(response) == set(cast)
    assert response.context["page"].total == 20


def test_manager_lists_their_subtree_only(cast, as_user):
    response = as_user("manager_east").get(reverse("org:employee_list"))
    assert listed(response) == EAST
    assert response.context["can_add"] is False


def test_rep_lists_their_department_only(cast, as_user):
    assert listed(as_user("rep_sh1").get(reverse("org:employee_list"))) == SH


def test_list_masks_the_mobile(cast, as_user):
    rep = employee("rep_sh1")
    body = as_user("admin").get(reverse("org:employee_list")).content.decode()
    assert mask_phone(rep.mobile) in body
    assert rep.mobile not in body


def test_search_and_filters(cast, departments, as_user):
    client = as_user("admin")
    url = reverse("org:employee_list")
    assert listed(client.get(url, {"q": "rep_sh"})) == {"rep_sh1", "rep_sh2"}
    assert listed(client.get(url, {"q": "张伟"})) == {"rep_sh1"}
    assert listed(client.get(url, {"department": departments["EAST"].pk})) == EAST
    assert listed(client.get(url, {"department": departments["HZ"].pk, "q": "rep"})) == {"rep_hz1", "rep_hz2"}
    services.user_set_active(actor=None, user=User.objects.get(username="rep_hz2"), active=False)
    assert listed(client.get(url, {"status": "left"})) == {"rep_hz2"}


def test_manager_cannot_filter_on_a_department_outside_the_scope(cast, departments, as_user):
    response = as_user("manager_east").get(
        reverse("org:employee_list"), {"department": departments["SOUTH"].pk}
    )
    # The choice is invalid for them: the form says so and the list shows nothing (an invalid filter
    # never widens a list, an export or a bulk action).
    assert response.context["filterset"].errors
    assert listed(response) == set()


def test_detail_is_404_outside_the_scope(cast, as_user):
    client = as_user("rep_sh1")
    assert client.get(reverse("org:employee_detail", args=[employee("rep_hz1").pk])).status_code == 404
    response = client.get(reverse("org:employee_detail", args=[employee("rep_sh2").pk]))
    assert response.status_code == 200
    ctx = response.context
    assert (ctx["can_change"], ctx["can_unmask"], ctx["can_assign"], ctx["can_view_access"]) == (
        False,
        False,
        False,
        False,
    )
    body = response.content.decode()
    assert mask_phone(employee("rep_sh2").mobile) in body
    assert reverse("org:employee_unmask", args=[employee("rep_sh2").pk]) not in body


def test_admin_detail_offers_every_action(cast, as_user):
    rep = employee("rep_sh1")
    response = as_user("admin").get(reverse("org:employee_detail", args=[rep.pk]))
    ctx = response.context
    assert (ctx["can_change"], ctx["can_unmask"], ctx["can_assign"], ctx["can_view_access"]) == (
        True,
        True,
        True,
        True,
    )
    body = response.content.decode()
    for name in [
        "employee_edit",
        "employee_unmask",
        "employee_roles",
        "employee_access",
        "employee_reset_password",
    ]:
        assert reverse(f"org:{name}", args=[rep.pk]) in body


# --- Create and edit ----------------------------------------------------------------------------


def test_admin_creates_an_employee(cast, departments, as_user):
    response = as_user("admin").post(
        reverse("org:employee_create"),
        {
            "username": "rep_sh3",
            "full_name": "林小红",
            "email": "rep_sh3@example.com",
            "password": "Hongqiao-2026-xyz",
            "department": departments["SH"].pk,
            "manager": cast["lead_sh"].pk,
            "title": "销售代表",
            "mobile": "13912345678",
            "employee_no": "E2001",
            "hire_date": "2026-01-05",
            "roles": [services.Role.objects.get(code="sales_rep").pk],
        },
    )
    new = employee("rep_sh3")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:employee_detail", args=[new.pk])
    assert (
        new.user.full_name,
        new.user.email,
        new.department_id,
        new.manager_id,
        new.title,
        new.mobile,
        new.employee_no,
        new.hire_date.isoformat(),
    ) == (
        "林小红",
        "rep_sh3@example.com",
        departments["SH"].pk,
        cast["lead_sh"].pk,
        "销售代表",
        "13912345678",
        "E2001",
        "2026-01-05",
    )
    assert list(new.user.roles.values_list("code", flat=True)) == ["sales_rep"]
    assert new.user.check_password("Hongqiao-2026-xyz")
    event = AuditEvent.objects.get(action="employee.create", object_id=str(new.pk))
    assert event.actor_username == "admin"
    assert event.changes["mobile"] == "139****5678"


def test_create_validates_the_password_and_duplicates(cast, departments, as_user):
    client = as_user("admin")
    data = {
        "username": "rep_sh3",
        "full_name": "林小红",
        "password": "12345678",
        "department": departments["SH"].pk,
    }
    response = client.post(reverse("org:employee_create"), data)
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    data.update(username="rep_sh1", password="Hongqiao-2026-xyz")
    response = client.post(reverse("org:employee_create"), data)
    assert list(response.context["form"].errors) == ["username"]
    assert not User.objects.filter(username="rep_sh3").exists()


def test_manager_may_not_create(cast, as_user):
    assert as_user("manager_east").get(reverse("org:employee_create")).status_code == 403


def test_edit_saves_and_bumps_the_version(cast, departments, as_user):
    rep = employee("rep_sh1")
    old_mobile = rep.mobile
    response = as_user("admin").post(
        reverse("org:employee_edit", args=[rep.pk]),
        edit_data(rep, title="高级销售代表", department=departments["HZ"].pk),
    )
    assert response.status_code == 302
    rep = employee("rep_sh1")
    assert (rep.title, rep.department_id, rep.version, rep.mobile) == (
        "高级销售代表",
        departments["HZ"].pk,
        2,
        old_mobile,  # an empty mobile field keeps the number
    )
    as_user("admin").post(reverse("org:employee_edit", args=[rep.pk]), edit_data(rep, mobile="13700001111"))
    assert (employee("rep_sh1").mobile, employee("rep_sh1").version) == ("13700001111", 3)


def test_edit_form_never_puts_the_mobile_in_the_page(cast, as_user):
    rep = employee("rep_sh1")
    body = as_user("admin").get(reverse("org:employee_edit", args=[rep.pk])).content.decode()
    assert rep.mobile not in body
    assert f'placeholder="{mask_phone(rep.mobile)}"' in body


def test_stale_edit_shows_a_conflict_and_keeps_the_input(cast, as_user):
    rep = employee("rep_sh1")
    loaded = edit_data(rep, title="我的修改")
    services.employee_update(actor=None, employee=rep, title="别人的修改", expected_version=1)
    client = as_user("admin")
    response = client.post(reverse("org:employee_edit", args=[rep.pk]), loaded)
    assert response.status_code == 409
    assert employee("rep_sh1").title == "别人的修改"
    form = response.context["form"]
    assert form["title"].value() == "我的修改"
    assert response.context["version"] == 2
    assert response.context["conflict"]["fields"] == [
        {"label": form.fields["title"].label, "value": "别人的修改"}
    ]
    with translation.override("zh-hans"):
        message = translation.gettext(
            "Someone else changed this record while you were editing. Your input is kept below; "
            "check the current values, then save again to overwrite them."
        )
    assert form.non_field_errors() == [message]
    body = response.content.decode()
    assert 'value="我的修改"' in body
    assert 'data-testid="edit-conflict"' in body
    # Saving again with the version now in the form overwrites on purpose.
    response = client.post(reverse("org:employee_edit", args=[rep.pk]), {**loaded, "version": "2"})
    assert response.status_code == 302
    assert (employee("rep_sh1").title, employee("rep_sh1").version) == ("我的修改", 3)


def test_manager_may_not_edit_and_rep_gets_403(cast, as_user):
    rep = employee("rep_sh1")
    assert as_user("manager_east").get(reverse("org:employee_edit", args=[rep.pk])).status_code == 403
    assert (
        as_user("rep_sh2").post(reverse("org:employee_edit", args=[rep.pk]), edit_data(rep)).status_code
        == 403
    )


# --- Activation, password, roles ----------------------------------------------------------------


def test_deactivate_and_activate(cast, as_user):
    rep = employee("rep_sh1")
    client = as_user("admin")
    url = reverse("org:employee_set_active", args=[rep.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"active": "0"}).status_code == 302
    rep = employee("rep_sh1")
    assert (rep.user.is_active, rep.status) == (False, "left")
    client.post(url, {"active": "1"})
    rep = employee("rep_sh1")
    assert (rep.user.is_active, rep.status) == (True, "active")
    assert list(
        AuditEvent.objects.filter(object_id=str(rep.user_id), action__startswith="user.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["user.deactivate", "user.activate"]


def test_cannot_deactivate_oneself(cast, as_user):
    me = employee("admin")
    response = as_user("admin").post(
        reverse("org:employee_set_active", args=[me.pk]), {"active": "0"}, follow=True
    )
    with translation.override("zh-hans"):
        expected = translation.gettext("You cannot deactivate your own account.")
    assert [str(m) for m in response.context["messages"]] == [expected]
    assert User.objects.get(username="admin").is_active is True


def test_reset_password(cast, as_user):
    rep = employee("rep_sh1")
    client = as_user("admin")
    url = reverse("org:employee_reset_password", args=[rep.pk])
    response = client.post(url, {"new_password1": "Xinmima-2026-abc", "new_password2": "Xinmima-2026-abd"})
    assert list(response.context["form"].errors) == ["new_password2"]
    response = client.post(url, {"new_password1": "short", "new_password2": "short"})
    assert list(response.context["form"].errors) == ["new_password1"]
    response = client.post(url, {"new_password1": "Xinmima-2026-abc", "new_password2": "Xinmima-2026-abc"})
    assert response.status_code == 302
    assert User.objects.get(username="rep_sh1").check_password("Xinmima-2026-abc")
    assert AuditEvent.objects.filter(action="user.reset_password", object_id=str(rep.user_id)).count() == 1
    assert as_user("manager_east").post(url).status_code == 403


def test_assign_roles_needs_assign_on_roles(cast, as_user):
    rep = employee("rep_sh1")
    url = reverse("org:employee_roles", args=[rep.pk])
    assert as_user("manager_east").get(url).status_code == 403
    assert as_user("rep_sh1").get(url).status_code == 403
    roles = services.Role.objects.filter(code__in=["sales_rep", "finance"])
    response = as_user("admin").post(url, {"roles": [r.pk for r in roles]})
    assert response.status_code == 302
    assert sorted(User.objects.get(username="rep_sh1").roles.values_list("code", flat=True)) == [
        "finance",
        "sales_rep",
    ]
    event = AuditEvent.objects.get(action="user.set_roles", object_id=str(rep.user_id))
    assert event.changes == {"roles": [["sales_rep"], ["finance", "sales_rep"]]}


# --- Unmask -------------------------------------------------------------------------------------


def test_unmask_reveals_and_audits(cast, as_user):
    rep = employee("rep_sh1")
    url = reverse("org:employee_unmask", args=[rep.pk])
    client = as_user("admin")
    assert client.get(url).status_code == 405
    assert AuditEvent.objects.filter(action="employee.unmask").count() == 0
    response = client.post(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.context["revealed_mobile"] == rep.mobile
    assert rep.mobile in response.content.decode()
    event = AuditEvent.objects.get(action="employee.unmask")
    assert (event.actor_username, event.object_type, event.object_id, event.changes) == (
        "admin",
        "org.employee",
        str(rep.pk),
        {"field": "mobile"},
    )


def test_unmask_requires_the_grant_and_the_scope(cast, as_user):
    rep, far = employee("rep_sh2"), employee("rep_hz1")
    assert as_user("manager_east").post(reverse("org:employee_unmask", args=[rep.pk])).status_code == 403
    assert as_user("rep_sh1").post(reverse("org:employee_unmask", args=[rep.pk])).status_code == 403
    role = services.role_save(
        actor=None,
        code="phone_reader",
        name_zh="查看号码",
        name_en="Phone reader",
        grants={"org.employee": (["view", "unmask"], "dept", [])},
    )
    role.users.add(cast["rep_sh1"])
    client = as_user("rep_sh1")
    assert client.post(reverse("org:employee_unmask", args=[far.pk])).status_code == 404
    assert client.post(reverse("org:employee_unmask", args=[rep.pk])).status_code == 200
    assert list(
        AuditEvent.objects.filter(action="employee.unmask").values_list("actor_username", "object_id")
    ) == [("rep_sh1", str(rep.pk))]


# --- Who can see what ---------------------------------------------------------------------------


def access_rows(response) -> dict[str, tuple[list[str], str, int]]:
    return {
        r["entry"].label: ([str(a) for a in r["actions"]], str(r["scope"]), r["count"])
        for r in response.context["rows"]
    }


def test_access_page_of_a_rep(cast, as_user):
    rep = employee("rep_sh1")
    client = as_user("admin")
    client.cookies["opensales_language"] = "en"
    response = client.get(reverse("org:employee_access", args=[rep.pk]))
    assert response.status_code == 200
    rows = access_rows(response)
    assert rows["org.department"] == (["View"], "departments: 上海团队", 1)
    assert rows["org.employee"] == (["View"], "own records; departments: 上海团队", 3)
    assert rows["org.role"] == ([], "—", 0)


def test_access_page_of_a_manager_and_the_admin(cast, as_user):
    client = as_user("admin")
    client.cookies["opensales_language"] = "en"
    rows = access_rows(client.get(reverse("org:employee_access", args=[employee("manager_east").pk])))
    assert rows["org.department"] == (["View"], "departments: 华东大区、上海团队、杭州团队", 3)
    assert rows["org.employee"][2] == 7
    rows = access_rows(client.get(reverse("org:employee_access", args=[employee("admin").pk])))
    assert rows["org.department"] == (["View", "Add", "Change", "Delete", "Export"], "All records", 9)
    assert rows["org.employee"][1:] == ("All records", 20)
    assert rows["org.role"] == (
        ["View", "Add", "Change", "Delete", "Assign"],
        "No record scope: the permission alone decides",
        6,
    )


def test_access_page_needs_view_on_roles(cast, as_user):
    rep = employee("rep_sh1")
    assert as_user("manager_east").get(reverse("org:employee_access", args=[rep.pk])).status_code == 403
    assert as_user("rep_sh2").get(reverse("org:employee_access", args=[rep.pk])).status_code == 403
