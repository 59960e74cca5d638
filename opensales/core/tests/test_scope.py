"""The permission scope: fixed cases on the demo cast, and a property test on random companies."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opensales.core.actions import Action, DataScope
from opensales.core.models import Collaborator
from opensales.core.scope import (
    UnscopedQueryError,
    forget_grants,
    get_visible_or_404,
    has_action,
    require_all_visible,
    scope_q,
    system_access,
)
from opensales.org import services
from opensales.org.models import Department, Employee, Role, RoleGrant
from tests.scopeapp.models import Account, Note

pytestmark = pytest.mark.django_db


def usernames(qs):
    return {e.user.username for e in qs.select_related("user")}


def test_unscoped_query_is_refused(cast):
    with pytest.raises(UnscopedQueryError):
        list(Employee.objects.all())
    with pytest.raises(UnscopedQueryError):
        Employee.objects.count()
    with pytest.raises(UnscopedQueryError):
        Employee.objects.filter(title="x").exists()
    with pytest.raises(UnscopedQueryError):
        Employee.objects.update(title="x")
    # A subquery built from an unscoped queryset is refused too.
    with pytest.raises(UnscopedQueryError):
        list(Department.objects.unscoped(reason="t").filter(pk__in=Employee.objects.values("department_id")))
    assert Employee.objects.unscoped(reason="test").count() == 20
    with system_access("test"):
        assert Employee.objects.count() == 20


def test_unscoped_needs_a_reason():
    with pytest.raises(ValueError):
        Employee.objects.unscoped(reason="")


def test_rep_sees_own_department_employees(cast):
    visible = Employee.objects.visible_to(cast["rep_sh1"], Action.VIEW)
    assert usernames(visible) == {"rep_sh1", "rep_sh2", "lead_sh"}


def test_manager_sees_subtree(cast):
    visible = Employee.objects.visible_to(cast["manager_east"], Action.VIEW)
    assert usernames(visible) == {
        "manager_east",
        "rep_sh1",
        "rep_sh2",
        "lead_sh",
        "lead_hz",
        "rep_hz1",
        "rep_hz2",
    }
    depts = Department.objects.visible_to(cast["manager_east"], Action.VIEW)
    assert {d.name for d in depts} == {"华东大区", "上海团队", "杭州团队"}


def test_director_sees_all_and_rep_cannot_change(cast):
    assert Employee.objects.visible_to(cast["director"]).count() == 20
    assert Employee.objects.visible_to(cast["rep_sh1"], Action.CHANGE).count() == 0
    assert not has_action(cast["rep_sh1"], Employee, Action.CHANGE)
    assert has_action(cast["admin"], Employee, Action.UNMASK)


def test_out_of_scope_is_404_and_bulk_is_all_or_nothing(cast):
    rep, other = cast["rep_sh1"], cast["rep_gz1"]
    own_team = Employee.objects.unscoped(reason="t").get(user=cast["rep_sh2"])
    foreign = Employee.objects.unscoped(reason="t").get(user=other)
    assert get_visible_or_404(Employee, rep, own_team.pk) == own_team
    with pytest.raises(Http404):
        get_visible_or_404(Employee, rep, foreign.pk)
    with pytest.raises(Http404):
        get_visible_or_404(Employee, rep, "not-a-number")
    with pytest.raises(Http404):
        require_all_visible(Employee, rep, [own_team.pk, foreign.pk], Action.VIEW)
    assert require_all_visible(Employee, rep, [own_team.pk], Action.VIEW) == [own_team]


def test_inactive_and_anonymous_see_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    assert Employee.objects.visible_to(AnonymousUser()).count() == 0
    director = cast["director"]
    director.is_active = False
    assert Employee.objects.visible_to(director).count() == 0


def test_role_change_applies_to_the_next_evaluation(cast):
    rep = cast["rep_sh1"]
    assert Employee.objects.visible_to(rep).count() == 3
    services.user_set_roles(actor=cast["admin"], user=rep, roles=[Role.objects.get(code="sales_director")])
    assert Employee.objects.visible_to(rep).count() == 20


def test_department_change_applies_to_the_next_request(cast, departments):
    rep = cast["rep_sh1"]
    employee = Employee.objects.unscoped(reason="t").get(user=rep)
    services.employee_update(actor=cast["admin"], employee=employee, department=departments["GZ"])
    forget_grants(rep)  # a new request loads a new user object; here we drop the cached grants
    assert usernames(Employee.objects.visible_to(rep)) == {"rep_sh1", "rep_gz1", "rep_gz2"}


def test_custom_scope_covers_chosen_departments_and_their_children(cast, departments):
    role = services.role_save(
        actor=cast["admin"],
        code="south_watch",
        name_zh="华南观察",
        name_en="South watcher",
        grants={"org.employee": (["view"], DataScope.CUSTOM, [departments["SOUTH"]])},
    )
    user = cast["rep_bj1"]
    services.user_set_roles(actor=cast["admin"], user=user, roles=[role])
    assert usernames(Employee.objects.visible_to(user)) == {
        "rep_bj1",
        "manager_south",
        "rep_gz1",
        "rep_gz2",
        "rep_sz1",
        "rep_sz2",
    }


def test_collaborator_read_and_edit_levels(cast):
    rep1, rep2 = cast["rep_sh1"], cast["rep_gz1"]
    account = Account.objects.create(name="A", owner=rep1)
    assert not Account.objects.visible_to(rep2).filter(pk=account.pk).exists()
    collab = Collaborator.objects.create(record=account, user=rep2, level=Collaborator.Level.READ)
    assert Account.objects.visible_to(rep2).filter(pk=account.pk).exists()
    assert not Account.objects.visible_to(rep2, Action.CHANGE).filter(pk=account.pk).exists()
    collab.level = Collaborator.Level.EDIT
    collab.save()
    assert Account.objects.visible_to(rep2, Action.CHANGE).filter(pk=account.pk).exists()
    assert not Account.objects.visible_to(rep2, Action.DELETE).filter(pk=account.pk).exists()


def test_children_follow_parent_and_pool_is_view_only(cast):
    rep1, rep2, manager = cast["rep_sh1"], cast["rep_gz1"], cast["manager_east"]
    mine = Account.objects.create(name="mine", owner=rep1)
    note = Note.objects.create(account=mine, text="n")
    assert list(Note.objects.visible_to(rep1)) == [note]
    assert list(Note.objects.visible_to(manager)) == [note]
    assert list(Note.objects.visible_to(rep2)) == []
    pooled = Account.objects.create(name="pool", owner=rep1, in_pool=True)
    assert set(Account.objects.visible_to(rep2)) == {pooled}
    assert list(Account.objects.visible_to(rep2, Action.CHANGE)) == []


def test_no_grant_means_nothing_even_for_own_records(cast):
    rep = cast["rep_sh1"]
    RoleGrant.objects.filter(role__code="sales_rep", model_label="scopeapp.account").delete()
    Account.objects.create(name="mine", owner=rep)
    forget_grants(rep)
    assert Account.objects.visible_to(rep).count() == 0
    assert str(scope_q(rep, Account, Action.VIEW)) == "(AND: ('pk__in', []))"


# --- Property: random companies, random grants; the query equals the rule computed by hand ---------

SCOPES = [DataScope.SELF, DataScope.DEPT, DataScope.DEPT_AND_CHILD, DataScope.CUSTOM, DataScope.ALL]


def _subtree(dept_id, parents):
    """Departments under dept_id (inclusive), from parent pointers — independent of `path`."""
    out = {dept_id}
    changed = True
    while changed:
        changed = False
        for child, parent in parents.items():
            if parent in out and child not in out:
                out.add(child)
                changed = True
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_scope_equals_the_rule(db, data):
    with transaction.atomic():
        _check_random_company(data)
        transaction.set_rollback(True)


def _check_random_company(data):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    n_depts = data.draw(st.integers(1, 7), label="departments")
    depts = []
    for i in range(n_depts):
        parent = data.draw(st.sampled_from([None, *depts]), label=f"parent{i}") if depts else None
        depts.append(services.department_create(actor=None, name=f"D{i}", parent=parent))
    # Move a random department under a random non-descendant: paths must follow.
    if n_depts > 1 and data.draw(st.booleans(), label="move"):
        moved = data.draw(st.sampled_from(depts), label="moved")
        targets = [d for d in Department.objects.unscoped(reason="t") if not d.path.startswith(moved.path)]
        target = data.draw(st.sampled_from([None, *targets]), label="target")
        services.department_move(actor=None, department=moved, new_parent=target)
    parents = dict(Department.objects.unscoped(reason="t").values_list("pk", "parent_id"))

    n_users = data.draw(st.integers(1, 6), label="users")
    users, home = [], {}
    for i in range(n_users):
        dept = data.draw(st.sampled_from([None, *depts]), label=f"home{i}")
        user = User.objects.create(username=f"u{i}")
        Employee.objects.create(user=user, department=dept)
        users.append(user)
        home[user.pk] = dept.pk if dept else None

    viewer = data.draw(st.sampled_from(users), label="viewer")
    grants = []
    for r in range(data.draw(st.integers(0, 2), label="roles")):
        role = Role.objects.create(code=f"r{r}", name_zh="r", name_en="r")
        role.users.add(viewer)
        scope = data.draw(st.sampled_from(SCOPES), label=f"scope{r}")
        actions = data.draw(st.sets(st.sampled_from(["view", "change"]), min_size=1), label=f"actions{r}")
        grant = RoleGrant.objects.create(
            role=role, model_label="scopeapp.account", actions=sorted(actions), scope=scope
        )
        custom = set()
        if scope == DataScope.CUSTOM:
            chosen = data.draw(st.sets(st.sampled_from(depts), min_size=1, max_size=3), label=f"custom{r}")
            with system_access("test"):
                grant.departments.set(chosen)
            custom = {d.pk for d in chosen}
        grants.append((scope, set(actions), custom))

    accounts = []
    for a in range(data.draw(st.integers(0, 8), label="accounts")):
        owner = data.draw(st.sampled_from(users), label=f"owner{a}")
        pool = data.draw(st.booleans(), label=f"pool{a}")
        accounts.append(Account.objects.create(name=f"A{a}", owner=owner, in_pool=pool))
    collab = {}
    for account in accounts:
        level = data.draw(st.sampled_from([None, "read", "edit"]), label=f"collab{account.pk}")
        if level:
            Collaborator.objects.create(record=account, user=viewer, level=level)
            collab[account.pk] = level

    for action in ("view", "change"):
        forget_grants(viewer)
        expected = set()
        relevant = [g for g in grants if action in g[1]]
        if relevant:
            my_home = home[viewer.pk]
            for acc in accounts:
                owner_home = home[acc.owner_id]
                ok = False
                for scope, _actions, custom in relevant:
                    if scope == DataScope.ALL or acc.owner_id == viewer.pk:
                        ok = True
                    elif scope == DataScope.DEPT:
                        ok = ok or (my_home is not None and owner_home == my_home)
                    elif scope == DataScope.DEPT_AND_CHILD:
                        ok = ok or (my_home is not None and owner_home in _subtree(my_home, parents))
                    elif scope == DataScope.CUSTOM:
                        covered = set().union(*(_subtree(d, parents) for d in custom))
                        ok = ok or owner_home in covered
                ok = (
                    ok
                    or (action == "view" and acc.pk in collab)
                    or (action == "change" and collab.get(acc.pk) == "edit")
                )
                ok = ok or (action == "view" and acc.in_pool)
                if ok:
                    expected.add(acc.pk)
        got = set(Account.objects.visible_to(viewer, action).values_list("pk", flat=True))
        assert got == expected, (action, grants)
        # The list and the detail agree: every listed record opens, every other one is 404.
        for acc in accounts:
            try:
                get_visible_or_404(Account, viewer, acc.pk, action)
                opened = True
            except Http404:
                opened = False
            assert opened == (acc.pk in expected)
