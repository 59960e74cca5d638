"""Merge customers: the survivor takes the chosen value per field, every related record of the others is
re-pointed to it, the others go to the recycle bin; `undo_merge` within 30 days restores exactly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opensales.audit.services import record
from opensales.core.actions import Action
from opensales.core.history import stamp
from opensales.core.scope import get_visible_or_404, has_action, require_all_visible, shares_changed

from .models import Customer, CustomerMerge

UNDO_DAYS = 30
REASON = "customer merge"

# The fields a merge lets the user choose, in page order.
MERGE_FIELDS = [
    "name",
    "short_name",
    "kind",
    "credit_code",
    "industry",
    "scale",
    "source",
    "region",
    "address",
    "website",
    "phone",
    "email",
    "grade",
    "lifecycle",
    "is_key_account",
    "parent",
    "owner",
    "credit_limit",
    "payment_terms_days",
    "notes",
]
# Kept by rule, not by choice: the latest follow-up and deal, the earliest planned follow-up.
DERIVED_FIELDS = ["last_follow_up_at", "next_follow_up_at", "last_deal_at"]


def _fk_relations() -> list[tuple[Any, str]]:
    """(model, field name) of every foreign key to a customer that a merge re-points."""
    from django.apps import apps

    names = [
        ("customers.Contact", "customer"),
        ("activities.FollowUp", "customer"),
        ("deals.Opportunity", "customer"),
        ("leads.Lead", "converted_customer"),
        ("customers.PoolEvent", "customer"),
        ("customers.Customer", "parent"),
    ]
    return [(apps.get_model(label), field) for label, field in names]


def _generic_relations() -> list[Any]:
    from opensales.attachments.models import Attachment
    from opensales.comments.models import Comment
    from opensales.core.models import Collaborator
    from opensales.workspace.models import TaggedItem

    return [Attachment, Comment, Collaborator, TaggedItem]


def _manager(model: Any) -> Any:
    manager = model._base_manager
    return manager


def _raw(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is not None and not isinstance(value, (str, int, bool, float)):
        return str(value)
    return value


def _values(customer: Customer, fields: list[str]) -> dict[str, Any]:
    return {f: _raw(getattr(customer, customer._meta.get_field(f).attname)) for f in fields}


@transaction.atomic
def merge(
    *, actor: Any, survivor: Customer, others: list[Customer], field_choices: dict[str, Any]
) -> CustomerMerge:
    """Needs CHANGE on every customer involved and DELETE on the others (one outside → 404)."""
    other_ids = sorted({int(o.pk) for o in others} - {survivor.pk})
    if not other_ids:
        raise ValidationError({"others": [_("Choose at least two customers to merge.")]})
    everyone = require_all_visible(Customer, actor, [survivor.pk, *other_ids], Action.CHANGE)
    require_all_visible(Customer, actor, other_ids, Action.DELETE)
    by_id = {
        c.pk: c
        for c in Customer.objects.unscoped(reason=REASON)
        .select_for_update()
        .filter(pk__in=[c.pk for c in everyone])
    }
    keep = by_id[survivor.pk]
    errors: dict[str, list[str]] = {}
    for field, chosen in (field_choices or {}).items():
        if field not in MERGE_FIELDS:
            errors.setdefault("field_choices", []).append(
                _("“%(field)s” cannot be chosen.") % {"field": field}
            )
            continue
        try:
            chosen_id = int(chosen)
        except (TypeError, ValueError):
            chosen_id = None
        if chosen_id not in by_id:
            errors.setdefault(field, []).append(_("Choose one of the customers being merged."))
    if errors:
        raise ValidationError(errors)
    before = _values(keep, MERGE_FIELDS + DERIVED_FIELDS)
    for field, chosen in (field_choices or {}).items():
        source = by_id[int(chosen)]
        attname = keep._meta.get_field(field).attname
        setattr(keep, attname, getattr(source, attname))
    if keep.parent_id in other_ids or keep.parent_id == keep.pk:
        keep.parent_id = None
    for o in other_ids:
        other = by_id[o]
        if other.last_follow_up_at and (
            keep.last_follow_up_at is None or other.last_follow_up_at > keep.last_follow_up_at
        ):
            keep.last_follow_up_at = other.last_follow_up_at
        if other.last_deal_at and (keep.last_deal_at is None or other.last_deal_at > keep.last_deal_at):
            keep.last_deal_at = other.last_deal_at
        if other.next_follow_up_at and (
            keep.next_follow_up_at is None or other.next_follow_up_at < keep.next_follow_up_at
        ):
            keep.next_follow_up_at = other.next_follow_up_at
    keep.full_clean(exclude=["name_key", "phone_digits"], validate_unique=False)
    keep.version = keep.version + 1
    stamp(keep, actor)
    keep.save()
    content_type = ContentType.objects.get_for_model(Customer)
    repointed: dict[str, dict[str, list[int]]] = {}
    for o in other_ids:
        moved: dict[str, list[int]] = {}
        for model, field in _fk_relations():
            qs = _manager(model).filter(**{f"{field}_id": o})
            if model is Customer:
                qs = qs.exclude(pk=keep.pk)
            ids = list(qs.values_list("pk", flat=True))
            if ids:
                _manager(model).filter(pk__in=ids).update(**{f"{field}_id": keep.pk})
                moved[f"{model._meta.label}.{field}"] = ids
        for model in _generic_relations():
            qs = _manager(model).filter(content_type=content_type, object_id=o)
            if model._meta.model_name in ("collaborator", "taggeditem"):
                # Unique per record: the survivor keeps its own row; the other's duplicate stays put.
                key = "user_id" if model._meta.model_name == "collaborator" else "tag_id"
                taken = (
                    _manager(model)
                    .filter(content_type=content_type, object_id=keep.pk)
                    .values_list(key, flat=True)
                )
                qs = qs.exclude(**{f"{key}__in": list(taken)})
            ids = list(qs.values_list("pk", flat=True))
            if ids:
                _manager(model).filter(pk__in=ids).update(object_id=keep.pk)
                moved[model._meta.label] = ids
        repointed[str(o)] = moved
    shares_changed()  # collaborators moved by update(), which sends no signal
    merge_row = CustomerMerge.objects.create(
        survivor=keep,
        actor=actor if getattr(actor, "pk", None) else None,
        snapshot={"fields": before, "repointed": repointed},
    )
    through = CustomerMerge.merged.through
    through.objects.bulk_create(through(customermerge_id=merge_row.pk, customer_id=o) for o in other_ids)
    from opensales.recyclebin.services import soft_delete

    for o in other_ids:
        Customer.objects.unscoped(reason=REASON).filter(pk=o).update(merged_into=keep)
        other = Customer.objects.unscoped(reason=REASON).get(pk=o)
        soft_delete(actor=actor, obj=other, audit_action="customer.merged_away")
    record(
        action="customer.merge",
        actor=actor,
        obj=keep,
        changes={
            "merge": merge_row.pk,
            "merged": other_ids,
            "fields": {f: str(v) for f, v in field_choices.items()},
        },
    )
    return merge_row


def merged_ids(merge_row: CustomerMerge) -> list[int]:
    through = CustomerMerge.merged.through
    return sorted(through.objects.filter(customermerge_id=merge_row.pk).values_list("customer_id", flat=True))


def can_undo(merge_row: CustomerMerge, now: Any = None) -> bool:
    now = now or timezone.now()
    return merge_row.undone_at is None and merge_row.merged_at >= now - timedelta(days=UNDO_DAYS)


@transaction.atomic
def undo_merge(*, actor: Any, merge: CustomerMerge) -> CustomerMerge:
    """Within 30 days: the survivor's old values come back, every re-pointed record goes back to the
    customer it came from, the merged customers leave the recycle bin. Needs CHANGE on the survivor."""
    from opensales.recyclebin.services import restore

    if not has_action(actor, Customer, Action.DELETE):
        raise PermissionDenied
    merge_row = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    keep = get_visible_or_404(Customer, actor, merge_row.survivor_id, Action.CHANGE)
    if merge_row.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."))
    if not can_undo(merge_row):
        raise ValidationError(_("A merge can only be undone within %(days)s days.") % {"days": UNDO_DAYS})
    keep = Customer.objects.unscoped(reason=REASON).select_for_update().get(pk=keep.pk)
    for field, value in merge_row.snapshot.get("fields", {}).items():
        model_field = keep._meta.get_field(field)
        setattr(keep, model_field.attname, model_field.to_python(value) if value is not None else None)
    keep.version = keep.version + 1
    stamp(keep, actor)
    keep.save()
    content_type = ContentType.objects.get_for_model(Customer)
    fk = {f"{model._meta.label}.{field}": (model, field) for model, field in _fk_relations()}
    generic = {model._meta.label: model for model in _generic_relations()}
    for other_id, moved in merge_row.snapshot.get("repointed", {}).items():
        o = int(other_id)
        other = Customer.objects.unscoped(reason=REASON).deleted_only().filter(pk=o).first()
        if other is not None:
            restore(actor=actor, obj=other)
        Customer.objects.unscoped(reason=REASON).filter(pk=o).update(merged_into=None)
        for key, ids in moved.items():
            if key in fk:
                model, field = fk[key]
                _manager(model).filter(pk__in=ids).update(**{f"{field}_id": o})
            elif key in generic:
                _manager(generic[key]).filter(pk__in=ids, content_type=content_type).update(object_id=o)
    shares_changed()
    merge_row.undone_at = timezone.now()
    merge_row.save(update_fields=["undone_at"])
    record(action="customer.merge_undo", actor=actor, obj=keep, changes={"merge": merge_row.pk})
    return merge_row
