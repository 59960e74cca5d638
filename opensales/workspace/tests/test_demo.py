"""The workspace demo step: tags, saved views, a comment with mentions, a department in the bin."""

from __future__ import annotations

import random

import pytest

from opensales.core.demo import DemoContext
from opensales.notifications.models import Notification
from opensales.org.models import Department, Employee
from opensales.workspace.demo import seed_workspace
from opensales.workspace.models import SavedView, TaggedItem

pytestmark = pytest.mark.django_db


def test_demo_workspace(cast):
    ctx = DemoContext(size="small", scale=1, rng=random.Random(7), log=lambda m: None, made={"users": cast})
    seed_workspace(ctx)
    assert TaggedItem.objects.count() == 11
    shared = SavedView.objects.get(name="华东在职销售")
    assert shared.visibility == "department" and shared.department.code == "EAST"
    mentioned = set(Notification.objects.filter(kind="mention").values_list("recipient__username", flat=True))
    assert mentioned == {"manager_east", "rep_sh2"}
    assert not Department.objects.unscoped(reason="t").filter(code="TMP").exists()
    assert Department.objects.unscoped(reason="t").deleted_only().filter(code="TMP").exists()
    assert Employee.objects.unscoped(reason="t").count() == 20
