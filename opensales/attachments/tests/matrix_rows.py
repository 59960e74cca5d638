"""Rows of the permission matrices for files (discovered by tests/test_permission_matrix.py and
tests/test_api_matrix.py). The record is rep_sh2's employee record (everyone but rep_gz1 sees it); only
the administrator may change employees, so only they may upload; the file of the download and delete
rows was uploaded by rep_sh1 (as if they had been allowed), who may therefore delete it.

The upload rows send no file: the permission answers first (403/404), and an allowed upload stops at
validation (302 back to the page, 422 in the API), so the matrix writes nothing to the storage. The
files these rows create are removed when the test process ends.
"""

from __future__ import annotations

import atexit
from collections.abc import Callable
from typing import Any

from tests.matrix import Row, Target, only, statuses

PDF = b"%PDF-1.4\n%%EOF\n"


def employee_pk(username: str) -> int:
    from opensales.org.models import Employee

    return Employee.objects.unscoped(reason="matrix").get(user__username=username).pk


def make_file(cast: dict[str, Any]) -> int:
    """A file on rep_sh2's employee record, uploaded by rep_sh1 (bypassing the CHANGE check)."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile

    from opensales.attachments.models import Attachment
    from opensales.org.models import Employee

    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(Employee),
        object_id=employee_pk("rep_sh2"),
        original_name="矩阵.pdf",
        mime_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
        uploaded_by=cast["rep_sh1"],
    )
    attachment.file.save("matrix.pdf", ContentFile(PDF), save=True)
    atexit.register(attachment.file.storage.delete, attachment.file.name)
    return attachment.pk


SAME_TEAM = Target("employee rep_sh2", lambda cast: {"label": "org.employee", "pk": employee_pk("rep_sh2")})
FILE = Target("file of rep_sh1 on employee rep_sh2", lambda cast: {"pk": make_file(cast)})
DELETERS = only({"rep_sh1": 302, "admin": 302, "rep_gz1": 404}, 403)

UI_ROWS: list[Row] = [
    Row(
        "attachments:upload",
        "POST",
        only({"admin": 302, "rep_gz1": 404}, 403),
        target=SAME_TEAM,
        note="no file",
    ),
    Row("attachments:download", "GET", statuses(200, rep_gz1=404), target=FILE),
    Row("attachments:delete", "POST", DELETERS, target=FILE),
]


def api_rows(ApiRow: type, api_statuses: Callable[..., dict], api_only: Callable[..., dict]) -> list:
    api_file = Target("file of rep_sh1 on employee rep_sh2", lambda cast: {"id": make_file(cast)})
    return [
        ApiRow("GET", "/api/v1/files", api_statuses(422), note="without record (required)"),
        ApiRow(
            "POST", "/api/v1/files", api_statuses(422), note="JSON, not multipart: record and file missing"
        ),
        ApiRow("GET", "/api/v1/files/{id}/download", api_statuses(200, rep_gz1=404), target=api_file),
        ApiRow(
            "DELETE",
            "/api/v1/files/{id}",
            api_only({"rep_sh1": 204, "admin": 204, "rep_gz1": 404}, 403),
            target=api_file,
        ),
    ]
