"""Rows of the permission matrices for imports (discovered by tests/test_permission_matrix.py and
tests/test_api_matrix.py).

Only the administrator holds the import action on employees (the built-in roles); every other persona
gets 403 on the steps that start an import. A job belongs to the user who started it: the job pages
answer 404 to everyone else, including the other personas with the import action. The history lists
exactly the persona's own jobs (admin's one job for admin, none for the others).

The API matrix posts JSON, not multipart: POST /api/v1/imports answers 422 (no file) before any
permission check; the 403 for a persona without the import action is in tests/test_api.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.matrix import Row, Target, only, statuses

from .files import HEADER, csv_bytes, employee_rows, upload


def _admins_job(
    *, checked: bool = False, started: bool = False
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def make(cast) -> dict[str, Any]:
        from opensales.imports import services
        from opensales.org.importers import EmployeeImporter

        job = services.job_create(
            user=cast["admin"],
            importer=EmployeeImporter,
            upload=upload(csv_bytes([HEADER, *employee_rows(1)])),
        )
        if checked or started:
            job.check_state = "ready"
            job.save()
        if started:
            job.state = "succeeded"
            job.save()
        return {"pk": job.pk}

    return make


def _with_errors(cast) -> dict[str, Any]:
    pk = _admins_job(started=True)(cast)["pk"]
    from django.core.files.base import ContentFile

    from opensales.imports.models import ImportJob

    job = ImportJob.objects.get(pk=pk)
    job.errors_file.save("e.json", ContentFile(b'{"2": ["x"]}'), save=False)
    job.error_count = job.rejected_count = 1
    job.state = "failed"
    job.save()
    return {"pk": pk, "fmt": "csv"}


def _admin_holds_a_job(cast) -> dict[str, Any]:
    _admins_job()(cast)
    return {}


def _history_ids(persona: str) -> Callable[[], set[str]]:
    def ids() -> set[str]:
        from opensales.imports.models import ImportJob

        return {
            str(pk) for pk in ImportJob.objects.filter(user__username=persona).values_list("pk", flat=True)
        }

    return ids


DRAFT = Target("admin's draft job", _admins_job())
CHECKED = Target("admin's checked draft", _admins_job(checked=True))
FINISHED = Target("admin's finished job", _admins_job(started=True))
WITH_ERRORS = Target("admin's failed job", _with_errors)
EMPLOYEES = Target("importer employees", lambda cast: {"key": "employees"})
OWNER_ONLY = only({"admin": 200}, 404)

UI_ROWS: list[Row] = [
    Row(
        "imports:history",
        "GET",
        statuses(200),
        target=Target("admin holds a job", _admin_holds_a_job),
        ids={
            p: _history_ids(p)
            for p in (
                "admin",
                "director",
                "manager_east",
                "rep_sh1",
                "rep_sh2",
                "rep_gz1",
                "finance",
                "auditor",
            )
        },
    ),
    Row("imports:start", "GET", only({"admin": 200}, 403), target=EMPLOYEES),
    Row("imports:start", "POST", only({"admin": 200}, 403), target=EMPLOYEES, note="no file: the form again"),
    Row("imports:template", "GET", only({"admin": 200}, 403), target=EMPLOYEES),
    Row("imports:sheet", "GET", only({"admin": 302}, 404), target=DRAFT, note="a CSV has no sheets"),
    Row("imports:sheet", "POST", only({"admin": 302}, 404), target=DRAFT, note="a CSV has no sheets"),
    Row("imports:mapping", "GET", OWNER_ONLY, target=DRAFT),
    Row("imports:mapping", "POST", OWNER_ONLY, target=DRAFT, note="no mode: the form again"),
    Row("imports:preview", "GET", OWNER_ONLY, target=CHECKED),
    Row("imports:run", "POST", only({"admin": 302}, 404), target=CHECKED),
    Row("imports:job", "GET", OWNER_ONLY, target=FINISHED),
    Row("imports:progress", "GET", OWNER_ONLY, target=FINISHED),
    Row("imports:errors", "GET", OWNER_ONLY, target=WITH_ERRORS),
]


def api_rows(ApiRow: type, api_statuses: Callable[..., dict], api_only: Callable[..., dict]) -> list:
    def finished(cast) -> dict[str, Any]:
        return {"id": _admins_job(started=True)(cast)["pk"]}

    return [
        ApiRow("POST", "/api/v1/imports", api_statuses(422), note="JSON instead of multipart: no file"),
        ApiRow(
            "GET",
            "/api/v1/imports/{id}",
            api_only({"admin": 200}, 404),
            target=Target("admin's job", finished),
        ),
        ApiRow(
            "GET",
            "/api/v1/imports",
            api_statuses(200),
            ids={
                p: (lambda: set())
                for p in (
                    "director",
                    "manager_east",
                    "rep_sh1",
                    "rep_sh2",
                    "rep_gz1",
                    "finance",
                    "auditor",
                    "admin",
                )
            },
        ),
    ]
