"""iCalendar (RFC 5545) output of follow-ups: CRLF line endings, escaped text, lines folded at 75 octets
(never inside a UTF-8 character), a stable UID, DTSTAMP, times in UTC."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from .models import FollowUpStatus

CRLF = "\r\n"


def escape(text: str) -> str:
    return (
        (text or "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets; continuation lines start with a space."""
    out: list[str] = []
    current, size, limit = [], 0, 75
    for char in line:
        n = len(char.encode("utf-8"))
        if size + n > limit:
            out.append("".join(current))
            current, size, limit = [" "], 1, 75
        current.append(char)
        size += n
    out.append("".join(current))
    return CRLF.join(out)


def utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(events: Iterable[Any], *, name: str, base_url: str, now: datetime | None = None) -> bytes:
    """A VCALENDAR of follow-ups; `base_url` ("https://crm.example.com") makes each event's link absolute."""
    from django.urls import reverse

    stamp = utc(now or datetime.now(UTC))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//OpenSales//Follow-ups//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for fu in events:
        end = fu.at + timedelta(minutes=fu.duration_minutes or 0)
        summary = f"[{fu.get_kind_display()}] {fu.subject}"
        description = "\n".join(
            part for part in (str(fu.customer) if fu.customer_id else "", fu.content, fu.outcome) if part
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:follow-up-{fu.pk}@opensales",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{utc(fu.at)}",
            f"DTEND:{utc(end)}",
            f"LAST-MODIFIED:{utc(fu.updated_at)}",
            f"SEQUENCE:{fu.version}",
            f"SUMMARY:{escape(summary)}",
        ]
        if description:
            lines.append(f"DESCRIPTION:{escape(description)}")
        if fu.checkin_address:
            lines.append(f"LOCATION:{escape(fu.checkin_address)}")
        status = "CANCELLED" if fu.status == FollowUpStatus.CANCELLED else "CONFIRMED"
        lines.append(f"STATUS:{status}")
        lines.append(f"URL:{base_url}{reverse('activities:follow_up_detail', args=[fu.pk])}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return (CRLF.join(fold(line) for line in lines) + CRLF).encode("utf-8")
