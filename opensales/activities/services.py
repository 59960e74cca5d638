"""Follow-ups and visits: every write goes through here (validate, write, stamp, audit, one transaction).

    log_follow_up(actor=..., kind="visit", subject=..., at=..., customer=..., next_follow_up_at=...)
    reschedule(actor=..., follow_up=..., at=..., expected_version=...)    # planned ones (calendar drag)
    complete(actor=..., follow_up=..., outcome=...)                       # planned -> done
    update(actor=..., follow_up=..., expected_version=..., **fields)
    delete(actor=..., follow_up=...)                                      # to the recycle bin
    check_in(actor=..., follow_up=..., latitude=..., longitude=..., address=..., photo=None)
    send_due_reminders(now=None)                                          # the 5-minute job
    feed_reset(user=...) -> token / feed_user(token) -> user or None      # the iCalendar feed

A done follow-up moves the linked customer's last/next follow-up (customers.lifecycle.on_follow_up), the
deal's and the lead's `last_follow_up_at`; a `next_follow_up_at` schedules a planned follow-up that the
reminder job announces 15 minutes ahead.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Min, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opensales.audit.services import diff, record
from opensales.core.actions import Action
from opensales.core.history import stamp
from opensales.core.versioning import check_version

from .models import CalendarFeed, FollowUp, FollowUpStatus, FollowUpType

REMINDER_AHEAD = timedelta(minutes=15)
# A reminder the worker missed (it was down) is still sent if the follow-up is at most this late.
REMINDER_GRACE = timedelta(hours=1)
MAX_DURATION = 24 * 60
LINK_FIELDS = ("customer", "contact", "opportunity", "lead")
EDITABLE = (
    "kind",
    "subject",
    "content",
    "at",
    "duration_minutes",
    "customer",
    "contact",
    "opportunity",
    "lead",
    "outcome",
    "next_follow_up_at",
)


def _unscoped(reason: str):
    return FollowUp.objects.unscoped(reason=reason)


def _snapshot(fu: FollowUp, fields=EDITABLE) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(fu, f"{name}_id") if name in LINK_FIELDS else getattr(fu, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


# --- validation -----------------------------------------------------------------------------------


def _check_visible(actor: Any, field: str, obj: Any) -> None:
    """A linked record must be one the actor may see (a system actor, None, skips the check)."""
    if obj is None or actor is None:
        return
    if not type(obj).objects.visible_to(actor, Action.VIEW).filter(pk=obj.pk).exists():
        raise ValidationError({field: _("Select a record you may see.")})


def _clean_links(actor: Any, links: dict[str, Any]) -> dict[str, Any]:
    customer, contact, opportunity = links.get("customer"), links.get("contact"), links.get("opportunity")
    # A contact or a deal brings its customer along when none was named.
    if customer is None and contact is not None:
        customer = contact.customer
    if customer is None and opportunity is not None:
        customer = opportunity.customer
    links["customer"] = customer
    for field in LINK_FIELDS:
        _check_visible(actor, field, links.get(field))
    errors: dict[str, str] = {}
    if contact is not None and contact.customer_id != getattr(customer, "pk", None):
        errors["contact"] = _("This contact does not belong to the selected customer.")
    if opportunity is not None and opportunity.customer_id != getattr(customer, "pk", None):
        errors["opportunity"] = _("This opportunity does not belong to the selected customer.")
    if errors:
        raise ValidationError(errors)
    return links


def _clean_fields(values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if values.get("kind") not in FollowUpType.values:
        errors["kind"] = _("Select a valid type.")
    if values.get("status", FollowUpStatus.DONE) not in FollowUpStatus.values:
        errors["status"] = _("Select a valid status.")
    subject = (values.get("subject") or "").strip()
    if not subject:
        errors["subject"] = _("Enter a subject.")
    elif len(subject) > 200:
        errors["subject"] = _("At most 200 characters.")
    values["subject"] = subject
    if not isinstance(values.get("at"), datetime):
        errors["at"] = _("Enter a date and time.")
    duration = values.get("duration_minutes")
    if duration is None or not (0 <= int(duration) <= MAX_DURATION):
        errors["duration_minutes"] = _("Between 0 and 1440 minutes.")
    next_at = values.get("next_follow_up_at")
    if next_at is not None and isinstance(values.get("at"), datetime) and next_at <= values["at"]:
        errors["next_follow_up_at"] = _("The next follow-up must come after this one.")
    if len(values.get("outcome") or "") > 300:
        errors["outcome"] = _("At most 300 characters.")
    if errors:
        raise ValidationError(errors)


def clean_checkin(checkin: dict[str, Any] | None) -> dict[str, Any] | None:
    """Coordinates within range (latitude ±90, longitude ±180, both or neither), or an address."""
    if not checkin:
        return None
    errors: dict[str, str] = {}
    coords: dict[str, Decimal | None] = {}
    for name, limit in (("latitude", 90), ("longitude", 180)):
        raw = checkin.get(name)
        if raw in (None, ""):
            coords[name] = None
            continue
        try:
            value = Decimal(str(raw)).quantize(Decimal("0.000001"))
        except (InvalidOperation, ValueError):
            errors[name] = _("Enter a number.")
            continue
        if not value.is_finite() or abs(value) > limit:
            errors[name] = _("Must be between -%(limit)s and %(limit)s.") % {"limit": limit}
            continue
        coords[name] = value
    address = (checkin.get("address") or "").strip()[:300]
    if not errors:
        if (coords["latitude"] is None) != (coords["longitude"] is None):
            errors["latitude"] = _("Give both latitude and longitude, or neither.")
        elif coords["latitude"] is None and not address:
            errors["address"] = _("Share your location or type the address.")
    if errors:
        raise ValidationError(errors)
    return {
        "checkin_latitude": coords["latitude"],
        "checkin_longitude": coords["longitude"],
        "checkin_address": address,
        "checkin_at": checkin.get("at") or timezone.now(),
    }


# --- what a follow-up moves elsewhere ---------------------------------------------------------------


def next_planned_at(customer_id: int) -> datetime | None:
    return (
        _unscoped("the customer's next follow-up")
        .filter(customer_id=customer_id, status=FollowUpStatus.PLANNED)
        .aggregate(n=Min("at"))["n"]
    )


def _sync_customer(customer: Any, *, at: datetime | None, actor: Any, recompute: bool = False) -> None:
    """Tell the customer its last follow-up (when one was done) and its next planned one. `recompute`:
    a planned follow-up moved, completed or went away, so the next one is read afresh (it may be later
    or none at all, which customers.lifecycle.on_follow_up never does on its own)."""
    if customer is None:
        return
    from opensales.customers.lifecycle import on_follow_up

    next_at = next_planned_at(customer.pk)
    on_follow_up(customer=customer, at=at, next_at=next_at, actor=actor)
    if recompute:
        from opensales.customers.models import Customer

        Customer.objects.unscoped(reason="follow-up keeps the customer's next follow-up").filter(
            pk=customer.pk
        ).update(next_follow_up_at=next_at)


def _touch_links(fu: FollowUp, actor: Any, *, recompute: bool = False) -> None:
    """A done follow-up is the linked deal's and lead's latest contact (never moved backwards)."""
    if fu.status == FollowUpStatus.DONE:
        for field, model_path in (("opportunity", "deals.Opportunity"), ("lead", "leads.Lead")):
            pk = getattr(fu, f"{field}_id")
            if pk is None:
                continue
            from django.apps import apps

            model = apps.get_model(model_path)
            model.objects.unscoped(reason="a follow-up updates the last follow-up time").filter(pk=pk).filter(
                Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=fu.at)
            ).update(last_follow_up_at=fu.at)
    at = fu.at if fu.status == FollowUpStatus.DONE else None
    _sync_customer(fu.customer, at=at, actor=actor, recompute=recompute)


def planned_subject(fu: FollowUp) -> str:
    """ "跟进：<customer>" (in the site's language: it is stored data, not a label)."""
    target = fu.customer or fu.lead or fu.opportunity
    with translation.override(settings.LANGUAGE_CODE):
        return (_("Follow-up: %(name)s") % {"name": target or fu.subject})[:200]


# --- writes ---------------------------------------------------------------------------------------


@transaction.atomic
def log_follow_up(
    *,
    actor: Any,
    kind: str,
    subject: str,
    at: datetime,
    content: str = "",
    duration_minutes: int = 30,
    customer: Any = None,
    contact: Any = None,
    opportunity: Any = None,
    lead: Any = None,
    outcome: str = "",
    next_follow_up_at: datetime | None = None,
    status: str = FollowUpStatus.DONE,
    checkin: dict[str, Any] | None = None,
    owner: Any = None,
) -> FollowUp:
    values = {
        "kind": kind,
        "subject": subject,
        "at": at,
        "duration_minutes": duration_minutes,
        "status": status,
        "outcome": outcome or "",
        "next_follow_up_at": next_follow_up_at,
    }
    _clean_fields(values)
    links = _clean_links(
        actor, {"customer": customer, "contact": contact, "opportunity": opportunity, "lead": lead}
    )
    check = clean_checkin(checkin)
    if check is not None and kind != FollowUpType.VISIT:
        raise ValidationError({"kind": _("Only a visit can have a check-in.")})
    fu = FollowUp(
        kind=kind,
        status=status,
        subject=values["subject"],
        content=content or "",
        at=at,
        duration_minutes=duration_minutes,
        outcome=values["outcome"],
        next_follow_up_at=next_follow_up_at,
        owner=owner or actor,
        **links,
        **(check or {}),
    )
    stamp(fu, actor)
    fu.save()
    record(action="follow_up.create", actor=actor, obj=fu, changes=_snapshot(fu, (*EDITABLE, "status")))
    if next_follow_up_at is not None:
        planned = FollowUp(
            kind=kind,
            status=FollowUpStatus.PLANNED,
            subject=planned_subject(fu),
            at=next_follow_up_at,
            duration_minutes=duration_minutes,
            owner=fu.owner,
            **links,
        )
        stamp(planned, actor)
        planned.save()
        record(
            action="follow_up.create",
            actor=actor,
            obj=planned,
            changes={**_snapshot(planned, ("subject", "at", "customer")), "status": planned.status},
        )
    _touch_links(fu, actor)
    return fu


def _locked(fu: FollowUp, expected_version: int | None) -> FollowUp:
    current = _unscoped("version check").select_for_update().get(pk=fu.pk)
    check_version(current, expected_version)
    return current


def _save(current: FollowUp, actor: Any, fields: list[str]) -> FollowUp:
    current.version = F("version") + 1
    stamp(current, actor)
    current.save()
    current.refresh_from_db()
    return current


@transaction.atomic
def reschedule(*, actor: Any, follow_up: FollowUp, at: datetime, expected_version: int | None) -> FollowUp:
    """Move a planned follow-up to another time (the calendar's drag and drop); it is reminded anew."""
    current = _locked(follow_up, expected_version)
    if current.status != FollowUpStatus.PLANNED:
        raise ValidationError({"at": _("Only planned follow-ups can be rescheduled.")})
    if not isinstance(at, datetime):
        raise ValidationError({"at": _("Enter a date and time.")})
    before = current.at.isoformat()
    current.at = at
    current.reminded_at = None
    current = _save(current, actor, ["at", "reminded_at"])
    record(action="follow_up.reschedule", actor=actor, obj=current, changes={"at": [before, at.isoformat()]})
    _sync_customer(current.customer, at=None, actor=actor, recompute=True)
    return current


@transaction.atomic
def complete(
    *,
    actor: Any,
    follow_up: FollowUp,
    outcome: str = "",
    content: str | None = None,
    at: datetime | None = None,
    next_follow_up_at: datetime | None = None,
    expected_version: int | None = None,
) -> FollowUp:
    """A planned follow-up happened: it becomes done (now, unless `at` says when), with its outcome."""
    current = _unscoped("complete").select_for_update().get(pk=follow_up.pk)
    if expected_version is not None:
        check_version(current, expected_version)
    if current.status != FollowUpStatus.PLANNED:
        raise ValidationError(_("Only planned follow-ups can be completed."))
    done_at = at or timezone.now()
    if len(outcome or "") > 300:
        raise ValidationError({"outcome": _("At most 300 characters.")})
    if next_follow_up_at is not None and next_follow_up_at <= done_at:
        raise ValidationError({"next_follow_up_at": _("The next follow-up must come after this one.")})
    before = _snapshot(current, ("at", "outcome", "content", "status"))
    current.status = FollowUpStatus.DONE
    current.at = done_at
    current.outcome = outcome or ""
    if content is not None:
        current.content = content
    current.next_follow_up_at = next_follow_up_at
    current = _save(current, actor, [])
    record(
        action="follow_up.complete",
        actor=actor,
        obj=current,
        changes=diff(before, _snapshot(current, ("at", "outcome", "content", "status"))),
    )
    if next_follow_up_at is not None:
        planned = FollowUp(
            kind=current.kind,
            status=FollowUpStatus.PLANNED,
            subject=planned_subject(current),
            at=next_follow_up_at,
            duration_minutes=current.duration_minutes,
            owner=current.owner,
            customer=current.customer,
            contact=current.contact,
            opportunity=current.opportunity,
            lead=current.lead,
        )
        stamp(planned, actor)
        planned.save()
        record(
            action="follow_up.create", actor=actor, obj=planned, changes={"at": next_follow_up_at.isoformat()}
        )
    _touch_links(current, actor, recompute=True)
    return current


@transaction.atomic
def update(*, actor: Any, follow_up: FollowUp, expected_version: int | None, **fields: Any) -> FollowUp:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"follow-up update cannot change {sorted(unknown)}")
    current = _locked(follow_up, expected_version)
    values = {**_snapshot_objects(current), **fields}
    values["status"] = current.status
    _clean_fields(values)
    links = _clean_links(actor, {name: values.get(name) for name in LINK_FIELDS})
    before = _snapshot(current)
    old_customer = current.customer
    for name in EDITABLE:
        setattr(current, name, links[name] if name in LINK_FIELDS else values[name])
    if "at" in fields and current.status == FollowUpStatus.PLANNED:
        current.reminded_at = None
    current = _save(current, actor, [])
    record(action="follow_up.update", actor=actor, obj=current, changes=diff(before, _snapshot(current)))
    if old_customer is not None and old_customer.pk != current.customer_id:
        _sync_customer(old_customer, at=None, actor=actor, recompute=True)
    _touch_links(current, actor, recompute=True)
    return current


def _snapshot_objects(fu: FollowUp) -> dict[str, Any]:
    return {name: getattr(fu, name) for name in EDITABLE}


@transaction.atomic
def delete(*, actor: Any, follow_up: FollowUp) -> None:
    from opensales.recyclebin.services import soft_delete

    customer = follow_up.customer
    soft_delete(actor=actor, obj=follow_up, audit_action="follow_up.delete")
    _sync_customer(customer, at=None, actor=actor, recompute=True)


@transaction.atomic
def check_in(
    *,
    actor: Any,
    follow_up: FollowUp,
    latitude: Any = None,
    longitude: Any = None,
    address: str = "",
    at: datetime | None = None,
    photo: Any = None,
) -> FollowUp:
    """Record where the rep was on a visit (browser geolocation or a typed address), and a photo."""
    current = _unscoped("check-in").select_for_update().get(pk=follow_up.pk)
    if current.kind != FollowUpType.VISIT:
        raise ValidationError(_("Only a visit can have a check-in."))
    check = clean_checkin({"latitude": latitude, "longitude": longitude, "address": address, "at": at})
    if photo is not None:
        from opensales.attachments.services import attachment_add
        from opensales.attachments.validation import check_upload

        checked = check_upload(photo)
        if not checked.mime_type.startswith("image/"):
            raise ValidationError({"photo": _("The photo must be an image (JPEG, PNG, WebP…).")})
        photo.seek(0)
    before = _snapshot(current, ("checkin_at", "checkin_latitude", "checkin_longitude", "checkin_address"))
    for name, value in (check or {}).items():
        setattr(current, name, value)
    current = _save(current, actor, [])
    record(
        action="follow_up.check_in",
        actor=actor,
        obj=current,
        changes=diff(
            {k: str(v) for k, v in before.items()},
            {
                k: str(v)
                for k, v in _snapshot(
                    current, ("checkin_at", "checkin_latitude", "checkin_longitude", "checkin_address")
                ).items()
            },
        ),
    )
    if photo is not None:
        attachment_add(actor=actor, record=current, upload=photo)
    return current


# --- reminders --------------------------------------------------------------------------------------


def send_due_reminders(now: datetime | None = None) -> int:
    """Notify owners of planned follow-ups due within the next 15 minutes, once each (`reminded_at`)."""
    from opensales.notifications.services import notify

    now = now or timezone.now()
    due = (
        _unscoped("reminder job")
        .filter(
            status=FollowUpStatus.PLANNED,
            reminded_at__isnull=True,
            at__lte=now + REMINDER_AHEAD,
            at__gte=now - REMINDER_GRACE,
        )
        .select_related("owner", "customer")
        .order_by("at")
    )
    sent = 0
    for fu in due:
        with transaction.atomic():
            claimed = (
                _unscoped("reminder job").filter(pk=fu.pk, reminded_at__isnull=True).update(reminded_at=now)
            )
            if not claimed:
                continue  # another worker got it first
            when = timezone.localtime(fu.at).strftime("%H:%M")
            notify(
                recipients=[fu.owner],
                kind="reminder",
                target=fu,
                title=format_lazy(gettext_lazy("{time} · {subject}"), time=when, subject=fu.subject),
                body=str(fu.customer or ""),
                url=reverse("activities:follow_up_detail", args=[fu.pk]),
            )
            sent += 1
    return sent


# --- the iCalendar feed -------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_reset(*, user: Any) -> str:
    """A new secret feed token for `user` (the old URL stops working). Returns the token: shown once."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"token_hash": _hash(token), "last_used_at": None}
    )
    record(action="calendar_feed.reset", actor=user, object_type="activities.calendarfeed", object_id=user.pk)
    return token


@transaction.atomic
def feed_revoke(*, user: Any) -> None:
    deleted, _rows = CalendarFeed.objects.filter(user=user).delete()
    if deleted:
        record(
            action="calendar_feed.revoke",
            actor=user,
            object_type="activities.calendarfeed",
            object_id=user.pk,
        )


def feed_user(token: str) -> Any:
    """The active user whose feed this token opens, or None."""
    if not token or len(token) > 100:
        return None
    feed = CalendarFeed.objects.filter(token_hash=_hash(token)).select_related("user").first()
    if feed is None or not feed.user.is_active:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user
