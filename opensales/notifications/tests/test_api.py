"""The notification API: your own notifications only (404 for anyone else's), the list filter and
pagination, marking read, preferences; the platform's error shape, and pinned query counts.

Needs the router mounted in opensales/api/root.py (`api.add_router("/", notifications_router)`);
until then these tests skip.
"""

from __future__ import annotations

import pytest

from opensales.api.tests.helpers import Api, assert_error
from opensales.notifications import services
from opensales.notifications.kinds import Kind
from opensales.notifications.models import Notification, NotificationPreference
from opensales.org.models import Employee

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications"
READ_ALL = "/api/v1/notifications/read-all"
PREFS = "/api/v1/notifications/preferences"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _mounted() -> bool:
    from opensales.api.root import api

    return "/api/v1/notifications" in api.get_openapi_schema(path_prefix="/api/v1")["paths"]


@pytest.fixture(autouse=True)
def needs_the_router():
    if not _mounted():
        pytest.skip("mount opensales.notifications.api.router in opensales/api/root.py")


def make(user, n=1, **kwargs) -> list[Notification]:
    kwargs.setdefault("kind", Kind.SYSTEM)
    made = []
    for i in range(n):
        made += services.notify(recipients=[user], title=f"通知 {i + 1}", **kwargs)
    return made


def item_ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


# --- List -----------------------------------------------------------------------------------------


def test_the_list_is_the_callers_own_newest_first(cast):
    mine = make(cast["rep_sh1"], 3)
    make(cast["rep_sh2"], 2)
    response = Api(cast["rep_sh1"]).get(LIST)
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert item_ids(response) == [n.pk for n in reversed(mine)]


def test_one_item_in_full(cast):
    employee = Employee.objects.unscoped(reason="test").get(user=cast["rep_sh2"])
    (n,) = services.notify(
        recipients=[cast["rep_sh1"]],
        kind=Kind.MENTION,
        actor=cast["lead_sh"],
        target=employee,
        title="陈静 在跟进记录中提到了你",
        body="@张伟 明天上午的电话会议",
        url=f"/org/employees/{employee.pk}/",
    )
    (item,) = Api(cast["rep_sh1"]).get(LIST, **EN).json()["items"]
    assert item == {
        "id": n.pk,
        "kind": "mention",
        "kind_label": "Mention",
        "title": "陈静 在跟进记录中提到了你",
        "body": "@张伟 明天上午的电话会议",
        "url": f"/org/employees/{employee.pk}/",
        "actor": {"id": cast["lead_sh"].pk, "username": "lead_sh", "full_name": "陈静"},
        "target": {"type": "org.employee", "id": str(employee.pk)},
        "created_at": item["created_at"],
        "read_at": None,
        "is_read": False,
    }
    assert item["created_at"].startswith(n.created_at.strftime("%Y-%m-%dT"))
    (item,) = Api(cast["rep_sh1"]).get(LIST).json()["items"]
    assert item["kind_label"] == "提及"


def test_the_unread_filter_and_pages(cast):
    mine = make(cast["rep_sh1"], 5)
    services.mark_read(cast["rep_sh1"], [mine[1].pk, mine[3].pk])
    api = Api(cast["rep_sh1"])
    unread = api.get(LIST, {"unread": "true"})
    assert (unread.json()["count"], item_ids(unread)) == (3, [mine[4].pk, mine[2].pk, mine[0].pk])
    read = api.get(LIST, {"unread": "false"})
    assert (read.json()["count"], item_ids(read)) == (2, [mine[3].pk, mine[1].pk])
    page = api.get(LIST, {"limit": 2, "offset": 2})
    assert (page.json()["count"], item_ids(page)) == (5, [mine[2].pk, mine[1].pk])
    past_the_end = api.get(LIST, {"limit": 2, "offset": 9})
    assert past_the_end.json() == {"count": 5, "items": []}


def test_bad_paging_is_422_in_the_error_shape(cast):
    body = assert_error(Api(cast["rep_sh1"]).get(LIST, {"limit": 0}, **EN), 422, "invalid", {"limit"})
    assert body["fields"] == {"limit": ["Ensure this value is at least 1."]}


def test_anonymous_is_401(cast):
    for method, path in (("get", LIST), ("post", READ_ALL), ("get", PREFS), ("put", PREFS)):
        assert_error(getattr(Api(), method)(path), 401, "unauthenticated")


def test_the_list_costs_the_same_for_2_or_40_rows(cast, django_assert_num_queries):
    api = Api(cast["rep_sh1"])
    api.get(LIST)  # the first use of a token records its time (one UPDATE); later uses soon after do not
    make(cast["rep_sh1"], 2, actor=cast["manager_east"])
    # the token with its user, the count, the page with the actors joined
    with django_assert_num_queries(3):
        assert api.get(LIST).status_code == 200
    make(cast["rep_sh1"], 38, actor=cast["lead_sh"])
    with django_assert_num_queries(3):
        assert len(item_ids(api.get(LIST))) == 40


# --- Marking read ---------------------------------------------------------------------------------


def test_read_one(cast):
    a, b = make(cast["rep_sh1"], 2)
    api = Api(cast["rep_sh1"])
    response = api.post(f"{LIST}/{a.pk}/read")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["is_read"]) == (a.pk, True)
    first = response.json()["read_at"]
    again = api.post(f"{LIST}/{a.pk}/read")
    assert again.json()["read_at"] == first  # idempotent: the first read time stays
    b.refresh_from_db()
    assert b.read_at is None


def test_another_users_notification_is_404_like_a_missing_one(cast):
    (theirs,) = make(cast["rep_sh2"])
    api = Api(cast["rep_sh1"])
    foreign = assert_error(api.post(f"{LIST}/{theirs.pk}/read", **EN), 404, "not_found", set())
    missing = assert_error(api.post(f"{LIST}/999999/read", **EN), 404, "not_found", set())
    assert foreign == missing == {"code": "not_found", "message": "Not found.", "fields": {}}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all(cast):
    make(cast["rep_sh1"], 3)
    make(cast["rep_sh2"], 2)
    api = Api(cast["rep_sh1"])
    assert api.post(READ_ALL).json() == {"marked": 3}
    assert api.post(READ_ALL).json() == {"marked": 0}
    assert Notification.objects.unread().filter(recipient=cast["rep_sh2"]).count() == 2


def test_reads_are_get_only_and_writes_post_only(cast):
    (n,) = make(cast["rep_sh1"])
    api = Api(cast["rep_sh1"])
    assert_error(api.get(f"{LIST}/{n.pk}/read"), 405, "method_not_allowed")
    assert_error(api.get(READ_ALL), 405, "method_not_allowed")
    assert_error(api.post(LIST), 405, "method_not_allowed")


def test_a_read_only_token_may_list_but_not_mark(cast):
    (n,) = make(cast["rep_sh1"])
    api = Api(cast["rep_sh1"], scope="read")
    assert api.get(LIST).status_code == 200
    assert_error(api.post(f"{LIST}/{n.pk}/read"), 403, "read_only_token")
    assert_error(api.post(READ_ALL), 403, "read_only_token")
    assert_error(api.put(PREFS, {"items": []}), 403, "read_only_token")
    n.refresh_from_db()
    assert n.read_at is None


def test_session_writes_need_the_csrf_token(cast):
    make(cast["rep_sh1"], 2)
    api = Api(cast["rep_sh1"], session=True, csrf=True)
    assert_error(api.post(READ_ALL), 403, "csrf_failed")
    api.client.get("/")
    token = api.client.cookies["csrftoken"].value
    assert api.post(READ_ALL, HTTP_X_CSRFTOKEN=token).json() == {"marked": 2}


# --- Preferences ----------------------------------------------------------------------------------


def test_preferences_defaults(cast):
    response = Api(cast["rep_sh1"]).get(PREFS, **EN)
    assert response.json() == {
        "items": [
            {
                "kind": "mention",
                "label": "Mention",
                "description": "Someone mentioned you in a note or comment.",
                "in_app": True,
                "email": True,
            },
            {
                "kind": "assignment",
                "label": "Assignment",
                "description": "A record or task was assigned to you.",
                "in_app": True,
                "email": True,
            },
            {
                "kind": "reminder",
                "label": "Reminder",
                "description": "A follow-up or task you planned is due.",
                "in_app": True,
                "email": False,
            },
            {
                "kind": "approval",
                "label": "Approval",
                "description": "Something waits for your approval, or your request was decided.",
                "in_app": True,
                "email": False,
            },
            {
                "kind": "system",
                "label": "System",
                "description": "Messages from OpenSales itself.",
                "in_app": True,
                "email": False,
            },
        ]
    }


def test_put_preferences_changes_only_the_kinds_listed(cast):
    api = Api(cast["rep_sh1"])
    response = api.put(
        PREFS, {"items": [{"kind": "mention", "email": False}, {"kind": "system", "email": True}]}
    )
    assert response.status_code == 200
    assert {i["kind"]: i["email"] for i in response.json()["items"]} == {
        "mention": False,
        "assignment": True,
        "reminder": False,
        "approval": False,
        "system": True,
    }
    assert set(NotificationPreference.objects.values_list("user__username", "kind", "email")) == {
        ("rep_sh1", "mention", False),
        ("rep_sh1", "system", True),
    }
    assert {i["kind"]: i["email"] for i in Api(cast["rep_sh2"]).get(PREFS).json()["items"]}["mention"] is True


def test_put_preferences_refuses_unknown_and_repeated_kinds(cast):
    api = Api(cast["rep_sh1"])
    unknown = assert_error(api.put(PREFS, {"items": [{"kind": "nope", "email": True}]}, **EN), 422, "invalid")
    assert unknown["fields"] == {"items": ["Select a valid choice."]}
    twice = [{"kind": "mention", "email": True}, {"kind": "mention", "email": False}]
    repeated = assert_error(api.put(PREFS, {"items": twice}, **EN), 422, "invalid")
    assert repeated["fields"] == {"items": ["This value appears more than once."]}
    missing = assert_error(api.put(PREFS, {}, **EN), 422, "invalid")
    assert missing["fields"] == {"items": ["This field is required."]}
    assert NotificationPreference.objects.count() == 0
