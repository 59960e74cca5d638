"""The calendar's capped days: the first few follow-ups of each day and a count that stops at a cap
("+99+ more"), the day view's first 200 and its link to the list, local days across a DST change,
the scope in the counts, and a query count that neither the data nor the team size moves."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opensales.activities import views

from . import factories as f
from .test_views import CALENDAR_QUERIES

pytestmark = pytest.mark.django_db

URL = "/activities/calendar/"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-testid="cal-item-(\d+)"', html)]


def _cell(html: str, day: date) -> str:
    return html.split(f'data-testid="cal-day-{day.isoformat()}"')[1].split("</td>")[0]


def _more(cell: str) -> str | None:
    found = re.search(r'data-testid="cal-more">([^<]*)<', cell)
    return found.group(1).strip() if found else None


def _as(login, user, language="en"):
    """A client signed in as `user`, reading `language` (the language switch's cookie)."""
    client = login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def small_caps(monkeypatch):
    """Caps small enough to reach with a handful of rows: 2 shown a day, counted up to 3 more."""
    for view in views.VIEWS:
        monkeypatch.setitem(views.PER_DAY, view, 2)
        monkeypatch.setitem(views.MORE_CAP, view, 3)


def test_month_counts_exactly_up_to_the_cap_then_shows_it_capped(cast, login, small_caps):
    rep = cast["rep_sh1"]
    day = timezone.localdate().replace(day=10)
    exact = [f.planned(rep, at=_at(day, 9, i)) for i in range(5)]  # 2 shown + 3 more: exact
    busy = [f.planned(rep, at=_at(day + timedelta(days=1), 9, i)) for i in range(6)]  # 4 more: capped
    html = _as(login, rep).get(URL, {"date": day.isoformat()}).content.decode()
    assert _ids(_cell(html, day)) == [exact[0].pk, exact[1].pk]
    assert _more(_cell(html, day)) == "+3 more"
    assert _ids(_cell(html, day + timedelta(days=1))) == [busy[0].pk, busy[1].pk]
    assert _more(_cell(html, day + timedelta(days=1))) == "+3+ more"


def test_capped_count_is_translated(cast, login, small_caps):
    rep = cast["rep_sh1"]
    day = timezone.localdate().replace(day=10)
    for i in range(6):
        f.planned(rep, at=_at(day, 9, i))
    html = _as(login, rep, "zh-hans").get(URL, {"date": day.isoformat()}).content.decode()
    assert _more(_cell(html, day)) == "还有 3+ 条"


def test_first_of_a_day_are_by_time_then_id(cast, login, small_caps):
    rep = cast["rep_sh1"]
    day = timezone.localdate().replace(day=10)
    later = f.planned(rep, at=_at(day, 11))
    tied = [f.planned(rep, at=_at(day, 10)) for _ in range(2)]
    html = _as(login, rep).get(URL, {"date": day.isoformat()}).content.decode()
    assert _ids(_cell(html, day)) == [tied[0].pk, tied[1].pk]
    assert later.pk not in _ids(html) and _more(_cell(html, day)) == "+1 more"


def test_day_view_shows_its_first_ones_and_links_the_rest_in_the_list(cast, login, small_caps):
    manager, rep = cast["manager_east"], cast["rep_sh2"]
    day = timezone.localdate().replace(day=10)
    rows = [f.planned(rep, at=_at(day, 8 + i)) for i in range(6)]
    f.planned(cast["rep_sh1"], at=_at(day, 7))  # someone else's: not in rep_sh2's calendar
    f.planned(rep, at=_at(day + timedelta(days=1), 8))  # the next day: not in the list either
    client = _as(login, manager)
    html = client.get(URL, {"view": "day", "date": day.isoformat(), "user": rep.pk}).content.decode()
    assert _ids(html) == [rows[0].pk, rows[1].pk]
    footer = html.split('data-testid="cal-day-more"')[1].split("</div>")[0]
    assert "Showing the first 2 follow-ups of the day." in footer
    link = re.search(r'href="([^"]+)" data-testid="cal-day-list">([^<]*)<', footer)
    assert link.group(2) == "3+ more in the follow-up list"
    url = urlsplit(unescape(link.group(1)))
    assert url.path == reverse("activities:follow_up_list")
    assert parse_qs(url.query) == {
        "at_after": [day.isoformat()],
        "at_before": [day.isoformat()],
        "owner": [str(rep.pk)],
    }
    listed = client.get(unescape(link.group(1))).content.decode()
    assert {int(pk) for pk in re.findall(r'data-row-id="(\d+)"', listed)} == {fu.pk for fu in rows}


def test_day_view_counts_exactly_and_says_nothing_when_all_are_shown(cast, login, small_caps):
    rep = cast["rep_sh1"]
    day = timezone.localdate().replace(day=10)
    for i in range(4):
        f.planned(rep, at=_at(day, 8 + i))
    client = _as(login, rep)
    html = client.get(URL, {"view": "day", "date": day.isoformat()}).content.decode()
    footer = html.split('data-testid="cal-day-more"')[1].split("</div>")[0]
    assert re.search(r'data-testid="cal-day-list">2 more in the follow-up list<', footer)
    assert "owner=" not in footer  # everyone the user can see, as in the calendar
    other = (day + timedelta(days=1)).isoformat()
    f.planned(rep, at=_at(day + timedelta(days=1), 8))
    html = client.get(URL, {"view": "day", "date": other}).content.decode()
    assert len(_ids(html)) == 1 and "cal-day-more" not in html


@pytest.mark.parametrize(
    ("day", "changed"),
    [(date(2026, 3, 8), "spring forward: 23 hours"), (date(2026, 11, 1), "fall back: 25 hours")],
)
def test_days_are_local_days_across_a_dst_change(cast, login, settings, small_caps, day, changed):
    settings.TIME_ZONE = "America/New_York"
    rep = cast["rep_sh1"]
    # The first and last minutes of the local day, and the first minute of the next.
    first = f.planned(rep, at=_at(day, 0, 0))
    last = [f.planned(rep, at=_at(day, 23, 57 + i)) for i in range(3)]
    following = f.planned(rep, at=_at(day + timedelta(days=1), 0, 0))
    before = f.planned(rep, at=_at(day - timedelta(days=1), 23, 59))
    html = _as(login, rep).get(URL, {"date": day.isoformat()}).content.decode()
    assert _ids(_cell(html, day)) == [first.pk, last[0].pk], changed
    assert _more(_cell(html, day)) == "+2 more"
    assert _ids(_cell(html, day + timedelta(days=1))) == [following.pk]
    assert _ids(_cell(html, day - timedelta(days=1))) == [before.pk]


def test_a_rep_never_sees_a_teammates_items_or_counts(cast, login):
    day = timezone.localdate().replace(day=10)
    mine = f.planned(cast["rep_sh1"], at=_at(day, 12))
    team = [f.planned(cast["rep_sh2"], at=_at(day, 8, i)) for i in range(5)]
    rep_html = _as(login, cast["rep_sh1"]).get(URL, {"date": day.isoformat()}).content.decode()
    assert _ids(_cell(rep_html, day)) == [mine.pk] and _more(_cell(rep_html, day)) is None
    week = _as(login, cast["rep_sh1"]).get(URL, {"view": "week", "date": day.isoformat()}).content.decode()
    assert _ids(week) == [mine.pk] and "cal-more" not in week
    manager_html = _as(login, cast["manager_east"]).get(URL, {"date": day.isoformat()}).content.decode()
    assert _ids(_cell(manager_html, day)) == [t.pk for t in team[:3]]
    assert _more(_cell(manager_html, day)) == "+3 more"


@pytest.mark.parametrize("view", ["month", "week", "day"])
def test_query_count_is_pinned_whatever_the_days_hold(cast, login, small_caps, view):
    client = login(cast["manager_east"])
    today = timezone.localdate()
    f.planned(cast["rep_sh1"], at=_at(today, 9))
    client.get(URL, {"view": view})  # the process's content-type cache, read once (the scope's shares)
    with CaptureQueriesContext(connection) as one:
        client.get(URL, {"view": view})
    for offset in range(7):  # past the caps on several days, for two owners
        for i in range(8):
            owner = cast["rep_sh1"] if i % 2 else cast["rep_sh2"]
            f.planned(owner, at=_at(today - timedelta(days=today.weekday()) + timedelta(days=offset), 9, i))
    with CaptureQueriesContext(connection) as busy:
        response = client.get(URL, {"view": view})
    assert "cal-more" in response.content.decode() or "cal-day-more" in response.content.decode()
    assert len(busy) == len(one) == CALENDAR_QUERIES[view], (
        [q["sql"][:70] for q in one],
        [q["sql"][:70] for q in busy],
    )
