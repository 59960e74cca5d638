"""Writing and verifying the audit log. Every service that changes data calls `record`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from opensales.core.masking import mask_value

from .chain import GENESIS, compute_hash
from .context import current
from .models import AuditChainHead, AuditEvent


def _roles_of(user: Any) -> list[str]:
    if user is None or not getattr(user, "pk", None):
        return []
    return sorted(user.roles.values_list("code", flat=True))


def masked_changes(changes: dict[str, Any], sensitive: dict[str, str] | None = None) -> dict[str, Any]:
    """Mask personal data in a {field: [old, new]} diff; `sensitive` maps field -> mask kind."""
    sensitive = sensitive or {}
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name in sensitive and isinstance(value, list | tuple):
            out[name] = [mask_value(sensitive[name], str(v) if v else "") for v in value]
        elif name in sensitive:
            out[name] = mask_value(sensitive[name], str(value) if value else "")
        else:
            out[name] = value
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


@transaction.atomic
def record(
    *,
    action: str,
    actor: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event. Runs inside the caller's transaction: if this fails, the change rolls back."""
    ctx = current()
    if actor is None and ctx is not None and getattr(ctx.user, "is_authenticated", False):
        actor = ctx.user
    if ip is None and ctx is not None:
        ip = ctx.ip
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)[:200]
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"last_hash": GENESIS, "last_event_id": 0}
    )
    event = AuditEvent(
        occurred_at=timezone.now().astimezone(timezone.UTC),
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", "") or "",
        actor_roles=_roles_of(actor),
        ip_address=ip,
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=object_repr,
        changes=changes or {},
        outcome=outcome,
        prev_hash=head.last_hash,
    )
    event.hash = compute_hash(head.last_hash, event)
    event.save(force_insert=True)
    AuditChainHead.objects.filter(pk=1).update(last_hash=event.hash, last_event_id=event.pk)
    return event


@dataclass
class Entry:
    """One event for `record_many`: what `record` takes, minus the actor, the IP and the outcome."""

    action: str
    obj: models.Model | None = None
    changes: dict[str, Any] | None = None
    object_type: str = ""
    object_id: Any = ""
    object_repr: str = ""


@dataclass
class _Row:
    """An event as `compute_hash` reads it (an AuditEvent without the model machinery)."""

    occurred_at: Any
    actor_id: Any
    actor_username: str
    actor_roles: list[str]
    ip_address: Any
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    outcome: str


@transaction.atomic
def record_many(
    entries: list[Entry],
    *,
    actor: Any = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    ip: str | None = None,
) -> int:
    """Append many events of one actor at once (bulk writes: an import): exactly the rows `record`
    would append one by one, hash-chained in order, written as plain rows in one executemany / COPY
    (opensales/core/fastsql.py). A constant number of queries; runs inside the caller's
    transaction. Returns how many events were appended."""
    from opensales.core import fastsql

    if not entries:
        return 0
    ctx = current()
    if actor is None and ctx is not None and getattr(ctx.user, "is_authenticated", False):
        actor = ctx.user
    if ip is None and ctx is not None:
        ip = ctx.ip
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"last_hash": GENESIS, "last_event_id": 0}
    )
    actor_id = getattr(actor, "pk", None)
    username = getattr(actor, "username", "") or ""
    roles = _roles_of(actor)
    db_ip = AuditEvent._meta.get_field("ip_address").get_db_prep_save(ip, connection)
    as_json = fastsql.converter(AuditEvent, "actor_roles")
    db_roles = as_json(roles)
    as_time = fastsql.converter(AuditEvent, "occurred_at")
    prev = head.last_hash
    rows = []
    for entry in entries:
        obj = entry.obj
        object_type, object_id, object_repr = entry.object_type, entry.object_id, entry.object_repr
        if obj is not None:
            object_type = object_type or obj._meta.label_lower
            object_id = object_id or obj.pk
            object_repr = object_repr or str(obj)[:200]
        event = _Row(
            occurred_at=timezone.now().astimezone(timezone.UTC),
            actor_id=actor_id,
            actor_username=username,
            actor_roles=roles,
            ip_address=ip,
            action=entry.action,
            object_type=object_type,
            object_id=str(object_id or ""),
            object_repr=object_repr,
            changes=entry.changes or {},
            outcome=outcome,
        )
        digest = compute_hash(prev, event)
        rows.append(
            (
                as_time(event.occurred_at),
                actor_id,
                username,
                db_roles,
                db_ip,
                event.action,
                object_type,
                event.object_id,
                object_repr,
                as_json(event.changes),
                outcome,
                prev,
                digest,
            )
        )
        prev = digest
    columns = [
        AuditEvent._meta.get_field(name).column
        for name in (
            "occurred_at", "actor_id", "actor_username", "actor_roles", "ip_address", "action",
            "object_type", "object_id", "object_repr", "changes", "outcome", "prev_hash", "hash",
        )
    ]  # fmt: skip
    ids = fastsql.insert_rows(AuditEvent, columns, rows)
    AuditChainHead.objects.filter(pk=1).update(last_hash=prev, last_event_id=ids[-1])
    return len(rows)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""
    event_id: int | None = None


def verify_chain() -> VerifyResult:
    """Walk the log in id order: any edited, deleted or reordered row breaks the chain."""
    prev = GENESIS
    checked = 0
    last_id = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev:
            return VerifyResult(False, checked, "chain broken: a row is missing or out of order", event.pk)
        if compute_hash(prev, event) != event.hash:
            return VerifyResult(False, checked, "row content does not match its hash", event.pk)
        prev = event.hash
        last_id = event.pk
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None and checked:
        return VerifyResult(False, checked, "the chain head is missing", None)
    if head is not None and (head.last_hash != prev or head.last_event_id != last_id):
        return VerifyResult(False, checked, "the newest rows were removed", head.last_event_id)
    return VerifyResult(True, checked)
