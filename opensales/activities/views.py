"""The calendar (month / week / day, drag to reschedule), today's list, completing and checking in,
the .ics export and the private calendar feed."""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import connections
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from opensales.core.actions import Action
from opensales.core.scope import get_visible_or_404, has_action
from opensales.core.versioning import StaleEdit
from opensales.workspace.views import apply_errors, safe_next

from . import cal_html, ics, services
from .forms import DATETIME_FORMAT, CheckInForm, CompleteForm
from .models import FollowUp, FollowUpStatus
from .workspace import visible_owners

VIEWS = ("month", "week", "day")
DAY_HOURS = range(0, 24)


def _require_view(user: Any) -> None:
    if not has_action(user, FollowUp, Action.VIEW):
        raise PermissionDenied


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class Day:
    day: date
    in_range: bool = True
    is_today: bool = False
    items: list[FollowUp] = field(default_factory=list)
    hours: dict[int, list[FollowUp]] = field(default_factory=dict)
    more: int = 0  # items of the day not shown, up to MORE_CAP
    more_capped: bool = False  # more than MORE_CAP not shown ("99+")


@dataclass
class CalendarRange:
    view: str
    anchor: date
    start: date  # first day shown
    end: date  # first day not shown
    prev: date
    next: date

    @classmethod
    def parse(cls, params: Any) -> CalendarRange:
        view = params.get("view") if params.get("view") in VIEWS else "month"
        try:
            anchor = date.fromisoformat(params.get("date", ""))
        except ValueError:
            anchor = timezone.localdate()
        if view == "day":
            return cls(
                view, anchor, anchor, anchor + timedelta(days=1), anchor - timedelta(1), anchor + timedelta(1)
            )
        if view == "week":
            start = anchor - timedelta(days=anchor.weekday())
            return cls(
                view, anchor, start, start + timedelta(7), anchor - timedelta(7), anchor + timedelta(7)
            )
        first = anchor.replace(day=1)
        last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
        start = first - timedelta(days=first.weekday())
        end = last + timedelta(days=7 - last.weekday())
        prev = (first - timedelta(days=1)).replace(day=1)
        nxt = last + timedelta(days=1)
        return cls(view, anchor, start, end, prev, nxt)

    @property
    def first_of_month(self) -> date:
        return self.anchor.replace(day=1)

    def in_range(self, day: date) -> bool:
        if self.view == "month":
            return day.month == self.anchor.month
        return True


# Follow-ups shown per day by view, by time then id; the rest are counted, exactly up to MORE_CAP and
# as "99+" beyond: nobody uses a larger number, and counting no further keeps a team's month as cheap
# as a rep's. The day view's rest is in the follow-up list, filtered to that day.
PER_DAY = {"month": 3, "week": 10, "day": 200}
MORE_CAP = {"month": 99, "week": 99, "day": 999}


def _first_per_day(qs: QuerySet, days: list[date], cap: int, count_to: int) -> list[tuple[int, int, int]]:
    """(pk, index of the local day in `days`, the day's count up to `count_to`) for the first `cap`
    follow-ups of each day of `qs` (no time range of its own: a second range on `at` could be the one
    the database walks), by time then id. Per day, one ordered scan of the time index with a LIMIT
    and a count of at most `count_to` rows: the database reads a bounded slice per day however large
    the team (docs/performance.md). Days run from local midnight to local midnight (`_local_start`),
    right across a DST change. The scope is written once, in a CTE inlined where it is used (NOT
    MATERIALIZED); PostgreSQL joins it laterally to the list of days (planned once: the branches of a
    union, each with the scope, took longer to plan than to run), SQLite, without LATERAL, takes one
    UNION ALL branch per day."""
    connection = connections[qs.db]
    quote, adapt = connection.ops.quote_name, connection.ops.adapt_datetimefield_value
    try:
        body, params = qs.order_by().values_list("pk", "at").query.get_compiler(qs.db).as_sql()
    except EmptyResultSet:  # a filter that admits nothing
        return []
    at = quote("at")
    bounds = [[adapt(_local_start(day)), adapt(_local_start(day + timedelta(days=1)))] for day in days]
    # The SQL text holds the ORM's compiled query, quoted names and integers; every value is a parameter.
    in_day = f"{at} >= %s AND {at} < %s"
    first = f"SELECT id FROM scoped WHERE {in_day} ORDER BY {at}, id LIMIT {cap}"  # noqa: S608
    count = f"SELECT COUNT(*) FROM (SELECT 1 FROM scoped WHERE {in_day} LIMIT {count_to}) n"  # noqa: S608
    args = list(params)
    if connection.vendor == "postgresql":
        rows = ", ".join(f"({i}, %s::timestamptz, %s::timestamptz)" for i in range(len(days)))
        on_day = in_day.replace("%s", "d.lo", 1).replace("%s", "d.hi", 1)
        sql = (
            f"SELECT s.id, d.i, c.n FROM (VALUES {rows}) d (i, lo, hi)"  # noqa: S608
            f" CROSS JOIN LATERAL ({first.replace(in_day, on_day)}) s"
            f" CROSS JOIN LATERAL ({count.replace(in_day, on_day)}) c (n)"
        )
        args += [bound for pair in bounds for bound in pair]
    else:
        sql = " UNION ALL ".join(
            f"SELECT * FROM (SELECT id, {i}, ({count}) FROM scoped WHERE {in_day}"  # noqa: S608
            f" ORDER BY {at}, id LIMIT {cap}) d{i}"
            for i in range(len(days))
        )
        for pair in bounds:
            args += pair + pair
    sql = f"WITH scoped (id, {at}) AS NOT MATERIALIZED ({body}) {sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def _calendar_scope(user: Any, person: Any = None) -> QuerySet:
    """The follow-ups the calendar may show, at any time: in the user's scope, not cancelled, of
    `person` when one is picked."""
    qs = FollowUp.objects.visible_to(user, Action.VIEW).exclude(status=FollowUpStatus.CANCELLED)
    if person is not None:
        qs = qs.filter(owner=person)
    return qs


def calendar_queryset(user: Any, rng: CalendarRange, person: Any = None) -> QuerySet:
    return (
        _calendar_scope(user, person)
        .filter(at__gte=_local_start(rng.start), at__lt=_local_start(rng.end))
        .select_related("customer", "owner")
        .order_by("at", "pk")
    )


def _person(request: HttpRequest) -> Any:
    raw = request.GET.get("user", "")
    if not raw.isdigit():
        return None
    return visible_owners(request.user).filter(pk=int(raw)).first()


@require_safe
def calendar_page(request: HttpRequest) -> HttpResponse:
    _require_view(request.user)
    rng = CalendarRange.parse(request.GET)
    person = _person(request)
    today = timezone.localdate()
    now = timezone.now()
    days: dict[date, Day] = {}
    cursor = rng.start
    while cursor < rng.end:
        days[cursor] = Day(cursor, in_range=rng.in_range(cursor), is_today=cursor == today)
        cursor += timedelta(days=1)
    # A busy team has tens of thousands of follow-ups a month: each day shows its first few and
    # "+N more", which opens the day; the day view shows its first PER_DAY and links to the list.
    cap, more_cap = PER_DAY[rng.view], MORE_CAP[rng.view]
    shown: list[int] = []
    scope = _calendar_scope(request.user, person)
    for pk, index, total in _first_per_day(scope, list(days), cap, cap + more_cap + 1):
        shown.append(pk)
        day = days[rng.start + timedelta(days=index)]
        day.more_capped = total > cap + more_cap
        day.more = min(max(total - cap, 0), more_cap)
    # Only what the grid and the agenda show (cal_html.py): a month's 126 rows with their customer
    # and owner whole were a fifth of the page.
    qs = calendar_queryset(request.user, rng, person).only(
        *("at", "status", "kind", "subject", "version", "customer__name"),
        *("owner__full_name", "owner__username"),
    )
    items: list[FollowUp] = list(qs.filter(pk__in=shown)) if shown else []
    movable = set(
        FollowUp.objects.visible_to(request.user, Action.CHANGE)
        .filter(pk__in=[i.pk for i in items if i.status == FollowUpStatus.PLANNED])
        .values_list("pk", flat=True)
    )
    for item in items:
        local = timezone.localtime(item.at)
        item.movable = item.pk in movable
        item.overdue = item.status == FollowUpStatus.PLANNED and item.at < now
        item.local_at = local.strftime(DATETIME_FORMAT)
        # Rendered here (cal_html.py): the grid shows the owner in the week and day views.
        item.cal_html = cal_html.cal_item(item, show_owner=rng.view != "month")
        item.row_html = cal_html.agenda_row(item)
        day = days.get(local.date())
        if day is not None:
            day.items.append(item)
            day.hours.setdefault(local.hour, []).append(item)
    day_list = list(days.values())
    hours = [
        {"hour": h, "label": f"{h:02d}:00", "items": day_list[0].hours.get(h, []) if day_list else []}
        for h in DAY_HOURS
    ]
    query = {"view": rng.view, "date": rng.anchor.isoformat()}
    owner = {}
    if person is not None:
        query["user"] = person.pk
        owner["owner"] = person.pk
    context = {
        "rng": rng,
        "days": day_list,
        "weeks": [day_list[i : i + 7] for i in range(0, len(day_list), 7)],
        "hours": hours,
        "agenda": [d for d in day_list if d.items and d.in_range],
        "person": person,
        "weekdays": [_day_name(i) for i in range(7)],
        "user_picker_url": reverse("workspace:user_picker"),
        "ics_query": "&".join(f"{k}={v}" for k, v in query.items()),
        "may_add": has_action(request.user, FollowUp, Action.ADD),
        "today": today,
        "per_day": cap,
        # The day view's follow-ups past PER_DAY: the list, filtered to the day and the same person.
        "day_list_url": reverse("activities:follow_up_list")
        + "?"
        + urlencode({"at_after": rng.anchor.isoformat(), "at_before": rng.anchor.isoformat()} | owner),
        "title": _title(rng),
    }
    return render(request, "activities/calendar.html", context)


def _day_name(index: int) -> str:
    names = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    return names[index]


def _title(rng: CalendarRange) -> str:
    from django.utils.formats import date_format

    if rng.view == "month":
        return date_format(rng.anchor, "YEAR_MONTH_FORMAT")
    if rng.view == "week":
        last = rng.end - timedelta(days=1)
        return f"{date_format(rng.start, 'SHORT_DATE_FORMAT')} – {date_format(last, 'SHORT_DATE_FORMAT')}"
    return date_format(rng.anchor, "DATE_FORMAT")


@require_POST
def reschedule(request: HttpRequest, pk: int) -> JsonResponse:
    """Drag and drop on the calendar: `at` (local, YYYY-MM-DDTHH:MM) and the `version` it was shown at."""
    if not has_action(request.user, FollowUp, Action.CHANGE):
        raise PermissionDenied
    record = get_visible_or_404(FollowUp, request.user, pk, Action.CHANGE)
    try:
        at = timezone.make_aware(datetime.strptime(request.POST.get("at", ""), DATETIME_FORMAT))
        version = int(request.POST.get("version", ""))
    except ValueError:
        return JsonResponse({"error": _("Enter a valid date, time and version.")}, status=422)
    try:
        saved = services.reschedule(actor=request.user, follow_up=record, at=at, expected_version=version)
    except StaleEdit:
        return JsonResponse(
            {"error": _("Someone else changed this follow-up meanwhile. The calendar will reload.")},
            status=409,
        )
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=422)
    return JsonResponse(
        {
            "id": saved.pk,
            "version": saved.version,
            "at": timezone.localtime(saved.at).strftime(DATETIME_FORMAT),
            "message": _("Rescheduled to %(when)s.")
            % {"when": timezone.localtime(saved.at).strftime("%Y-%m-%d %H:%M")},
        }
    )


@require_safe
def today_page(request: HttpRequest) -> HttpResponse:
    _require_view(request.user)
    lists = today_lists(request.user)
    return render(request, "activities/today.html", lists)


def today_lists(user: Any, limit: int | None = None) -> dict[str, Any]:
    """The user's own planned follow-ups of today and the overdue ones (planned, before today)."""
    start = _local_start(timezone.localdate())
    mine = (
        FollowUp.objects.visible_to(user, Action.VIEW)
        .filter(owner=user, status=FollowUpStatus.PLANNED)
        .select_related("customer", "contact")
    )
    today = mine.filter(at__gte=start, at__lt=start + timedelta(days=1)).order_by("at", "pk")
    overdue = mine.filter(at__lt=start).order_by("-at", "pk")
    if limit is not None:
        today, overdue = today[:limit], overdue[:limit]
    now = timezone.now()
    today = list(today)
    for item in today:
        item.overdue = item.at < now
    return {"today_items": today, "overdue_items": list(overdue), "now": now}


@require_http_methods(["GET", "POST"])
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    if not has_action(request.user, FollowUp, Action.CHANGE):
        raise PermissionDenied
    record = get_visible_or_404(FollowUp, request.user, pk, Action.CHANGE)
    if record.status != FollowUpStatus.PLANNED:
        messages.info(request, _("This follow-up is not planned any more."))
        return HttpResponseRedirect(reverse("activities:follow_up_detail", args=[record.pk]))
    form = CompleteForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.complete(
                actor=request.user,
                follow_up=record,
                outcome=form.cleaned_data["outcome"],
                content=form.cleaned_data["content"] or None,
                next_follow_up_at=form.cleaned_data["next_follow_up_at"],
                expected_version=_int(request.POST.get("version")),
            )
        except StaleEdit as exc:
            record = exc.current
            form.add_error(
                None, _("Someone else changed this follow-up meanwhile. Check it, then save again.")
            )
            status = 409
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Follow-up “%(subject)s” completed.") % {"subject": record.subject})
            return HttpResponseRedirect(safe_next(request, reverse("activities:today")))
    context = {"record": record, "form": form, "next": safe_next(request, "")}
    return render(request, "activities/complete.html", context, status=status)


def _int(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    if not has_action(request.user, FollowUp, Action.CHANGE):
        raise PermissionDenied
    record = get_visible_or_404(FollowUp, request.user, pk, Action.CHANGE)
    if record.kind != "visit":
        raise Http404
    form = CheckInForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.check_in(
                actor=request.user,
                follow_up=record,
                latitude=data["latitude"],
                longitude=data["longitude"],
                address=data["address"],
                photo=data.get("photo"),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied:
            form.add_error("photo", _("You may not add files to this follow-up."))
        else:
            messages.success(request, _("Checked in."))
            return HttpResponseRedirect(reverse("activities:follow_up_detail", args=[record.pk]))
    return render(request, "activities/check_in.html", {"record": record, "form": form})


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def ics_export(request: HttpRequest) -> HttpResponse:
    """The calendar range the user is looking at, as an .ics file."""
    _require_view(request.user)
    rng = CalendarRange.parse(request.GET)
    events = calendar_queryset(request.user, rng, _person(request))
    body = ics.calendar(events, name=_("OpenSales follow-ups"), base_url=_base(request))
    return _ics_response(body, f"follow-ups-{rng.start.isoformat()}.ics")


FEED_PAST = timedelta(days=60)
FEED_FUTURE = timedelta(days=180)


@login_not_required
@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """A calendar app's subscription: no session, the secret token names the user; what the feed
    shows is evaluated as that user now (a deactivated user's or a revoked token's feed is gone)."""
    user = services.feed_user(token)
    if user is None or not has_action(user, FollowUp, Action.VIEW):
        raise Http404
    now = timezone.now()
    events = (
        FollowUp.objects.visible_to(user, Action.VIEW)
        .filter(at__gte=now - FEED_PAST, at__lt=now + FEED_FUTURE)
        .select_related("customer")
        .order_by("at", "pk")
    )
    body = ics.calendar(events, name=_("OpenSales follow-ups"), base_url=_base(request))
    return _ics_response(body, "opensales.ics")


def _base(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


@require_http_methods(["GET", "POST"])
def feed_settings(request: HttpRequest) -> HttpResponse:
    _require_view(request.user)
    from .models import CalendarFeed

    feed_url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.feed_revoke(user=request.user)
            messages.success(request, _("The calendar feed was turned off."))
            return HttpResponseRedirect(reverse("activities:feed_settings"))
        token = services.feed_reset(user=request.user)
        feed_url = request.build_absolute_uri(reverse("activities:feed", args=[token]))
    current = CalendarFeed.objects.filter(user=request.user).first()
    return render(request, "activities/feed_settings.html", {"current": current, "feed_url": feed_url})
