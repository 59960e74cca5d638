"""Rows of the permission matrices for the notification center, for the lead to add:

    # tests/test_permission_matrix.py
    from opensales.notifications.tests.matrix_rows import UI_ROWS as NOTIFICATION_ROWS
    ROWS += NOTIFICATION_ROWS

    # tests/test_api_matrix.py (after API_ROWS, api_statuses and api_only are defined)
    from opensales.notifications.tests.matrix_rows import api_rows as notification_api_rows
    API_ROWS += notification_api_rows(ApiRow, api_statuses, api_only)

Every persona has notifications of their own (`EVERYONE_NOTIFIED`); each sees exactly those, and
rep_sh1's notification is 404 for everyone else. No role is needed: the notification center belongs to
every signed-in user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.matrix import SIGNED_IN, Row, Target, only, statuses


def _notify_everyone(cast) -> dict[str, Any]:
    """Two notifications for every signed-in persona (one read), from admin (admin's from director)."""
    from opensales.notifications import services
    from opensales.notifications.kinds import Kind

    for persona in SIGNED_IN:
        actor = cast["director" if persona == "admin" else "admin"]
        made = services.notify(
            recipients=[cast[persona]], kind=Kind.SYSTEM, actor=actor, title=f"给 {persona}"
        )
        made += services.notify(recipients=[cast[persona]], kind=Kind.MENTION, actor=actor, title="提及")
        services.mark_read(cast[persona], [made[0].pk])
    return {}


def _own_ids(persona: str) -> Callable[[], set[str]]:
    def ids() -> set[str]:
        from opensales.notifications.models import Notification

        return {
            str(pk)
            for pk in Notification.objects.filter(recipient__username=persona).values_list("pk", flat=True)
        }

    return ids


def _of_rep_sh1(key: str) -> Target:
    def make(cast) -> dict[str, Any]:
        from opensales.notifications import services
        from opensales.notifications.kinds import Kind

        (n,) = services.notify(
            recipients=[cast["rep_sh1"]],
            kind=Kind.ASSIGNMENT,
            actor=cast["manager_east"],
            title="新任务",
            url="/",
        )
        return {key: n.pk}

    return Target("notification of rep_sh1", make)


EVERYONE_NOTIFIED = Target("notifications for every persona", _notify_everyone)
OWN_IDS = {persona: _own_ids(persona) for persona in SIGNED_IN}
ONLY_REP_SH1 = only({"rep_sh1": 302}, 404)

UI_ROWS: list[Row] = [
    Row("notifications:center", "GET", statuses(200), target=EVERYONE_NOTIFIED, ids=OWN_IDS),
    Row("notifications:menu", "GET", statuses(200), target=EVERYONE_NOTIFIED),
    Row("notifications:count", "GET", statuses(200), target=EVERYONE_NOTIFIED),
    Row("notifications:mark_all_read", "POST", statuses(302), target=EVERYONE_NOTIFIED),
    Row("notifications:preferences", "GET", statuses(200)),
    Row("notifications:preferences", "POST", statuses(302), data=lambda cast: {"email_mention": "on"}),
    Row("notifications:open", "GET", ONLY_REP_SH1, target=_of_rep_sh1("pk")),
    Row("notifications:mark_read", "POST", ONLY_REP_SH1, target=_of_rep_sh1("pk")),
]


def api_rows(ApiRow: type, api_statuses: Callable[..., dict], api_only: Callable[..., dict]) -> list:
    """The API rows, built with tests/test_api_matrix.py's own ApiRow and status helpers."""
    own_ids = {persona: (lambda ids=_own_ids(persona): {int(pk) for pk in ids()}) for persona in SIGNED_IN}
    return [
        ApiRow("GET", "/api/v1/notifications", api_statuses(200), target=EVERYONE_NOTIFIED, ids=own_ids),
        ApiRow(
            "POST",
            "/api/v1/notifications/{id}/read",
            api_only({"rep_sh1": 200}, 404),
            target=_of_rep_sh1("id"),
        ),
        ApiRow("POST", "/api/v1/notifications/read-all", api_statuses(200), target=EVERYONE_NOTIFIED),
        ApiRow("GET", "/api/v1/notifications/preferences", api_statuses(200)),
        ApiRow(
            "PUT",
            "/api/v1/notifications/preferences",
            api_statuses(200),
            body=lambda cast, persona: {"items": [{"kind": "mention", "email": False}]},
        ),
    ]
