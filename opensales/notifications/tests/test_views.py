"""The bell, the notification center, marking read, the redirect and the settings page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opensales.notifications import services
from opensales.notifications.kinds import Kind
from opensales.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db

CENTER = "/notifications/"
ROW_ID = re.compile(r'data-row-id="(\d+)"')
MENU_ID = re.compile(r'data-notification-id="(\d+)"')
COUNT = re.compile(r'data-testid="notification-count" data-count="(\d+)"')


def make(
    user, n: int = 1, *, kind=Kind.SYSTEM, url: str = "", actor=None, title: str = "通知"
) -> list[Notification]:
    made = []
    for i in range(n):
        made += services.notify(recipients=[user], kind=kind, actor=actor, title=f"{title} {i + 1}", url=url)
    return made


def ids(rows) -> list[str]:
    return [str(n.pk) for n in rows]


# --- The bell ---------------------------------------------------------------------------------------


def test_every_page_shows_the_unread_count_in_both_bells(cast, login):
    make(cast["rep_sh1"], 3)
    services.mark_read(cast["rep_sh1"], [Notification.objects.filter(title="通知 1").get().pk])
    make(cast["rep_sh2"], 5)
    html = login(cast["rep_sh1"]).get("/").content.decode()
    assert COUNT.findall(html) == ["2", "2"]  # phone navigation bar and desktop top bar
    assert (
        html.count(
            '<span class="badge bg-red text-red-fg badge-notification badge-pill" aria-hidden="true">2</span>'
        )
        == 2
    )
    assert html.count("Notifications (2 unread)") == 0  # the page is in Chinese
    assert html.count("通知（2 条未读）") == 2


def test_no_badge_without_unread(cast, login):
    html = login(cast["rep_sh1"]).get("/").content.decode()
    assert COUNT.findall(html) == ["0", "0"]
    assert "badge-notification" not in html
    assert 'data-testid="notification-read-all"' not in html


def test_the_badge_says_99_plus_beyond_99(cast, login):
    Notification.objects.bulk_create(
        [Notification(recipient=cast["rep_sh1"], kind=Kind.SYSTEM, title=str(i)) for i in range(120)]
    )
    html = login(cast["rep_sh1"]).get("/").content.decode()
    assert COUNT.findall(html) == ["100", "100"]
    assert html.count('aria-hidden="true">99+</span>') == 2


# The queries of a rep's page that are not the notification center's own: session, user, the sidebar
# (employee, grants, the operators' item; a custom-departments grant would add its departments) and the page's own (search: the records
# shared with the user; center: the user menu's employee, read with the grants). Other modules change
# these; the bell's share is pinned apart.
PAGE = "/search/"  # a page with the bell and no notification widget (the home page has one)
PAGE_OTHERS = 4
CENTER_OTHERS = 4


def _queries(client, url: str):
    client.get(url)  # a repeat visit: the process keeps the user's grants (core/access_stamp.py)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    sqls = [q["sql"] for q in captured.captured_queries]
    return [q for q in sqls if "notifications_notification" in q], len(sqls)


def test_the_bell_costs_one_query_per_page(cast, login):
    """A page draws the bell twice (phone bar, desktop bar) and counts once, capped at 100."""
    make(cast["rep_sh1"], 7)
    client = login(cast["rep_sh1"])
    bell, total = _queries(client, PAGE)
    assert len(bell) == 1
    assert bell[0].startswith("SELECT COUNT(*) FROM (SELECT")  # capped: counting stops at 100
    assert total == PAGE_OTHERS + 1, "the page's other queries changed (navigation?), not the bell"


def test_the_center_page_query_count_is_pinned_and_flat(cast, login):
    client = login(cast["rep_sh1"])
    make(cast["rep_sh1"], 2, actor=cast["manager_east"])
    ours, total = _queries(client, CENTER)
    assert len(ours) == 3  # the paginator's count, the page (actors joined), the bell
    assert total == CENTER_OTHERS + 3
    make(cast["rep_sh1"], 18, actor=cast["lead_sh"])
    ours_full, total_full = _queries(client, CENTER)  # a full page (20 rows, 2 actors) costs the same
    assert (len(ours_full), total_full) == (3, total)


def test_the_menu_lists_the_latest_five_and_refreshes_every_badge(cast, login, django_assert_num_queries):
    rep = cast["rep_sh1"]
    made = make(rep, 7, actor=cast["manager_east"])
    make(cast["rep_sh2"], 2)
    services.mark_read(rep, [made[6].pk])
    client = login(rep)
    # session, user, the five (actors joined), the count: a fragment skips the sidebar's queries
    with django_assert_num_queries(4):
        response = client.get(reverse("notifications:menu"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert MENU_ID.findall(html) == ids(reversed(made[2:]))  # newest first, read ones included
    assert html.count("fw-bold") == 4  # the unread among them
    assert '<hx-partial hx-target=".js-notification-count" hx-swap="outerHTML">' in html
    assert COUNT.findall(html) == ["6"]
    for n in made[2:]:
        assert f'href="/notifications/{n.pk}/open/"' in html


def test_the_menu_when_empty(cast, login):
    html = login(cast["rep_sh1"]).get(reverse("notifications:menu")).content.decode()
    assert MENU_ID.findall(html) == []
    assert 'data-testid="notification-menu-empty"' in html
    assert "还没有通知。" in html


# --- The center ---------------------------------------------------------------------------------------


def test_the_center_lists_only_the_users_own_newest_first_paginated(cast, login):
    mine = make(cast["rep_sh1"], 23)
    make(cast["rep_sh2"], 3)
    client = login(cast["rep_sh1"])
    first = client.get(CENTER).content.decode()
    second = client.get(CENTER, {"page": 2}).content.decode()
    assert ROW_ID.findall(first) == ids(reversed(mine[3:]))
    assert ROW_ID.findall(second) == ids(reversed(mine[:3]))
    assert "第 2 页，共 2 页" in second


def test_the_unread_filter(cast, login):
    mine = make(cast["rep_sh1"], 4)
    services.mark_read(cast["rep_sh1"], [mine[0].pk, mine[2].pk])
    client = login(cast["rep_sh1"])
    assert ROW_ID.findall(client.get(CENTER, {"show": "unread"}).content.decode()) == ids([mine[3], mine[1]])
    assert ROW_ID.findall(client.get(CENTER, {"show": "all"}).content.decode()) == ids(reversed(mine))
    assert ROW_ID.findall(client.get(CENTER, {"show": "bogus"}).content.decode()) == ids(reversed(mine))
    services.mark_all_read(cast["rep_sh1"])
    html = client.get(CENTER, {"show": "unread"}).content.decode()
    assert ROW_ID.findall(html) == []
    assert "没有未读通知，你已全部看完。" in html


def test_center_in_english(cast, login):
    make(cast["rep_sh1"], 1, kind=Kind.MENTION, actor=cast["lead_sh"])
    client = login(cast["rep_sh1"])
    client.cookies["opensales_language"] = "en"
    html = client.get(CENTER).content.decode()
    assert "<title>Notifications · OpenSales</title>" in html
    assert ">Mention</span>" in html
    assert "Mark as read" in html
    assert "陈静" in html


# --- Opening and marking read ----------------------------------------------------------------------------


def test_open_marks_read_and_follows_the_records_path(cast, login):
    (n,) = make(cast["rep_sh1"], url="/org/employees/?q=%E5%BC%A0")
    response = login(cast["rep_sh1"]).get(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/org/employees/?q=%E5%BC%A0"
    n.refresh_from_db()
    assert n.read_at is not None
    first_read = n.read_at
    login(cast["rep_sh1"]).get(reverse("notifications:open", args=[n.pk]))
    n.refresh_from_db()
    assert n.read_at == first_read  # opening again keeps the first read time


def test_open_without_a_link_goes_to_the_center(cast, login):
    (n,) = make(cast["rep_sh1"])
    response = login(cast["rep_sh1"]).get(reverse("notifications:open", args=[n.pk]))
    assert response["Location"] == CENTER


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:x"]
)
def test_open_never_redirects_off_site(cast, login, url):
    """notify refuses such links; a row that got one anyway (an old row, a direct insert) is not followed."""
    n = Notification.objects.create(recipient=cast["rep_sh1"], kind=Kind.SYSTEM, title="t", url=url)
    response = login(cast["rep_sh1"]).get(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302
    assert response["Location"] == CENTER
    n.refresh_from_db()
    assert n.read_at is not None


def test_another_users_notification_is_404_everywhere(cast, login):
    (theirs,) = make(cast["rep_sh2"], url="/org/employees/")
    client = login(cast["rep_sh1"])
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[999999])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert str(theirs.pk) not in ROW_ID.findall(client.get(CENTER).content.decode())


def test_mark_read_is_post_only_and_returns_to_a_safe_next(cast, login):
    a, b = make(cast["rep_sh1"], 2)
    client = login(cast["rep_sh1"])
    url = reverse("notifications:mark_read", args=[a.pk])
    assert client.get(url).status_code == 405
    a.refresh_from_db()
    assert a.read_at is None
    response = client.post(url, {"next": "/notifications/?show=unread"})
    assert response["Location"] == "/notifications/?show=unread"
    a.refresh_from_db()
    assert a.read_at is not None
    response = client.post(reverse("notifications:mark_read", args=[b.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == CENTER


def test_mark_all_read_is_post_only_and_touches_only_the_users_own(cast, login):
    make(cast["rep_sh1"], 3)
    make(cast["rep_sh2"], 2)
    client = login(cast["rep_sh1"])
    url = reverse("notifications:mark_all_read")
    assert client.get(url).status_code == 405
    assert Notification.objects.unread().count() == 5
    response = client.post(url, {"next": "/org/employees/"}, follow=True)
    assert response.redirect_chain == [("/org/employees/", 302)]
    assert "3 条通知已标记为已读。" in response.content.decode()
    assert (
        sorted(Notification.objects.unread().values_list("recipient__username", flat=True)) == ["rep_sh2"] * 2
    )


def test_menu_count_and_center_are_get_only(cast, login):
    client = login(cast["rep_sh1"])
    for name in ("center", "menu", "count"):
        assert client.post(reverse(f"notifications:{name}")).status_code == 405


def test_the_count_endpoint_answers_the_badge_as_a_partial(cast, login, django_assert_num_queries):
    make(cast["rep_sh1"], 2)
    client = login(cast["rep_sh1"])
    with django_assert_num_queries(3):  # session, user, the count
        html = client.get(reverse("notifications:count")).content.decode()
    assert html.strip().startswith('<hx-partial hx-target=".js-notification-count" hx-swap="outerHTML">')
    assert COUNT.findall(html) == ["2"]


def test_anonymous_is_sent_to_the_login(client):
    for name in ("center", "menu", "count", "preferences"):
        response = client.get(reverse(f"notifications:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


# --- Settings ---------------------------------------------------------------------------------------------


def test_the_settings_page_shows_the_defaults(cast, login):
    html = login(cast["rep_sh1"]).get(reverse("notifications:preferences")).content.decode()
    assert re.findall(r'data-kind="(\w+)"', html) == [
        "mention",
        "assignment",
        "reminder",
        "approval",
        "system",
    ]
    checked = re.findall(r'name="email_(\w+)"[^>]*checked', html)
    assert checked == ["mention", "assignment"]
    assert 'data-testid="no-email"' not in html


def test_saving_settings(cast, login):
    client = login(cast["rep_sh1"])
    response = client.post(
        reverse("notifications:preferences"), {"email_mention": "on", "email_reminder": "on"}, follow=True
    )
    assert response.redirect_chain == [(reverse("notifications:preferences"), 302)]
    assert "通知设置已保存。" in response.content.decode()
    assert sorted(NotificationPreference.objects.values_list("kind", "email")) == [
        ("approval", False),
        ("assignment", False),
        ("mention", True),
        ("reminder", True),
        ("system", False),
    ]
    assert set(NotificationPreference.objects.values_list("user__username", flat=True)) == {"rep_sh1"}


def test_settings_warn_when_there_is_no_address(cast, login):
    cast["rep_sh1"].email = ""
    cast["rep_sh1"].save(update_fields=["email"])
    html = login(cast["rep_sh1"]).get(reverse("notifications:preferences")).content.decode()
    assert 'data-testid="no-email"' in html


def test_the_bell_stylesheet_goes_out_once(cast, login):
    html = login(cast["rep_sh1"]).get("/").content.decode()
    assert html.count("notifications/bell.css") == 1
    assert html.count('data-testid="notification-bell"') == 2


def test_no_polling_when_turned_off(cast, login, settings):
    """OPENSALES_NOTIFICATIONS_POLL_SECONDS = 0 turns the poller off."""
    settings.OPENSALES_NOTIFICATIONS_POLL_SECONDS = 0
    html = login(cast["rep_sh1"]).get("/").content.decode()
    assert "notification-poller" not in html
    assert "every " not in html


def test_polling_when_configured_one_poller_for_both_bells(cast, login, settings):
    settings.OPENSALES_NOTIFICATIONS_POLL_SECONDS = 60
    html = login(cast["rep_sh1"]).get("/").content.decode()
    assert html.count('data-testid="notification-poller"') == 1
    assert (
        '<span hidden data-testid="notification-poller" hx-get="/notifications/count/" hx-trigger="every 60s" '
        'hx-swap="none" hx-headers=\'{"X-OpenSales-Background": "1"}\'></span>'
    ) in html
