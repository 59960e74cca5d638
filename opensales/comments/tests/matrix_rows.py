"""Rows of the permission matrices for comments (discovered by tests/test_permission_matrix.py and
tests/test_api_matrix.py). The records are employees: rep_sh2's (上海团队: everyone but rep_gz1 sees it)
and rep_gz1's (广州团队: manager_east, rep_sh1 and rep_sh2 do not). Comments are written by rep_sh1.

Posting needs VIEW; editing is the author's; deleting is the author's or needs DELETE on the record
(only the administrator has it on employees): a user who sees the record but may not act answers 403,
one who cannot see it 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.matrix import Row, Target, only, statuses


def employee_pk(username: str) -> int:
    from opensales.org.models import Employee

    return Employee.objects.unscoped(reason="matrix").get(user__username=username).pk


def _record(username: str) -> Target:
    return Target(f"employee {username}", lambda cast: {"label": "org.employee", "pk": employee_pk(username)})


def make_comment(cast: dict[str, Any]) -> int:
    from opensales.comments.services import comment_add
    from opensales.org.models import Employee

    employee = Employee.objects.unscoped(reason="matrix").get(user__username="rep_sh2")
    return comment_add(actor=cast["rep_sh1"], record=employee, body="matrix @刘洋").comment.pk


COMMENT = Target("comment of rep_sh1 on employee rep_sh2", lambda cast: {"comment_pk": make_comment(cast)})
SAME_TEAM = _record("rep_sh2")
OTHER_REGION = _record("rep_gz1")
SEE_SAME_TEAM = {"rep_gz1": 404}
SEE_OTHER_REGION = {"manager_east": 404, "rep_sh1": 404, "rep_sh2": 404}
AUTHOR_ONLY = only({"rep_sh1": 302, "rep_gz1": 404}, 403)

UI_ROWS: list[Row] = [
    Row(
        "comments:add",
        "POST",
        statuses(302, **SEE_SAME_TEAM),
        target=SAME_TEAM,
        data=lambda c: {"body": "hi"},
    ),
    Row(
        "comments:add",
        "POST",
        statuses(302, **SEE_OTHER_REGION),
        target=OTHER_REGION,
        data=lambda c: {"body": "hi"},
    ),
    Row("comments:mention_suggest", "GET", statuses(200, **SEE_SAME_TEAM), target=SAME_TEAM),
    Row("comments:mention_suggest", "GET", statuses(200, **SEE_OTHER_REGION), target=OTHER_REGION),
    Row("comments:edit", "GET", only({"rep_sh1": 200, "rep_gz1": 404}, 403), target=COMMENT),
    Row("comments:edit", "POST", AUTHOR_ONLY, target=COMMENT, data=lambda c: {"body": "changed"}),
    Row("comments:delete", "POST", only({"rep_sh1": 302, "admin": 302, "rep_gz1": 404}, 403), target=COMMENT),
]


def api_rows(ApiRow: type, api_statuses: Callable[..., dict], api_only: Callable[..., dict]) -> list:
    def body(username: str) -> Callable[[dict, str], dict]:
        return lambda cast, persona: {"record": f"org.employee:{employee_pk(username)}", "body": "hi @张伟"}

    return [
        ApiRow("GET", "/api/v1/comments", api_statuses(422), note="without record (required)"),
        ApiRow(
            "POST",
            "/api/v1/comments",
            api_statuses(201, **SEE_SAME_TEAM),
            body=body("rep_sh2"),
            note="rep_sh2",
        ),
        ApiRow(
            "POST",
            "/api/v1/comments",
            api_statuses(201, **SEE_OTHER_REGION),
            body=body("rep_gz1"),
            note="rep_gz1",
        ),
        ApiRow(
            "DELETE",
            "/api/v1/comments/{id}",
            api_only({"rep_sh1": 204, "admin": 204, "rep_gz1": 404}, 403),
            target=Target("comment of rep_sh1 on employee rep_sh2", lambda cast: {"id": make_comment(cast)}),
        ),
    ]
