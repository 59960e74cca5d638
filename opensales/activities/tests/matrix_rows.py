"""Rows of the permission matrices for follow-ups: the workspace pages, the calendar, today's page,
completing and checking in, the .ics export, the feed (a valid token opens it without a session) and
the API (discovered by tests/test_permission_matrix.py and tests/test_api_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tests.matrix import Row, Target, statuses

SUBJECT = "矩阵跟进"
OWNERS = ("rep_sh1", "rep_sh2", "rep_gz1")
SEE_ALL = ("admin", "director", "finance", "auditor")
SEES = {
    **dict.fromkeys(SEE_ALL, set(OWNERS)),
    "manager_east": {"rep_sh1", "rep_sh2"},
    "rep_sh1": {"rep_sh1"},
    "rep_sh2": {"rep_sh2"},
    "rep_gz1": {"rep_gz1"},
}
CHANGERS = {"admin": 200, "director": 200, "manager_east": 200, "rep_sh1": 200}


def _make(cast, username: str, kind: str = "call"):
    from django.utils import timezone

    from opensales.activities import services

    return services.log_follow_up(
        actor=cast[username],
        kind=kind,
        subject=SUBJECT,
        at=timezone.now() + timedelta(hours=3),
        status="planned",
    )


def _planned_of(username: str, kind: str = "call", Target_: type = Target, key: str = "pk") -> Any:
    return Target_(f"planned {kind} of {username}", lambda cast: {key: _make(cast, username, kind).pk})


def _three(cast) -> dict[str, Any]:
    for username in OWNERS:
        _make(cast, username)
    return {}


def _ids(usernames: set[str], as_str: bool) -> Callable[[], set]:
    def ids() -> set:
        from opensales.activities.models import FollowUp

        pks = (
            FollowUp.objects.unscoped(reason="matrix")
            .filter(subject=SUBJECT, owner__username__in=usernames)
            .values_list("pk", flat=True)
        )
        return {str(pk) if as_str else pk for pk in pks}

    return ids


def _feed_token(cast) -> dict[str, Any]:
    from opensales.activities.services import feed_reset

    return {"token": feed_reset(user=cast["rep_sh1"])}


def _new_follow_up(cast) -> dict[str, Any]:
    return {
        "kind": "call",
        "status": "done",
        "subject": "矩阵新建",
        "at": "2026-11-20T10:00",
        "duration_minutes": "30",
    }


def _reschedule_data(cast) -> dict[str, Any]:
    return {"at": "2026-12-01T10:00", "version": "1"}


owner_only = statuses(403, **{**CHANGERS, "rep_sh2": 404, "rep_gz1": 404})

UI_ROWS: list[Row] = [
    Row(
        "activities:follow_up_list",
        "GET",
        statuses(200),
        target=Target("follow-ups of three reps", _three),
        ids={p: _ids(SEES[p], True) for p in SEES},
    ),
    Row(
        "activities:follow_up_detail",
        "GET",
        statuses(200, rep_sh2=404, rep_gz1=404),
        target=_planned_of("rep_sh1"),
    ),
    Row("activities:follow_up_create", "GET", statuses(200, finance=403, auditor=403)),
    Row("activities:follow_up_create", "POST", statuses(302, finance=403, auditor=403), data=_new_follow_up),
    Row("activities:follow_up_edit", "GET", owner_only, target=_planned_of("rep_sh1")),
    Row(
        "activities:follow_up_delete",
        "GET",
        statuses(403, admin=200, director=200, manager_east=200, rep_gz1=403),
        target=_planned_of("rep_sh1"),
        note="reps may not delete",
    ),
    Row("activities:reschedule", "POST", owner_only, target=_planned_of("rep_sh1"), data=_reschedule_data),
    Row("activities:complete", "GET", owner_only, target=_planned_of("rep_sh1")),
    Row("activities:check_in", "GET", owner_only, target=_planned_of("rep_sh1", "visit")),
    Row("activities:calendar", "GET", statuses(200)),
    Row("activities:ics", "GET", statuses(200)),
    Row("activities:today", "GET", statuses(200)),
    Row("activities:feed_settings", "GET", statuses(200)),
    Row("activities:feed_settings", "POST", statuses(200), data=lambda cast: {"action": "reset"}),
    Row(
        "activities:feed",
        "GET",
        statuses(200, anonymous=200),
        target=Target("rep_sh1's feed token", _feed_token),
        note="the token is the credential",
    ),
    Row(
        "activities:feed",
        "GET",
        statuses(404, anonymous=404),
        target=Target("a made-up token", lambda cast: {"token": "not-a-real-token"}),
    ),
]


def api_rows(ApiRow: type, api_statuses: Callable[..., dict], api_only: Callable[..., dict]) -> list:
    from tests.matrix import Target as Target_

    def three(cast) -> dict[str, Any]:
        _three(cast)
        return {}

    def new(cast, persona):
        return {"kind": "call", "status": "done", "subject": "接口新建", "at": "2026-11-20T10:00:00+08:00"}

    api_owner_only = api_statuses(403, **{**CHANGERS, "rep_sh2": 404, "rep_gz1": 404})
    return [
        ApiRow(
            "GET",
            "/api/v1/follow-ups",
            api_statuses(200),
            target=Target_("follow-ups of three reps", three),
            ids={p: _ids(SEES[p], False) for p in SEES},
        ),
        ApiRow(
            "GET",
            "/api/v1/follow-ups/{id}",
            api_statuses(200, rep_sh2=404, rep_gz1=404),
            target=_planned_of("rep_sh1", Target_=Target_, key="id"),
        ),
        ApiRow("POST", "/api/v1/follow-ups", api_statuses(201, finance=403, auditor=403), body=new),
        ApiRow(
            "PATCH",
            "/api/v1/follow-ups/{id}",
            api_owner_only,
            target=_planned_of("rep_sh1", Target_=Target_, key="id"),
            body=lambda cast, persona: {"version": 1, "subject": "接口改过"},
        ),
        ApiRow(
            "DELETE",
            "/api/v1/follow-ups/{id}",
            api_statuses(403, admin=204, director=204, manager_east=204),
            target=_planned_of("rep_sh1", Target_=Target_, key="id"),
        ),
        ApiRow(
            "POST",
            "/api/v1/follow-ups/{id}/complete",
            api_owner_only,
            target=_planned_of("rep_sh1", Target_=Target_, key="id"),
            body=lambda cast, persona: {"outcome": "接口完成", "version": 1},
        ),
        ApiRow(
            "POST",
            "/api/v1/follow-ups/{id}/reschedule",
            api_owner_only,
            target=_planned_of("rep_sh1", Target_=Target_, key="id"),
            body=lambda cast, persona: {"at": "2026-12-01T10:00:00+08:00", "version": 1},
        ),
    ]
