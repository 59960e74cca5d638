"""Grants kept across requests under the access stamp (core/access_stamp.py): read once, and read again
after any change to what they are built from, whichever way the change is written."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from opensales.core import access_stamp
from opensales.core.actions import Action, DataScope
from opensales.core.models import AccessStamp, Collaborator
from opensales.core.scope import grants_for, owner_split
from opensales.customers.models import Customer
from opensales.org.models import Department, Employee, Role, RoleGrant
from tests.scopeapp.models import Account

pytestmark = pytest.mark.django_db

CUSTOMER = "customers.customer"


def request_user(user):
    """The user as a new request loads it: a fresh object, nothing cached on it."""
    return get_user_model().objects.get(pk=user.pk)


def grants_queries(user) -> int:
    with CaptureQueriesContext(connection) as queries:
        grants_for(user)
    return len(queries)


def reach(user):
    return grants_for(request_user(user)).reach(CUSTOMER, Action.VIEW)


def test_unchanged_grants_cost_one_query_per_request(cast):
    rep = cast["rep_sh1"]
    assert grants_queries(request_user(rep)) >= 3  # stamp, employee, role grants
    assert grants_queries(request_user(rep)) == 1  # the stamp only
    user = request_user(rep)
    grants_for(user)
    assert user.employee.user_id == rep.pk  # the top bar's employee row comes along, no query


def test_a_role_given_by_any_path_is_seen_by_the_next_request(cast):
    rep = cast["rep_sh1"]
    assert reach(rep).all is False
    director = Role.objects.get(code="sales_director")
    director.users.add(rep)  # the m2m table
    assert reach(rep).all is True
    Role.objects.filter(pk=director.pk).update(is_active=False)  # a bulk update: no signals
    assert reach(rep).all is False
    Role.objects.filter(pk=director.pk).update(is_active=True)
    RoleGrant.objects.filter(role=director, model_label=CUSTOMER).update(scope=DataScope.SELF)
    assert reach(rep).all is False and reach(rep).own is True
    RoleGrant.objects.filter(role=director, model_label=CUSTOMER).delete()
    assert reach(rep).own is True  # the rep's own role still grants their own


def test_chosen_departments_and_staff_moves_are_seen(cast, departments):
    manager = cast["manager_east"]
    custom = Role.objects.create(code="custom_view", name_zh="自选", name_en="Chosen")
    grant = RoleGrant.objects.create(
        role=custom, model_label=CUSTOMER, actions=[Action.VIEW], scope=DataScope.CUSTOM
    )
    custom.users.add(manager)
    before = set(reach(manager).subtree_paths)
    grant.departments.add(departments["BJ"])
    assert departments["BJ"].path in reach(manager).subtree_paths - before
    # The people of a reach: moving someone into the manager's region adds them to his scope.
    bj_rep = Employee.objects.unscoped(reason="test").filter(department=departments["BJ"]).first()
    assert bj_rep.user_id not in owner_split(request_user(cast["lead_sh"]), Customer)[0]
    Employee.objects.unscoped(reason="test").filter(pk=bj_rep.pk).update(department=departments["SH"])
    assert bj_rep.user_id in owner_split(request_user(cast["lead_sh"]), Customer)[0]
    # A department's own row (its path) is watched too.
    Department.objects.unscoped(reason="test").filter(pk=departments["SH"].pk).update(name="上海二部")
    assert grants_for(request_user(cast["lead_sh"])).home_department.name == "上海二部"


def test_a_share_written_without_signals_is_seen(cast):
    rep1, rep2 = cast["rep_sh1"], cast["rep_sh2"]
    account = Account.objects.unscoped(reason="test").create(name="甲", owner=rep2)
    assert not Account.objects.visible_to(request_user(rep1)).filter(pk=account.pk).exists()
    Collaborator.objects.bulk_create([Collaborator(record=account, user=rep1, level=Collaborator.Level.READ)])
    assert Account.objects.visible_to(request_user(rep1)).filter(pk=account.pk).exists()


def test_a_rolled_back_change_never_matches_again(cast):
    rep = cast["rep_sh1"]
    grants_for(request_user(rep))
    director = Role.objects.get(code="sales_director")
    with pytest.raises(RuntimeError), transaction.atomic():
        director.users.add(rep)
        assert reach(rep).all is True  # read inside the transaction, kept under its stamp
        raise RuntimeError
    assert reach(rep).all is False


def test_without_a_stamp_nothing_is_kept(cast):
    rep = cast["rep_sh1"]
    assert access_stamp.current() is not None
    with connection.cursor() as cursor:
        for statement in {"sqlite": access_stamp.SQLITE_REMOVE, "postgresql": access_stamp.PG_REMOVE}[
            connection.vendor
        ]:
            cursor.execute(statement)
    AccessStamp.objects.all().delete()
    assert access_stamp.current() is None
    grants_for(request_user(rep))
    assert grants_queries(request_user(rep)) >= 3  # read every time
    assert access_stamp.ensure_installed(connection) is True
    assert access_stamp.ensure_installed(connection) is False
    grants_for(request_user(rep))
    assert grants_queries(request_user(rep)) == 1


def test_the_kept_employee_row_is_a_copy(cast):
    rep = cast["rep_sh1"]
    first = request_user(rep)
    grants_for(first)
    first.employee.title = "未保存的改动"  # a form that failed validation leaves its instance changed
    second = request_user(rep)
    grants_for(second)
    assert second.employee.title != "未保存的改动"


@pytest.mark.parametrize(
    ("table", "unwatched"),
    [("accounts_user", {"id", "last_login"}), ("api_apitoken", {"id", "last_used_at"})],
)
def test_every_column_of_users_and_tokens_is_watched_but_the_time_of_use(table, unwatched):
    from django.apps import apps

    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    columns = {f.column for f in model._meta.concrete_fields}
    # A new column must be added to WATCHED (or, if it decides nothing, to this test's exceptions).
    assert set(access_stamp.WATCHED[table]) == columns - unwatched


def test_triggers_watch_every_table_once_migrated(cast):
    with connection.cursor() as cursor:
        installed = access_stamp._installed(cursor, connection.vendor)
    assert installed == len(access_stamp.WATCHED) * access_stamp.TRIGGERS_PER_TABLE[connection.vendor]
