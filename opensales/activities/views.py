"""The calendar (month / week / day, drag to reschedule), today's list, completing and checking in,
the .ics export and the private calendar feed."""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, F, IntegerField, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
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
    more: int = 0  # items of the day not shown (a busy rep's month): the day view lists them all


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


# Follow-ups shown per day by view (None: all); the rest are counted ("+3 more").
PER_DAY = {"month": 3, "week": 10, "day": None}


def _local_day_index(days: list[date], first: int = 0) -> Case | Value:
    """The index of a follow-up's local day among `days` (consecutive), in SQL: comparisons with the
    local midnights, computed here in the active time zone exactly as `timezone.localtime(at).date()`
    decides the day (right across a DST change too), so both databases evaluate it natively. Nested
    as a binary search: a handful of comparisons per row rather than one per day."""
    if len(days) == 1:
        return Value(first)
    half = len(days) // 2
    return Case(
        When(at__lt=_local_start(days[half]), then=_local_day_index(days[:half], first)),
        default=_local_day_index(days[half:], first + half),
        output_field=IntegerField(),
    )


def calendar_queryset(user: Any, rng: CalendarRange, person: Any = None) -> QuerySet:
    qs = (
        FollowUp.objects.visible_to(user, Action.VIEW)
        .filter(at__gte=_local_start(rng.start), at__lt=_local_start(rng.end))
        .exclude(status=FollowUpStatus.CANCELLED)
        .select_related("customer", "owner")
        .order_by("at", "pk")
    )
    if person is not None:
        qs = qs.filter(owner=person)
    return qs


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
    # A busy team has tens of thousands of follow-ups a month: the page shows a few per day and
    # "+N more", which opens the day. The database numbers and counts each local day's rows (windows
    # over a slim query), so only the rows shown are read whole and nothing is counted in Python.
    cap = PER_DAY.get(rng.view)
    qs = calendar_queryset(request.user, rng, person)
    items: list[FollowUp] = list(qs) if cap is None else []
    if cap is not None:
        # The day expression is built and resolved once; the windows refer to it (a 42-day month's
        # nested CASE resolved three times was a fifth of the page's time).
        by_day = Window(Count("pk"), partition_by=F("day_index"))
        rank = Window(RowNumber(), partition_by=F("day_index"), order_by=[F("at").asc(), F("pk").asc()])
        shown: list[int] = []
        for pk, index, count in (
            qs.order_by()
            .annotate(day_index=_local_day_index(list(days)))
            .annotate(rank=rank, day_total=by_day)
            .filter(rank__lte=cap)
            .values_list("pk", "day_index", "day_total")
        ):
            shown.append(pk)
            days[rng.start + timedelta(days=index)].more = max(count - cap, 0)
        if shown:
            items = list(qs.filter(pk__in=shown))
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
    if person is not None:
        query["user"] = person.pk
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
