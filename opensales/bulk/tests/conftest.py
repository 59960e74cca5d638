"""Fixtures of the bulk and export tests: the demo cast and a few accounts (tests.scopeapp) on the
test-only "scope-accounts" list (tests/scopeapp/workspace.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture
def cast(cast):
    for user in cast.values():
        user.refresh_from_db()
    return cast


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def view():
    from opensales.workspace.registry import get_view

    return get_view("scope-accounts")


@pytest.fixture
def accounts(cast):
    """name -> Account: 上海 accounts of rep_sh1 (3) and rep_sh2 (2), 广州 ones of rep_gz1 (2), and a
    pool account owned by rep_gz2."""
    from tests.scopeapp.models import Account

    made = {}
    for name, owner, pool in [
        ("上海甲", "rep_sh1", False),
        ("上海乙", "rep_sh1", False),
        ("上海丙", "rep_sh1", False),
        ("上海丁", "rep_sh2", False),
        ("上海戊", "rep_sh2", False),
        ("广州甲", "rep_gz1", False),
        ("上海广州乙", "rep_gz1", False),
        ("公海客户", "rep_gz2", True),
    ]:
        made[name] = Account.objects.create(name=name, owner=cast[owner], in_pool=pool)
    return made


@pytest.fixture
def grant_rep_export(db):
    """Let sales reps export accounts (their own scope), as an administrator could."""
    from opensales.org.models import RoleGrant

    grant = RoleGrant.objects.get(role__code="sales_rep", model_label="scopeapp.account")
    grant.actions = [*grant.actions, "export"]
    grant.save()
    return grant
