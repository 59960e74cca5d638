"""The role matrix editor through the real UI: an administrator creates a role, a user gets it,
and the user's next page shows exactly what the grant allows — at desktop and phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opensales.core.scope import system_access
from opensales.org.models import Department, Role, RoleGrant

from .conftest import translated

pytestmark = pytest.mark.browser


def _open_menu_entry(page, viewport_name, label):
    if viewport_name == "phone":
        page.locator(".navbar-toggler").click()
    page.locator("#sidebar-menu").get_by_role("link", name=label).click()


def test_admin_creates_a_role_in_the_matrix_and_it_applies(
    page, signed_in, live_server, viewport_name, browser
):
    signed_in(page, "admin")
    _open_menu_entry(page, viewport_name, translated("Roles"))
    expect(page).to_have_url(f"{live_server.url}/org/roles/")
    page.get_by_test_id("role-create").click()

    form = page.get_by_test_id("role-form")
    form.locator('input[name="code"]').fill("east_watch")
    form.locator('input[name="name_zh"]').fill("华东观察员")
    form.locator('input[name="name_en"]').fill("East watcher")
    page.get_by_test_id("grant-org.employee-view").check()
    page.get_by_test_id("scope-org.employee").select_option("custom")
    east = page.get_by_test_id("departments-org.employee")
    # Options are indented by tree level; pick 华东大区 by its value.
    east_pk = Department.objects.unscoped(reason="test").get(code="EAST").pk
    east.select_option(value=str(east_pk))
    page.get_by_test_id("grant-org.department-view").check()
    page.get_by_test_id("scope-org.department").select_option("all")
    page.get_by_test_id("save").click()

    expect(page.locator('[role="alert"]')).to_contain_text("华东观察员")
    page.goto("/org/roles/")
    expect(page.locator('[data-testid="role-row"][data-code="east_watch"]')).to_contain_text("华东观察员")
    role = Role.objects.get(code="east_watch")
    grants = {g.model_label: (g.actions, g.scope) for g in role.grants.all()}
    assert grants == {"org.employee": (["view"], "custom"), "org.department": (["view"], "all")}
    custom = RoleGrant.objects.get(role=role, model_label="org.employee")
    with system_access("test"):
        assert [d.name for d in custom.departments.all()] == ["华东大区"]

    # Give the role to rep_gz1 (广州团队) alone; their employee list now shows 华东大区's people plus themself.
    user = signed_in.users["rep_gz1"]
    user.roles.set([role])
    rep = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    signed_in(rep, "rep_gz1")
    rep.goto("/org/employees/")
    rows = rep.locator('[data-testid="row"]')
    expect(rows.first).to_be_visible()
    ids = [int(rows.nth(i).get_attribute("data-row-id")) for i in range(rows.count())]
    from opensales.org.models import Employee

    by_pk = dict(Employee.objects.unscoped(reason="test").values_list("pk", "user__username"))
    usernames = sorted(by_pk[pk] for pk in ids)
    assert usernames == sorted(
        ["manager_east", "lead_sh", "lead_hz", "rep_sh1", "rep_sh2", "rep_hz1", "rep_hz2", "rep_gz1"]
    )
    rep.context.close()
