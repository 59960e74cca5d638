"""The queryset modifiers: visible_to/unscoped leave deleted rows out; with_deleted/deleted_only, in any
order; children follow a deleted parent; get_visible_or_404 answers 404 without a denial event."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import timezone

from opensales.audit.models import AuditEvent
from opensales.core.actions import Action
from opensales.core.scope import UnscopedQueryError, get_visible_or_404, scope_is_unconditional
from opensales.org.models import Department, Role
from tests.scopeapp.models import Account, Note

from .conftest import fresh

pytestmark = pytest.mark.django_db


def mark_deleted(obj):
    type(obj).objects.unscoped(reason="test").filter(pk=obj.pk).update(deleted_at=timezone.now())


def names(qs):
    return sorted(str(o) for o in qs)


def test_deleted_rows_are_left_out_by_default_and_reached_on_request(cast, accounts):
    admin = cast["admin"]
    mark_deleted(accounts["sh1"])
    assert names(Account.objects.visible_to(admin)) == ["上海二号客户", "广州一号客户"]
    assert Account.objects.unscoped(reason="t").count() == 2
    assert Account.objects.visible_to(admin).with_deleted().count() == 3
    assert Account.objects.with_deleted().visible_to(admin).count() == 3
    assert names(Account.objects.visible_to(admin).deleted_only()) == ["上海一号客户"]
    assert names(Account.objects.deleted_only().visible_to(admin)) == ["上海一号客户"]
    assert names(Account.objects.unscoped(reason="t").deleted_only()) == ["上海一号客户"]
    assert Account.objects.unscoped(reason="t").with_deleted().count() == 3
    # The modifiers do not open the scope.
    with pytest.raises(UnscopedQueryError):
        Account.objects.with_deleted().count()
    # The scope still applies: rep_sh2 sees only his own, deleted or not.
    assert names(Account.objects.deleted_only().visible_to(cast["rep_sh2"])) == []
    assert names(Account.objects.with_deleted().visible_to(cast["rep_sh1"])) == ["上海一号客户"]


def test_as_a_subquery_the_mode_travels_with_the_query(cast, accounts):
    admin = cast["admin"]
    mark_deleted(accounts["sh1"])
    deleted = Account.objects.deleted_only().visible_to(admin).values("pk")
    assert list(Account.objects.unscoped(reason="t").with_deleted().filter(pk__in=deleted)) == [
        fresh(accounts["sh1"])
    ]
    assert Account.objects.visible_to(admin).deleted_only().update(name="改名") == 1
    assert fresh(accounts["sh1"]).name == "改名"
    assert fresh(accounts["sh2"]).name == "上海二号客户"


def test_children_of_a_deleted_parent_are_invisible_even_to_a_superuser(cast, accounts):
    admin, rep = cast["admin"], cast["rep_sh1"]
    assert Note.objects.visible_to(rep).count() == 1
    mark_deleted(accounts["sh1"])
    assert Note.objects.visible_to(rep).count() == 0
    assert Note.objects.visible_to(admin).count() == 0
    admin.is_superuser = True
    assert Note.objects.visible_to(admin).count() == 0
    with pytest.raises(Http404):
        get_visible_or_404(Note, rep, accounts["note"].pk)


def test_get_visible_or_404_on_a_deleted_record_is_a_plain_404(cast, accounts):
    rep = cast["rep_sh1"]
    assert get_visible_or_404(Account, rep, accounts["sh1"].pk) == accounts["sh1"]
    mark_deleted(accounts["sh1"])
    with pytest.raises(Http404):
        get_visible_or_404(Account, rep, accounts["sh1"].pk)
    assert not AuditEvent.objects.filter(action="access.denied").exists()
    # A live record out of scope is still a recorded refusal.
    with pytest.raises(Http404):
        get_visible_or_404(Account, rep, accounts["gz1"].pk)
    assert AuditEvent.objects.filter(action="access.denied").count() == 1


def test_a_model_without_a_recycle_bin_is_untouched(cast):
    # Role is under the scope (scope_free) but is not a ScopedModel: no deleted_at, no condition.
    assert Role.objects.all().count() == 6
    assert Department.objects.visible_to(cast["admin"]).count() == 9


def test_scope_is_unconditional_ignores_the_soft_delete_condition(cast):
    assert scope_is_unconditional(Department.objects.visible_to(cast["director"], Action.VIEW))
    assert not scope_is_unconditional(Department.objects.visible_to(cast["rep_sh1"], Action.VIEW))
