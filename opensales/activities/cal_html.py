"""The calendar's items as HTML built in Python (the month view shows up to 126 of them, twice: the grid
and the phone agenda). Through the template engine each cost about 0.3 ms, most of the page; here a
tenth of that. The markup is the one calendar.js and the tests read (`cal-item-<id>`, `data-item`,
`data-url`, `data-version`, `data-at`, `follow-up-<id>`); `_item_row.html` stays the template of the
pages that show a few items (today, the home widgets)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from opensales.core.idurls import id_url


def cal_item(item: Any, *, show_owner: bool) -> SafeString:
    """One follow-up in the month, week or day grid."""
    time = timezone.localtime(item.at).strftime("%H:%M")
    kind = item.get_kind_display()
    if item.status == "done":
        state = "cal-done"
    elif item.overdue:
        state = "cal-overdue"
    else:
        state = "cal-planned"
    owner = item.owner.get_full_name() if show_owner else ""
    title = f"{time} {kind} · {item.subject}"
    if item.customer_id:
        title += f" · {item.customer}"
    if show_owner:
        title += f" · {owner}"
    drag = (
        format_html(
            ' draggable="true" data-item data-url="{}" data-version="{}" data-at="{}"',
            id_url("activities:reschedule")(item.pk),
            item.version,
            item.local_at,
        )
        if item.movable
        else ""
    )
    return format_html(
        '<a href="{}" class="cal-item d-block text-truncate rounded px-1 mb-1 small {}{}"'
        ' data-testid="cal-item-{}"{} title="{}"><span class="fw-medium">{}</span> {}{}</a>',
        id_url("activities:follow_up_detail")(item.pk),
        state,
        " cal-movable" if item.movable else "",
        item.pk,
        drag,
        title,
        time,
        item.subject,
        format_html(' <span class="opacity-75">· {}</span>', owner) if show_owner else "",
    )


def agenda_row(item: Any) -> SafeString:
    """`activities/_item_row.html` (time only, no actions) for one follow-up."""
    return format_html(
        '<div class="list-group-item py-2{}" data-testid="follow-up-{}">'
        '<div class="d-flex align-items-center gap-2 flex-wrap">'
        '<span class="text-nowrap fw-medium">{}</span><span class="badge bg-azure-lt">{}</span>'
        '<a class="text-reset text-truncate" href="{}">{}</a>{}{}</div></div>',
        " list-group-item-warning" if item.overdue else "",
        item.pk,
        timezone.localtime(item.at).strftime("%H:%M"),
        item.get_kind_display(),
        id_url("activities:follow_up_detail")(item.pk),
        item.subject,
        format_html('<span class="text-secondary small text-truncate">{}</span>', item.customer)
        if item.customer_id
        else "",
        format_html('<span class="badge bg-red-lt">{}</span>', gettext("Overdue")) if item.overdue else "",
    )
