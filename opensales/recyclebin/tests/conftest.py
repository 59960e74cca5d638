"""Records for the recycle-bin tests: accounts (tests.scopeapp) owned by reps of two regions."""

from __future__ import annotations

import pytest

from opensales.core.scope import system_access
from opensales.org.models import Department
from tests.scopeapp.models import Account, Note


@pytest.fixture
def accounts(cast):
    """sh1 (rep_sh1, with a note), sh2 (rep_sh2), gz1 (rep_gz1)."""
    with system_access("test data"):
        made = {
            "sh1": Account.objects.create(name="上海一号客户", owner=cast["rep_sh1"]),
            "sh2": Account.objects.create(name="上海二号客户", owner=cast["rep_sh2"]),
            "gz1": Account.objects.create(name="广州一号客户", owner=cast["rep_gz1"]),
        }
        made["note"] = Note.objects.create(account=made["sh1"], text="回访记录")
    return made


def fresh(obj):
    """The row as stored now, deleted or not."""
    return type(obj)._base_manager.get(pk=obj.pk)


def dept(code: str) -> Department:
    return Department.objects.unscoped(reason="test").get(code=code)
