"""The calendar (scope, person, drag to reschedule), today's page, completing, the .ics file and feed,
the create form's prefill, and query counts that do not grow with the data."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opensales.activities import ics, services
from opensales.activities.models import CalendarFeed, FollowUp

from . import factories as f

pytestmark = pytest.mark.django_db


def _today_at(hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time(hour, minute)))


def _cal_ids(html: str) -> set[int]:
    import re

    return {int(pk) for pk in re.findall(r'data-testid="cal-item-(\d+)"', html)}


# --- the calendar -----------------------------------------------------------------------------------


def test_calendar_scope_rep_sees_own_manager_sees_team(cast, login):
    mine = f.planned(cast["rep_sh1"], at=_today_at(23, 0))
    team = f.planned(cast["rep_sh2"], at=_today_at(23, 0))
    other = f.planned(cast["rep_gz1"], at=_today_at(23, 0))
    url = reverse("activities:calendar")
    assert _cal_ids(login(cast["rep_sh1"]).get(url).content.decode()) == {mine.pk}
    assert _cal_ids(login(cast["manager_east"]).get(url).content.decode()) == {mine.pk, team.pk}
    assert _cal_ids(login(cast["director"]).get(url).content.decode()) == {mine.pk, team.pk, other.pk}
    # One team member's calendar, for the manager.
    one = login(cast["manager_east"]).get(url, {"user": cast["rep_sh2"].pk}).content.decode()
    assert _cal_ids(one) == {team.pk}
    # A person outside the scope is ignored (nobody's calendar is revealed), not an error.
    outside = login(cast["rep_sh1"]).get(url, {"user": cast["rep_gz1"].pk}).content.decode()
    assert _cal_ids(outside) == {mine.pk}


@pytest.mark.parametrize("view", ["month", "week", "day"])
def test_calendar_views_and_navigation(cast, login, view):
    fu = f.planned(cast["rep_sh1"], at=_today_at(10, 30))
    response = login(cast["rep_sh1"]).get(reverse("activities:calendar"), {"view": view})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-testid="cal-{view}"' in html
    assert fu.pk in _cal_ids(html)
    assert 'data-testid="cal-prev"' in html and 'data-testid="cal-next"' in html
    assert 'draggable="true"' in html  # a planned follow-up of one's own can be moved


def test_calendar_month_of_another_date(cast, login):
    response = login(cast["rep_sh1"]).get(reverse("activities:calendar"), {"date": "2026-02-10"})
    html = response.content.decode()
    assert 'data-testid="cal-day-2026-01-26"' in html  # the Monday before 1 February
    assert 'data-testid="cal-day-2026-03-01"' in html  # the Sunday after 28 February
    assert 'data-testid="cal-day-2026-03-02"' not in html


def test_calendar_month_query_count_is_flat(cast, login):
    client = login(cast["manager_east"])
    url = reverse("activities:calendar")
    customer = f.customer(cast["rep_sh1"])
    f.planned(cast["rep_sh1"], at=_today_at(9), customer=customer)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(15):
        owner = cast["rep_sh1"] if i % 2 else cast["rep_sh2"]
        f.planned(owner, at=_today_at(9) + timedelta(minutes=i), customer=f.customer(owner, f"客户{i}"))
        f.done(owner, at=_today_at(10) + timedelta(minutes=i))  # after the planned ones: those show
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    html = response.content.decode()
    # A busy day shows its first three and how many more; the day view lists them all.
    assert len(_cal_ids(html)) == 3
    assert re.search(r'data-testid="cal-more">[^<]*28', html)
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    day = client.get(url, {"view": "day"}).content.decode()
    assert len(_cal_ids(day)) == 31 and 'data-testid="cal-more"' not in day


# The calendar's queries, per view: the session, the user, the scope's grants and the base template's
# (9); the follow-ups: one statement of per-day branches (each day's first few and its capped count),
# then those rows whole (the day view too, since it shows at most 200); which of them may be moved (1);
# the records shared with the user, read once for the scope (core/scope.py); the top bar's employee
# comes with the grants. The data never adds one.
CALENDAR_QUERIES = {"month": 8, "week": 8, "day": 8}


@pytest.mark.parametrize("view", ["month", "week", "day"])
def test_calendar_query_count_is_pinned(cast, login, view):
    client = login(cast["manager_east"])
    for i in range(12):
        f.planned(cast["rep_sh1"] if i % 2 else cast["rep_sh2"], at=_today_at(9) + timedelta(minutes=i))
    client.get(reverse("activities:calendar"), {"view": view})  # a repeat visit: the grants are kept
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("activities:calendar"), {"view": view})
    assert response.status_code == 200
    assert len(queries) == CALENDAR_QUERIES[view], [q["sql"][:60] for q in queries.captured_queries]


def test_calendar_days_are_local_days(cast, login, settings):
    """Late evening belongs to its local day, not to the UTC date, in the counts as in the items."""
    settings.TIME_ZONE = "Asia/Shanghai"
    day = timezone.localdate().replace(day=10)
    late = [
        f.planned(cast["rep_sh1"], at=timezone.make_aware(datetime.combine(day, time(23, 10 + i))))
        for i in range(5)
    ]
    after_midnight = f.planned(
        cast["rep_sh1"], at=timezone.make_aware(datetime.combine(day + timedelta(days=1), time(0, 5)))
    )
    html = (
        login(cast["rep_sh1"]).get(reverse("activities:calendar"), {"date": day.isoformat()}).content.decode()
    )
    cell = html.split(f'data-testid="cal-day-{day.isoformat()}"')[1].split("</td>")[0]
    assert _cal_ids(cell) == {fu.pk for fu in late[:3]}
    assert re.search(r'data-testid="cal-more">[^<]*2', cell)
    next_cell = html.split(f'data-testid="cal-day-{(day + timedelta(days=1)).isoformat()}"')[1].split(
        "</td>"
    )[0]
    assert _cal_ids(next_cell) == {after_midnight.pk} and "cal-more" not in next_cell


def test_reschedule_by_drag_checks_the_version(cast, login):
    fu = f.planned(cast["rep_sh1"])
    client = login(cast["rep_sh1"])
    url = reverse("activities:reschedule", args=[fu.pk])
    ok = client.post(url, {"at": "2026-12-01T15:30", "version": "1"})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    moved = FollowUp.objects.unscoped(reason="test").get(pk=fu.pk)
    assert timezone.localtime(moved.at).strftime("%Y-%m-%d %H:%M") == "2026-12-01 15:30"
    stale = client.post(url, {"at": "2026-12-02T15:30", "version": "1"})
    assert stale.status_code == 409 and stale.json()["error"]
    bad = client.post(url, {"at": "tomorrow", "version": "2"})
    assert bad.status_code == 422
    assert login(cast["rep_sh2"]).post(url, {"at": "2026-12-02T15:30", "version": "2"}).status_code == 404


# --- today ------------------------------------------------------------------------------------------


def test_today_lists_mine_and_overdue_and_completes(cast, login):
    rep = cast["rep_sh1"]
    today = f.planned(rep, at=_today_at(23, 30), subject="今天的回访")
    overdue = f.planned(rep, at=_today_at(9) - timedelta(days=2), subject="过期的回访")
    f.planned(cast["rep_sh2"], at=_today_at(23, 30), subject="同事的")
    client = login(rep)
    html = client.get(reverse("activities:today")).content.decode()
    assert f'data-testid="complete-{today.pk}"' in html and f'data-testid="complete-{overdue.pk}"' in html
    assert "同事的" not in html
    response = client.post(
        reverse("activities:complete", args=[overdue.pk]),
        {"outcome": "已完成", "version": "1", "next": reverse("activities:today")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("activities:today")
    assert FollowUp.objects.unscoped(reason="test").get(pk=overdue.pk).status == "done"
    home = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="home-follow-ups-today"' in home and "今天的回访" in home


def test_today_page_query_count_is_flat(cast, login):
    rep = cast["rep_sh1"]
    client = login(rep)
    f.planned(rep, at=_today_at(23), customer=f.customer(rep))
    client.get(reverse("activities:today"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("activities:today"))
    for i in range(10):
        f.planned(rep, at=_today_at(23, i), customer=f.customer(rep, f"客户{i}"))
        f.planned(rep, at=_today_at(9) - timedelta(days=1, minutes=i), customer=f.customer(rep, f"旧客户{i}"))
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("activities:today"))
    assert len(large) == len(small)


# --- create form ---------------------------------------------------------------------------------------


def test_log_a_follow_up_prefilled_from_the_customer(cast, login):
    rep = cast["rep_sh1"]
    customer = f.customer(rep)
    client = login(rep)
    page = client.get(reverse("activities:follow_up_create"), {"customer": customer.pk, "kind": "visit"})
    html = page.content.decode()
    assert f'<option value="{customer.pk}" selected>' in html
    response = client.post(
        reverse("activities:follow_up_create"),
        {
            "kind": "visit",
            "status": "done",
            "subject": "上门拜访",
            "at": "2026-11-20T10:00",
            "duration_minutes": "60",
            "customer": customer.pk,
            "next_follow_up_at": "2026-11-27T10:00",
        },
    )
    assert response.status_code == 302
    assert FollowUp.objects.unscoped(reason="test").filter(customer=customer).count() == 2


def test_form_refuses_a_customer_out_of_scope(cast, login):
    theirs = f.customer(cast["rep_gz1"], "广州恒达")
    response = login(cast["rep_sh1"]).post(
        reverse("activities:follow_up_create"),
        {"kind": "call", "status": "done", "subject": "x", "at": "2026-11-20T10:00", "customer": theirs.pk},
    )
    assert response.status_code == 200
    assert 'data-testid="errors-customer"><div class="invalid-feedback' in response.content.decode()
    assert not FollowUp.objects.unscoped(reason="test").exists()


def test_check_in_page_saves_coordinates(cast, login):
    rep = cast["rep_sh1"]
    visit = services.log_follow_up(
        actor=rep, kind="visit", subject="拜访", at=timezone.now(), status="planned"
    )
    client = login(rep)
    url = reverse("activities:check_in", args=[visit.pk])
    bad = client.post(url, {"latitude": "95", "longitude": "121", "address": ""})
    assert bad.status_code == 200 and 'data-testid="errors-latitude"><div' in bad.content.decode()
    ok = client.post(url, {"latitude": "31.2304", "longitude": "121.4737", "address": "张江路"})
    assert ok.status_code == 302
    saved = FollowUp.objects.unscoped(reason="test").get(pk=visit.pk)
    assert str(saved.checkin_latitude) == "31.230400" and saved.checkin_address == "张江路"


# --- iCalendar ------------------------------------------------------------------------------------------


def test_ics_text_escaping_and_folding():
    assert ics.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "SUMMARY:" + "跟进客户" * 20
    folded = ics.fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line
    assert ics.fold("SHORT:x") == "SHORT:x"


def test_ics_export_is_rfc_5545(cast, login):
    rep = cast["rep_sh1"]
    fu = services.log_follow_up(
        actor=rep,
        kind="meeting",
        subject="需求评审, 第二轮; 技术\\商务" + "很长的主题" * 10,
        content="第一行\n第二行",
        at=_today_at(10, 0),
        status="planned",
    )
    response = login(rep).get(reverse("activities:ics"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    assert body.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")  # every line ends with CRLF
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    unfolded = body.decode().replace("\r\n ", "")
    assert f"UID:follow-up-{fu.pk}@opensales" in unfolded
    assert "DTSTART:" + fu.at.astimezone(timezone.UTC).strftime("%Y%m%dT%H%M%SZ") in unfolded
    assert "SUMMARY:[会议] 需求评审\\, 第二轮\\; 技术\\\\商务" in unfolded or "SUMMARY:[Meeting]" in unfolded
    assert "DESCRIPTION:第一行\\n第二行" in unfolded
    assert "DTSTAMP:" in unfolded


def test_feed_token_opens_the_owners_scope_and_reset_revokes(cast, client):
    mine = f.planned(cast["rep_sh1"])
    theirs = f.planned(cast["rep_sh2"])
    token = services.feed_reset(user=cast["rep_sh1"])
    assert CalendarFeed.objects.get(user=cast["rep_sh1"]).token_hash != token  # stored hashed
    url = reverse("activities:feed", args=[token])
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"UID:follow-up-{mine.pk}@" in text and f"UID:follow-up-{theirs.pk}@" not in text
    forged = ("y" if token[0] == "x" else "x") + token[1:]  # never the real token
    assert client.get(reverse("activities:feed", args=[forged])).status_code == 404
    new = services.feed_reset(user=cast["rep_sh1"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("activities:feed", args=[new])).status_code == 200
    # Deactivated: the feed stops.
    cast["rep_sh1"].is_active = False
    cast["rep_sh1"].save(update_fields=["is_active"])
    assert client.get(reverse("activities:feed", args=[new])).status_code == 404


def test_feed_settings_page_shows_the_url_once(cast, login):
    client = login(cast["rep_sh1"])
    response = client.post(reverse("activities:feed_settings"), {"action": "reset"})
    html = response.content.decode()
    assert 'data-testid="feed-url"' in html and "/activities/feed/" in html
    assert 'data-testid="feed-url"' not in client.get(reverse("activities:feed_settings")).content.decode()
    client.post(reverse("activities:feed_settings"), {"action": "revoke"})
    assert not CalendarFeed.objects.filter(user=cast["rep_sh1"]).exists()


# --- list and API ---------------------------------------------------------------------------------------


def test_list_filters_overdue_and_query_count(cast, login):
    rep = cast["rep_sh1"]
    late = f.planned(rep, at=timezone.now() - timedelta(hours=5))
    f.planned(rep, at=timezone.now() + timedelta(hours=5))
    client = login(rep)
    url = reverse("activities:follow_up_list")
    html = client.get(url, {"overdue": "true"}).content.decode()
    assert f'data-row-id="{late.pk}"' in html and html.count('data-row-id="') == 1
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(10):
        f.done(rep, customer=f.customer(rep, f"客户{i}"))
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_api_complete_and_reschedule(cast, login):
    rep = cast["rep_sh1"]
    fu = f.planned(rep)
    client = login(rep)
    moved = client.post(
        f"/api/v1/follow-ups/{fu.pk}/reschedule",
        {"at": "2026-12-01T10:00:00+08:00", "version": 1},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["version"] == 2
    stale = client.post(
        f"/api/v1/follow-ups/{fu.pk}/reschedule",
        {"at": "2026-12-01T11:00:00+08:00", "version": 1},
        content_type="application/json",
    )
    assert stale.status_code == 409
    done = client.post(
        f"/api/v1/follow-ups/{fu.pk}/complete",
        {"outcome": "完成", "version": 2},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "已完成" or done.json()["status"] == "Done"
    again = client.post(f"/api/v1/follow-ups/{fu.pk}/complete", {}, content_type="application/json")
    assert again.status_code == 422
