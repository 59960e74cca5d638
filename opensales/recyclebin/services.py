"""Every write of the recycle bin (回收站): soft delete, restore, purge. Atomic and audited.

- `soft_delete` / `soft_delete_many` put records in the bin: `deleted_at`/`deleted_by` are set, the
  version goes up, and from then on every scoped query leaves them out (`visible_to`, `unscoped`,
  the search, the children that follow them). Their search entries stay, hidden by the scope, and are
  refreshed on restore.
- `restore` takes a record out of the bin; `purge` deletes it for good (a real DELETE, cascading).
- `purge_expired` purges what has been in the bin longer than `OPENSALES_RECYCLE_BIN_DAYS` (default
  30); the periodic job in tasks.py runs it every night.

Who may restore or purge is the caller's check: `selectors.restorable_by(user, model)` (views and the
API look records up through it, so out of scope is 404).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from opensales.audit.services import record
from opensales.core.actions import Action
from opensales.core.history import stamp
from opensales.core.scope import is_soft_deletable, require_all_visible

from .selectors import bin_entries, retention_days

SOFT_DELETE_FIELDS = ["deleted_at", "deleted_by", "version", "updated_at"]


def _require_bin(model: type[models.Model]) -> None:
    if not is_soft_deletable(model):
        raise TypeError(f"{model._meta.label} has no recycle bin (it is not a core.models.ScopedModel)")


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _locked(model: type[models.Model], pk: Any, *, deleted: bool) -> Any:
    """The row as it is now, locked; a ValidationError when it is not (or no longer) where expected."""
    qs = model.objects.unscoped(reason="recycle bin: lock the record")
    qs = qs.deleted_only() if deleted else qs
    try:
        return qs.select_for_update().get(pk=pk)
    except model.DoesNotExist:
        if deleted:
            raise ValidationError(_("This record is no longer in the recycle bin.")) from None
        raise ValidationError(_("This record is already in the recycle bin.")) from None


@transaction.atomic
def soft_delete(*, actor: Any, obj: models.Model, audit_action: str = "recyclebin.delete") -> models.Model:
    """Move one record to the recycle bin. `audit_action` lets a domain service keep its own name
    for the event (org's department_delete records "department.delete")."""
    model = type(obj)
    _require_bin(model)
    current = _locked(model, obj.pk, deleted=False)
    now = timezone.now()
    obj.deleted_at = now
    obj.deleted_by = _user_or_none(actor)
    obj.version = current.version + 1
    stamp(obj, actor)
    obj.save(update_fields=SOFT_DELETE_FIELDS)
    record(action=audit_action, actor=actor, obj=obj, changes={"deleted_at": now.isoformat()})
    return obj


@transaction.atomic
def soft_delete_many(*, actor: Any, model: type[models.Model], ids: Iterable[Any]) -> list[Any]:
    """Move a batch to the recycle bin (bulk delete): all or nothing. One id outside the actor's
    delete scope, unknown or already deleted rejects the whole batch (404). One audit event."""
    _require_bin(model)
    wanted = sorted(set(ids))
    if not wanted:
        return []
    found = require_all_visible(model, actor, wanted, Action.DELETE)
    now = timezone.now()
    user = _user_or_none(actor)
    changed = (
        model.objects.unscoped(reason="recycle bin: the batch checked above")
        .filter(pk__in=[o.pk for o in found])
        .update(deleted_at=now, deleted_by=user, version=F("version") + 1, updated_at=now)
    )
    if changed != len(found):  # another request deleted one of them meanwhile
        raise ValidationError(_("Some of these records changed meanwhile. Reload the page and try again."))
    for obj in found:
        obj.deleted_at, obj.deleted_by, obj.version, obj.updated_at = now, user, obj.version + 1, now
    # A queryset update sends no signals: write the record history ourselves.
    history = getattr(model, "history", None)
    if history is not None:
        history.bulk_history_create(found, update=True, default_user=user, default_date=now)
    done = sorted(o.pk for o in found)
    record(
        action="recyclebin.delete",
        actor=actor,
        object_type=model._meta.label_lower,
        object_repr=ngettext("%(count)d record", "%(count)d records", len(done)) % {"count": len(done)},
        changes={"ids": done, "deleted_at": now.isoformat()},
    )
    return done


def _blocking_parent(obj: models.Model) -> models.Model | None:
    """A record this one belongs to (a foreign key to a soft-deletable model) that is in the bin."""
    for field in obj._meta.concrete_fields:
        if not field.is_relation or not field.many_to_one or not is_soft_deletable(field.related_model):
            continue
        target_id = getattr(obj, field.attname)
        if target_id is None:
            continue
        target = field.related_model._base_manager.filter(pk=target_id).first()
        if target is not None and target.deleted_at is not None:
            return target
    return None


@transaction.atomic
def restore(*, actor: Any, obj: models.Model) -> models.Model:
    """Take a record out of the recycle bin: visible again everywhere, search included."""
    model = type(obj)
    _require_bin(model)
    current = _locked(model, obj.pk, deleted=True)
    parent = _blocking_parent(current)
    if parent is not None:
        raise ValidationError(
            _("Restore %(type)s “%(name)s” first: this record belongs to it.")
            % {"type": parent._meta.verbose_name, "name": parent}
        )
    deleted_at = current.deleted_at
    obj.deleted_at = None
    obj.deleted_by = None
    obj.version = current.version + 1
    obj.validate_constraints()  # a record created meanwhile may hold its unique name
    stamp(obj, actor)
    obj.save(update_fields=SOFT_DELETE_FIELDS)
    record(
        action="recyclebin.restore",
        actor=actor,
        obj=obj,
        changes={"deleted_at": [deleted_at.isoformat(), None]},
    )
    return obj


def _describe_blockers(exc: ProtectedError | RestrictedError) -> str:
    blockers = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
    blockers = list(blockers)
    kinds = sorted({str(b._meta.verbose_name) for b in blockers})
    return ngettext(
        "%(count)d record still refers to it (%(kinds)s).",
        "%(count)d records still refer to it (%(kinds)s).",
        len(blockers),
    ) % {"count": len(blockers), "kinds": ", ".join(kinds)}


def _hard_delete(obj: models.Model) -> dict[str, int]:
    """DELETE the record (and what cascades from it) in a savepoint; ProtectedError/RestrictedError
    propagate with nothing changed."""
    with transaction.atomic():
        _count, per_model = obj.delete()
    return {label.lower(): n for label, n in per_model.items() if n}


@transaction.atomic
def purge(*, actor: Any, obj: models.Model) -> dict[str, int]:
    """Delete a record in the recycle bin for good. Returns {model label: rows deleted}."""
    model = type(obj)
    _require_bin(model)
    current = _locked(model, obj.pk, deleted=True)
    label, pk, name = model._meta.label_lower, current.pk, str(current)[:200]
    try:
        deleted = _hard_delete(current)
    except (ProtectedError, RestrictedError) as exc:
        raise ValidationError(
            _("“%(name)s” cannot be deleted permanently: %(reason)s")
            % {"name": name, "reason": _describe_blockers(exc)}
        ) from None
    record(
        action="recyclebin.purge",
        actor=actor,
        object_type=label,
        object_id=pk,
        object_repr=name,
        changes={"deleted": deleted},
    )
    return deleted


@transaction.atomic
def purge_expired(now: datetime | None = None, *, days: int | None = None) -> dict[str, list[Any]]:
    """Purge every record deleted more than `days` (default: the setting) ago, across all models.

    A record that another still refers to through a PROTECT key is kept (and listed in the event);
    records are retried until no more can go, so a sub-department in the bin goes before its parent.
    One audit event per run, by the system. Returns {model label: purged ids}."""
    now = now or timezone.now()
    days = retention_days() if days is None else days
    cutoff = now - timedelta(days=days)
    pending: list[models.Model] = []
    for entry in bin_entries():
        qs = entry.model.objects.unscoped(reason="recycle bin: purge the expired records")
        pending += list(qs.deleted_only().filter(deleted_at__lt=cutoff).order_by("pk"))
    purged: dict[str, list[Any]] = {}
    while pending:
        kept = []
        for obj in pending:
            pk = obj.pk
            try:
                _hard_delete(obj)
            except (ProtectedError, RestrictedError):
                kept.append(obj)
            else:
                purged.setdefault(obj._meta.label_lower, []).append(pk)
        if len(kept) == len(pending):
            break
        pending = kept
    blocked: dict[str, list[Any]] = {}
    for obj in pending:
        blocked.setdefault(obj._meta.label_lower, []).append(obj.pk)
    record(
        action="recyclebin.purge",
        actor=None,
        object_repr=_("Recycle bin: records deleted more than %(days)d days ago") % {"days": days},
        changes={
            "expired_before": cutoff.isoformat(),
            "days": days,
            "purged": {label: sorted(ids) for label, ids in purged.items()},
            "kept": {label: sorted(ids) for label, ids in blocked.items()},
        },
    )
    return {label: sorted(ids) for label, ids in purged.items()}
