"""Rows of the permission matrices for bulk actions, exports and jobs (discovered by
tests/test_permission_matrix.py and tests/test_api_matrix.py).

They run on the test-only "scope-accounts" list (tests/scopeapp/workspace.py): scopeapp.Account grants
follow the built-in roles (reps: view/add/change their own; manager_east: everything but import in 华东;
director and admin: everything; finance and auditor: view/export everything). A bulk action with a row
outside the scope answers the page with a redirect and an error message (302, like success: the exact
outcome per persona is pinned in opensales/bulk/tests/test_bulk.py and test_views.py), the API with 404.
Jobs are their user's only: anyone else gets 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.matrix import SIGNED_IN, Row, Target, only, statuses

KEY = "scope-accounts"
ACCOUNT = "矩阵客户"
MATRIX_FILE = "exports/permission-matrix.csv"


def _account_of_rep_sh1(cast) -> Any:
    from tests.scopeapp.models import Account

    return Account.objects.create(name=ACCOUNT, owner=cast["rep_sh1"])


def _list_with_account(name: str) -> Target:
    def make(cast):
        _account_of_rep_sh1(cast)
        return {name: KEY}

    return Target("an account of rep_sh1", make)


def _account_pk() -> int:
    from tests.scopeapp.models import Account

    return Account.objects.unscoped(reason="matrix").get(name=ACCOUNT).pk


def _job_of_rep_sh1(cast, finished_export: bool = False) -> Any:
    """A pending job of rep_sh1, or a finished export of manager_east (downloading needs the export
    permission still, which reps do not have)."""
    from django.core.files.base import ContentFile

    from opensales.bulk.models import Job

    user = cast["manager_east"] if finished_export else cast["rep_sh1"]
    job = Job.objects.create(kind="export", user=user, list_key=KEY, action="csv", total=1)
    if finished_export:
        job.state, job.done, job.file_name = Job.State.SUCCEEDED, 1, "矩阵.csv"
        # One fixed file, written once: the matrix rolls its rows back, but not files in storage.
        if not job.file.storage.exists(MATRIX_FILE):
            job.file.storage.save(MATRIX_FILE, ContentFile("\ufeffName\r\n矩阵客户\r\n".encode()))
        job.file.name = MATRIX_FILE
        job.save()
    return job


def _job(kwarg: str, finished_export: bool = False) -> Target:
    what = "a finished export of manager_east" if finished_export else "a job of rep_sh1"
    return Target(what, lambda cast: {kwarg: _job_of_rep_sh1(cast, finished_export).pk})


def _rep_sh1_has_a_job(cast) -> dict[str, Any]:
    _job_of_rep_sh1(cast)
    return {}


def _own_jobs(username: str, as_text: bool) -> Callable[[], set]:
    def ids() -> set:
        from opensales.bulk.models import Job

        pks = Job.objects.filter(user__username=username).values_list("pk", flat=True)
        return {str(pk) for pk in pks} if as_text else set(pks)

    return ids


# Who may add tags to rep_sh1's account: its owner, their manager, the director and the administrator.
TAGGERS = {"admin", "director", "manager_east", "rep_sh1"}
EXPORTERS = {"admin", "director", "manager_east", "finance", "auditor"}

UI_ROWS: list[Row] = [
    Row(
        "bulk:run",
        "POST",
        statuses(302, finance=403, auditor=403),
        target=_list_with_account("key"),
        data=lambda cast: {"action": "add_tags", "ids": [_account_pk()], "add_tags-tags": "矩阵"},
        note="add tags (a foreign row: back to the list with an error)",
    ),
    Row(
        "bulk:export",
        "GET",
        only(dict.fromkeys(EXPORTERS, 200), 403),
        target=_list_with_account("key"),
        note="no format: XLSX",
    ),
    Row("bulk:job", "GET", only({"rep_sh1": 200}, 404), target=_job("pk")),
    Row(
        "bulk:job_list",
        "GET",
        statuses(200),
        target=Target("rep_sh1 has a job", _rep_sh1_has_a_job),
        ids={p: _own_jobs(p, as_text=True) for p in SIGNED_IN},
    ),
    Row("bulk:download", "GET", only({"manager_east": 200}, 404), target=_job("pk", finished_export=True)),
]


def api_rows(ApiRow: type, api_statuses: Callable[..., dict], api_only: Callable[..., dict]) -> list:
    return [
        ApiRow(
            "POST",
            "/api/v1/bulk/{key}",
            api_statuses(404, **dict.fromkeys(TAGGERS, 200), finance=403, auditor=403),
            target=_list_with_account("key"),
            body=lambda cast, persona: {
                "action": "add_tags",
                "ids": [_account_pk()],
                "params": {"tags": ["矩阵"]},
            },
            note="add tags to rep_sh1's account",
        ),
        ApiRow(
            "GET",
            "/api/v1/exports/{key}",
            api_only(dict.fromkeys(EXPORTERS, 200), 403),
            target=_list_with_account("key"),
            note="no format: XLSX",
        ),
        ApiRow(
            "GET",
            "/api/v1/jobs",
            api_statuses(200),
            target=Target("rep_sh1 has a job", _rep_sh1_has_a_job),
            ids={p: _own_jobs(p, as_text=False) for p in SIGNED_IN},
        ),
        ApiRow("GET", "/api/v1/jobs/{id}", api_only({"rep_sh1": 200}, 404), target=_job("id")),
        ApiRow(
            "GET",
            "/api/v1/jobs/{id}/file",
            api_only({"manager_east": 200}, 404),
            target=_job("id", finished_export=True),
        ),
    ]
