"""Soft delete, restore, purge and the expiry purge: what changes, who may, and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone, translation

from opensales.audit.models import AuditEvent
from opensales.core.scope import get_visible_or_404
from opensales.org import services as org
from opensales.org.models import Department
from opensales.recyclebin import selectors, services
from opensales.search.selectors import search
from tests.scopeapp.models import Account, Note

from .conftest import dept, fresh

pytestmark = pytest.mark.django_db


def events(action_prefix="recyclebin."):
    return list(
        AuditEvent.objects.filter(action__startswith=action_prefix)
        .order_by("id")
        .values_list("action", "actor_username", "object_type", "object_id")
    )


def found(user, query):
    return {g.key: [hit.title for hit in g.items] for g in search(user, query).groups}


def restorable(user, model=Account):
    return sorted(str(o) for o in selectors.restorable_by(user, model))


def test_delete_hides_the_record_and_its_children_then_restore_brings_them_back(cast, accounts):
    manager, rep = cast["manager_east"], cast["rep_sh1"]
    sh1 = accounts["sh1"]
    services.soft_delete(actor=manager, obj=sh1)

    stored = fresh(sh1)
    assert (stored.deleted_by, stored.version) == (manager, 2)
    assert stored.deleted_at is not None
    assert sorted(str(a) for a in Account.objects.visible_to(rep)) == []
    assert Note.objects.visible_to(rep).count() == 0
    with pytest.raises(Http404):
        get_visible_or_404(Account, rep, sh1.pk)
    assert restorable(manager) == ["上海一号客户"]
    assert events() == [("recyclebin.delete", "manager_east", "scopeapp.account", str(sh1.pk))]
    assert stored.history.latest().deleted_at == stored.deleted_at  # the record history shows it

    services.restore(actor=manager, obj=sh1)
    stored = fresh(sh1)
    assert (stored.deleted_at, stored.deleted_by, stored.version) == (None, None, 3)
    assert get_visible_or_404(Account, rep, sh1.pk) == sh1
    assert Note.objects.visible_to(rep).count() == 1
    assert restorable(manager) == []
    assert [e[0] for e in events()] == ["recyclebin.delete", "recyclebin.restore"]


def test_search_hides_a_deleted_department_and_finds_it_after_restore(cast):
    admin = cast["admin"]
    team = org.department_create(actor=admin, name="临时项目组", parent=dept("HQ"))
    assert found(admin, "临时") == {"departments": ["临时项目组"]}
    org.department_delete(actor=admin, department=team)
    assert found(admin, "临时") == {}
    assert found(cast["director"], "临时") == {}
    services.restore(actor=admin, obj=team)
    assert found(admin, "临时") == {"departments": ["临时项目组"]}


def test_department_delete_goes_to_the_recycle_bin_and_ignores_deleted_children(cast):
    admin = cast["admin"]
    parent = org.department_create(actor=admin, name="项目部", parent=dept("HQ"))
    child = org.department_create(actor=admin, name="项目一组", parent=parent)
    with pytest.raises(ValidationError):
        org.department_delete(actor=admin, department=parent)
    org.department_delete(actor=admin, department=child)
    org.department_delete(actor=admin, department=parent)  # the child in the bin does not count
    assert restorable(admin, Department) == ["项目一组", "项目部"]
    assert events("department.delete") == [
        ("department.delete", "admin", "org.department", str(child.pk)),
        ("department.delete", "admin", "org.department", str(parent.pk)),
    ]
    assert events() == []
    # The child cannot come back before its parent.
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.restore(actor=admin, obj=child)
    assert exc.value.messages == ["Restore department “项目部” first: this record belongs to it."]
    # The parent cannot be purged while the child refers to it: nothing changes.
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.purge(actor=admin, obj=parent)
    assert exc.value.messages == [
        "“项目部” cannot be deleted permanently: 1 record still refers to it (department)."
    ]
    assert Department.objects.unscoped(reason="t").deleted_only().count() == 2
    assert events() == []
    services.restore(actor=admin, obj=parent)
    services.restore(actor=admin, obj=child)
    assert Department.objects.visible_to(admin).filter(pk__in=[parent.pk, child.pk]).count() == 2


def test_purge_deletes_for_good_with_what_cascades(cast, accounts):
    admin, sh1 = cast["admin"], accounts["sh1"]
    services.soft_delete(actor=admin, obj=sh1)
    assert services.purge(actor=admin, obj=sh1) == {"scopeapp.account": 1, "scopeapp.note": 1}
    assert not Account._base_manager.filter(pk=accounts["sh1"].pk).exists()
    assert not Note._base_manager.filter(pk=accounts["note"].pk).exists()
    purge = AuditEvent.objects.get(action="recyclebin.purge")
    assert (purge.object_type, purge.object_repr, purge.changes) == (
        "scopeapp.account",
        "上海一号客户",
        {"deleted": {"scopeapp.account": 1, "scopeapp.note": 1}},
    )
    assert [e[0] for e in events()] == ["recyclebin.delete", "recyclebin.purge"]


@translation.override("en")
def test_only_records_in_the_bin_can_be_restored_or_purged_and_deleted_once(cast, accounts):
    admin, sh1 = cast["admin"], accounts["sh1"]
    with pytest.raises(ValidationError, match="no longer in the recycle bin"):
        services.restore(actor=admin, obj=sh1)
    with pytest.raises(ValidationError, match="no longer in the recycle bin"):
        services.purge(actor=admin, obj=sh1)
    services.soft_delete(actor=admin, obj=sh1)
    with pytest.raises(ValidationError, match="already in the recycle bin"):
        services.soft_delete(actor=admin, obj=fresh(sh1))
    assert len(events()) == 1


def test_who_may_restore(cast, accounts):
    admin = cast["admin"]
    for obj in (accounts["sh1"], accounts["sh2"], accounts["gz1"]):
        services.soft_delete(actor=admin, obj=obj)
    everything = ["上海一号客户", "上海二号客户", "广州一号客户"]
    assert restorable(admin) == everything
    assert restorable(cast["director"]) == everything
    assert restorable(cast["manager_east"]) == ["上海一号客户", "上海二号客户"]
    # Reps, finance and the auditor have no delete grant: not even their own records.
    for persona in ("rep_sh1", "rep_gz1", "finance", "auditor"):
        assert restorable(cast[persona]) == [], persona
        assert not selectors.may_use(cast[persona]), persona
    # Of the test app's models (the CRM models are deletable by managers too).
    labels = [e.label for e in selectors.entries_for(cast["manager_east"])]
    assert [label for label in labels if label.startswith("scopeapp.")] == [
        "scopeapp.account",
        "scopeapp.note",
    ]
    assert not any(label.startswith("org.") for label in labels)
    assert "org.department" in [e.label for e in selectors.entries_for(admin)]


def test_a_rep_with_a_delete_grant_restores_his_own_record_only(cast, accounts):
    from opensales.core.scope import forget_grants
    from opensales.org.models import RoleGrant

    grant = RoleGrant.objects.get(role__code="sales_rep", model_label="scopeapp.account")
    grant.actions = [*grant.actions, "delete"]
    grant.save()
    rep = cast["rep_sh1"]
    forget_grants(rep)
    services.soft_delete(actor=rep, obj=accounts["sh1"])
    services.soft_delete(actor=cast["admin"], obj=accounts["sh2"])
    assert restorable(rep) == ["上海一号客户"]
    assert restorable(cast["admin"]) == ["上海一号客户", "上海二号客户"]


def test_soft_delete_many_is_all_or_nothing(cast, accounts):
    manager = cast["manager_east"]
    ids = [accounts["sh1"].pk, accounts["sh2"].pk, accounts["gz1"].pk]
    with pytest.raises(Http404):
        services.soft_delete_many(actor=manager, model=Account, ids=ids)
    assert Account.objects.unscoped(reason="t").deleted_only().count() == 0
    assert events() == []

    done = services.soft_delete_many(actor=manager, model=Account, ids=ids[:2])
    assert done == sorted(ids[:2])
    assert restorable(manager) == ["上海一号客户", "上海二号客户"]
    [event] = AuditEvent.objects.filter(action="recyclebin.delete")
    assert (event.object_type, event.object_id, event.changes["ids"]) == ("scopeapp.account", "", done)
    assert [fresh(accounts[k]).version for k in ("sh1", "sh2", "gz1")] == [2, 2, 1]
    history = fresh(accounts["sh1"]).history.latest()
    assert (history.history_type, history.history_user, history.deleted_by) == ("~", manager, manager)
    # Already deleted: the whole batch is refused again.
    with pytest.raises(Http404):
        services.soft_delete_many(actor=manager, model=Account, ids=ids[:1])


def _age(obj, days):
    type(obj).objects.unscoped(reason="t").deleted_only().filter(pk=obj.pk).update(
        deleted_at=timezone.now() - timedelta(days=days)
    )


def test_purge_expired_respects_the_days(cast, accounts, settings):
    admin = cast["admin"]
    for key in ("sh1", "sh2", "gz1"):
        services.soft_delete(actor=admin, obj=accounts[key])
    _age(accounts["sh1"], 31)
    _age(accounts["sh2"], 29)
    assert services.purge_expired() == {"scopeapp.account": [accounts["sh1"].pk]}
    assert not Note._base_manager.filter(pk=accounts["note"].pk).exists()  # cascaded
    assert restorable(admin) == ["上海二号客户", "广州一号客户"]
    run = AuditEvent.objects.filter(action="recyclebin.purge").latest("id")
    assert (run.actor_username, run.object_type) == ("", "")
    assert run.changes["purged"] == {"scopeapp.account": [accounts["sh1"].pk]}
    assert (run.changes["days"], run.changes["kept"]) == (30, {})

    settings.OPENSALES_RECYCLE_BIN_DAYS = 7
    assert selectors.days_left(fresh(accounts["gz1"]).deleted_at) == 7
    assert services.purge_expired() == {"scopeapp.account": [accounts["sh2"].pk]}  # 29 days > 7
    assert services.purge_expired(now=timezone.now() + timedelta(days=6)) == {}
    assert services.purge_expired(now=timezone.now() + timedelta(days=8)) == {
        "scopeapp.account": [accounts["gz1"].pk]
    }
    assert AuditEvent.objects.filter(action="recyclebin.purge").count() == 4  # one per run


def test_purge_expired_takes_a_sub_department_before_its_parent(cast):
    admin = cast["admin"]
    parent = org.department_create(actor=admin, name="项目部", parent=dept("HQ"))
    child = org.department_create(actor=admin, name="项目一组", parent=parent)
    org.department_delete(actor=admin, department=child)
    org.department_delete(actor=admin, department=parent)
    _age(parent, 40)
    assert services.purge_expired() == {}  # the child (not yet expired) still refers to the parent
    run = AuditEvent.objects.filter(action="recyclebin.purge").latest("id")
    assert run.changes["kept"] == {"org.department": [parent.pk]}
    _age(child, 40)
    assert services.purge_expired() == {"org.department": sorted([parent.pk, child.pk])}
    assert not Department._base_manager.filter(pk__in=[parent.pk, child.pk]).exists()


def test_days_left():
    now = timezone.now()
    assert selectors.days_left(now, now=now) == 30
    assert selectors.days_left(now - timedelta(days=29, hours=1), now=now) == 1
    assert selectors.days_left(now - timedelta(days=45), now=now) == 0
