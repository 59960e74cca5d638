"""Rows of the permission matrices for the recycle bin (discovered by tests/test_permission_matrix.py and
tests/test_api_matrix.py through tests.matrix.app_matrix_modules).

The records: accounts of the test app (tests.scopeapp, every built-in role has its default grants on
it) owned by rep_sh1 (east region) and rep_gz1 (south), and an empty department, all moved to the
recycle bin by admin. Who may restore or purge: a delete grant on the model, record within its scope.
admin (all, every model), director (all, business models only: not departments), manager_east (his
region's records). Reps, finance and the auditor hold no delete grant: 403, and no menu item.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.matrix import Row, Target, only

DELETERS_PAGE = only({"admin": 200, "director": 200, "manager_east": 200}, 403)
DELETERS_WRITE = only({"admin": 302, "director": 302, "manager_east": 302}, 403)
OUTSIDE_EAST_WRITE = only({"admin": 302, "director": 302, "manager_east": 404}, 403)


def _account(owner: str, name: str, cast) -> Any:
    from opensales.core.scope import system_access
    from opensales.recyclebin.services import soft_delete
    from tests.scopeapp.models import Account

    with system_access("matrix"):
        account = Account.objects.create(name=name, owner=cast[owner])
    return soft_delete(actor=cast["admin"], obj=account)


def _bin(with_department: bool) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def make(cast) -> dict[str, Any]:
        _account("rep_sh1", "回收站-上海", cast)
        _account("rep_gz1", "回收站-广州", cast)
        if with_department:
            from opensales.org.models import Department
            from opensales.org.services import department_create, department_delete

            hq = Department.objects.unscoped(reason="matrix").get(code="HQ")
            empty = department_create(actor=None, name="已删除部门", parent=hq)
            department_delete(actor=cast["admin"], department=empty)
        return {}

    return make


def _ids(*, accounts: tuple[str, ...], department: bool, as_int: bool = False) -> Callable[[], set]:
    def ids() -> set:
        from opensales.org.models import Department
        from tests.scopeapp.models import Account

        found = {
            ("scopeapp.account", a.pk)
            for a in Account.objects.unscoped(reason="matrix").deleted_only().filter(name__in=accounts)
        }
        if department:
            found |= {
                ("org.department", d.pk)
                for d in Department.objects.unscoped(reason="matrix").deleted_only().filter(name="已删除部门")
            }
        return {pk for _label, pk in found} if as_int else {f"{label}:{pk}" for label, pk in found}

    return ids


def _deleted_account(owner: str, key: str) -> Target:
    def make(cast) -> dict[str, Any]:
        account = _account(owner, f"回收站-{owner}", cast)
        return {"label": "scopeapp.account", key: account.pk}

    return Target(f"account of {owner} in the recycle bin", make)


BIN = Target("accounts of rep_sh1 and rep_gz1 and a department in the recycle bin", _bin(True))
BIN_ACCOUNTS = Target("accounts of rep_sh1 and rep_gz1 in the recycle bin", _bin(False))
SH, GZ = "回收站-上海", "回收站-广州"

UI_ROWS: list[Row] = [
    Row(
        "recyclebin:list",
        "GET",
        DELETERS_PAGE,
        target=BIN,
        ids={
            "admin": _ids(accounts=(SH, GZ), department=True),
            "director": _ids(accounts=(SH, GZ), department=False),
            "manager_east": _ids(accounts=(SH,), department=False),
        },
    ),
    Row("recyclebin:restore", "POST", DELETERS_WRITE, target=_deleted_account("rep_sh1", "pk")),
    Row("recyclebin:purge", "POST", DELETERS_WRITE, target=_deleted_account("rep_sh1", "pk")),
    Row(
        "recyclebin:restore",
        "POST",
        OUTSIDE_EAST_WRITE,
        target=_deleted_account("rep_gz1", "pk"),
        note="outside the east region",
    ),
    Row(
        "recyclebin:purge",
        "POST",
        OUTSIDE_EAST_WRITE,
        target=_deleted_account("rep_gz1", "pk"),
        note="outside the east region",
    ),
]


def api_rows(ApiRow: type, api_statuses: Callable[..., dict], api_only: Callable[..., dict]) -> list:
    """The API rows, built with tests/test_api_matrix.py's own ApiRow and status helpers."""
    deleters = {"admin": 200, "director": 200, "manager_east": 200}
    return [
        ApiRow(
            "GET",
            "/api/v1/recycle-bin",
            api_only(deleters, 403),
            target=BIN_ACCOUNTS,
            ids={
                "admin": _ids(accounts=(SH, GZ), department=False, as_int=True),
                "director": _ids(accounts=(SH, GZ), department=False, as_int=True),
                "manager_east": _ids(accounts=(SH,), department=False, as_int=True),
            },
        ),
        ApiRow(
            "POST",
            "/api/v1/recycle-bin/{label}/{id}/restore",
            api_only(deleters, 403),
            target=_deleted_account("rep_sh1", "id"),
        ),
        ApiRow(
            "POST",
            "/api/v1/recycle-bin/{label}/{id}/restore",
            api_only({"admin": 200, "director": 200, "manager_east": 404}, 403),
            target=_deleted_account("rep_gz1", "id"),
            note="outside the east region",
        ),
        ApiRow(
            "DELETE",
            "/api/v1/recycle-bin/{label}/{id}",
            api_only({"admin": 204, "director": 204, "manager_east": 204}, 403),
            target=_deleted_account("rep_sh1", "id"),
        ),
        ApiRow(
            "DELETE",
            "/api/v1/recycle-bin/{label}/{id}",
            api_only({"admin": 204, "director": 204, "manager_east": 404}, 403),
            target=_deleted_account("rep_gz1", "id"),
            note="outside the east region",
        ),
    ]
