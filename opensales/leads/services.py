"""Writes of leads (线索): create, edit, assign (by hand and by the assignment rules), invalidate, convert.

Every function validates, writes, stamps the history and records the audit event in one transaction.
Conversion calls the customers and deals services (customer_create, contact_create, opportunity_create),
so what a lead becomes is written and audited exactly like a record made by hand.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opensales.audit.services import record
from opensales.core.actions import Action
from opensales.core.history import stamp
from opensales.core.versioning import check_version

from .models import AssignmentRule, Lead, LeadStatus

User = get_user_model()

EDITABLE = (
    "source",
    "company",
    "contact_name",
    "title",
    "phone",
    "email",
    "region",
    "industry",
    "notes",
    "score",
)
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING)
REASON = "lead assignment: counting every rep's open leads"


class AlreadyConverted(ValidationError):
    """Converting a lead twice (the API answers 409)."""


def _snapshot(lead: Lead) -> dict[str, Any]:
    out = {name: getattr(lead, name) for name in EDITABLE}
    out["owner"] = lead.owner_id
    out["status"] = lead.status
    return out


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    masked = {"phone", "email"}
    return {
        k: (["***", "***"] if k in masked else [before.get(k), v])
        for k, v in after.items()
        if before.get(k) != v
    }


def _validate_contact(fields: dict[str, Any]) -> None:
    if not (fields.get("contact_name") or "").strip():
        raise ValidationError({"contact_name": _("Enter the contact's name.")})
    if not (fields.get("phone") or "").strip() and not (fields.get("email") or "").strip():
        raise ValidationError({"phone": _("Give a phone number or an e-mail address.")})
    region = fields.get("region") or ""
    if region:
        from opensales.customers.regions import is_region

        if not is_region(region):
            raise ValidationError({"region": _("Choose a region from the list.")})


def _clean(lead: Lead) -> None:
    try:
        lead.full_clean(exclude=["owner", "converted_customer", "converted_contact", "converted_opportunity"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None


@transaction.atomic
def lead_create(
    *,
    actor: Any,
    owner: Any = None,
    assign_on_arrival: bool = False,
    fallback_owner: Any = None,
    **fields: Any,
) -> Lead:
    """A new lead. `owner` None with `assign_on_arrival` runs the assignment rules (web form, import,
    a lead entered by hand without an owner); when no rule places it, `fallback_owner` (if given) gets
    it, else it stays unassigned."""
    unknown = set(fields) - set(EDITABLE) - {"last_follow_up_at"}
    if unknown:
        raise TypeError(f"unknown lead fields {sorted(unknown)}")
    fields = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    fields = {k: v for k, v in fields.items() if v is not None}
    _validate_contact(fields)
    lead = Lead(owner=owner, **fields)
    _clean(lead)
    stamp(lead, actor)
    lead.save()
    record(
        action="lead.create",
        actor=actor,
        obj=lead,
        changes={"source": lead.source, "owner": owner and owner.pk},
    )
    if owner is None and assign_on_arrival:
        placed = assign(lead, actor=actor)
        if placed is None and fallback_owner is not None:
            lead.owner = fallback_owner
            lead.save(update_fields=["owner", "updated_at"])
            record(
                action="lead.assign",
                actor=actor,
                obj=lead,
                changes={"owner": [None, fallback_owner.pk], "rule": None},
            )
            if actor is None or fallback_owner.pk != actor.pk:
                _notify_owner(lead, actor)
    elif owner is not None and actor is not None and owner.pk != actor.pk:
        _notify_owner(lead, actor)
    return lead


@transaction.atomic
def lead_update(*, actor: Any, lead: Lead, expected_version: int | None, **fields: Any) -> Lead:
    unknown = set(fields) - set(EDITABLE) - {"owner"}
    if unknown:
        raise TypeError(f"unknown lead fields {sorted(unknown)}")
    current = Lead.objects.unscoped(reason="version check").select_for_update().get(pk=lead.pk)
    check_version(current, expected_version)
    if current.status == LeadStatus.CONVERTED:
        raise ValidationError(_("A converted lead can no longer be changed."))
    before = _snapshot(current)
    new_owner = fields.pop("owner", current.owner)
    for name, value in fields.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    _validate_contact({name: getattr(current, name) for name in EDITABLE})
    _clean(current)
    owner_changed = (new_owner.pk if new_owner else None) != current.owner_id
    current.owner = new_owner
    current.version += 1
    stamp(current, actor)
    current.save()
    record(action="lead.update", actor=actor, obj=current, changes=_changes(before, _snapshot(current)))
    if owner_changed and new_owner is not None:
        _notify_owner(current, actor)
    return current


def _notify_owner(lead: Lead, actor: Any) -> None:
    from opensales.notifications.services import notify

    notify(
        recipients=[lead.owner],
        kind="assignment",
        actor=actor,
        target=lead,
        title=format_lazy(gettext_lazy("New lead for you: {name}"), name=str(lead)),
        body=lead.notes[:200],
        url=reverse("leads:lead_detail", args=[lead.pk]),
    )


@transaction.atomic
def lead_assign(*, actor: Any, lead: Lead, owner: Any, expected_version: int | None = None) -> Lead:
    """Give the lead to `owner` (a manager's assignment). A converted lead keeps its owner."""
    current = Lead.objects.unscoped(reason="assignment").select_for_update().get(pk=lead.pk)
    if expected_version is not None:
        check_version(current, expected_version)
    if current.status == LeadStatus.CONVERTED:
        raise ValidationError(_("A converted lead can no longer be reassigned."))
    if owner is None or not owner.is_active:
        raise ValidationError({"owner": _("Choose an active person.")})
    if current.owner_id == owner.pk:
        return current
    previous = current.owner_id
    current.owner = owner
    current.version += 1
    stamp(current, actor)
    current.save(update_fields=["owner", "version", "updated_at"])
    record(action="lead.assign", actor=actor, obj=current, changes={"owner": [previous, owner.pk]})
    _notify_owner(current, actor)
    return current


@transaction.atomic
def lead_invalidate(*, actor: Any, lead: Lead, reason: str, expected_version: int | None = None) -> Lead:
    """Mark the lead invalid (无效), with the reason why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the lead is invalid.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("Keep the reason under 200 characters.")})
    current = Lead.objects.unscoped(reason="invalidation").select_for_update().get(pk=lead.pk)
    if expected_version is not None:
        check_version(current, expected_version)
    if current.status == LeadStatus.CONVERTED:
        raise AlreadyConverted(_("This lead was converted already; it cannot be marked invalid."))
    previous = current.status
    current.status = LeadStatus.INVALID
    current.invalid_reason = reason
    current.version += 1
    stamp(current, actor)
    current.save(update_fields=["status", "invalid_reason", "version", "updated_at"])
    record(
        action="lead.invalidate",
        actor=actor,
        obj=current,
        changes={"status": [previous, current.status], "reason": reason},
    )
    return current


# --- Assignment on arrival ------------------------------------------------------------------------


def _rule_fits(rule: AssignmentRule, lead: Lead) -> bool:
    return not rule.region_prefix or (lead.region or "").startswith(rule.region_prefix)


def rule_candidates(rule: AssignmentRule) -> list[Any]:
    """The active sales reps of the rule's team (its department and the departments below it), in a
    fixed order: the rotation goes through them one after the other."""
    from opensales.org.choices import EmployeeStatus
    from opensales.org.models import Employee

    employees = (
        Employee.objects.unscoped(reason="lead assignment: the reps of a team")
        .filter(
            department__path__startswith=rule.department.path,
            status=EmployeeStatus.ACTIVE,
            user__is_active=True,
            user__roles__code="sales_rep",
        )
        .select_related("user")
        .order_by("user__username")
        .distinct()
    )
    return [e.user for e in employees]


def open_lead_counts(user_ids: list[int]) -> dict[int, int]:
    rows = (
        Lead.objects.unscoped(reason=REASON)
        .filter(owner__in=user_ids, status__in=OPEN_STATUSES)
        .order_by()
        .values_list("owner")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def pick_owner(rule: AssignmentRule) -> Any:
    """The next rep of the rule's rotation under the cap, or None when every one is full."""
    reps = rule_candidates(rule)
    if not reps:
        return None
    counts = open_lead_counts([u.pk for u in reps]) if rule.cap_per_rep is not None else {}
    ids = [u.pk for u in reps]
    start = ids.index(rule.last_assigned_id) + 1 if rule.last_assigned_id in ids else 0
    for step in range(len(reps)):
        rep = reps[(start + step) % len(reps)]
        if rule.cap_per_rep is None or counts.get(rep.pk, 0) < rule.cap_per_rep:
            return rep
    return None


@transaction.atomic
def assign(lead: Lead, *, actor: Any = None) -> Any:
    """Place an unassigned lead by the assignment rules (tried in order). Returns the new owner, or
    None when no rule fits: the lead stays unassigned, visible to all-scope users only."""
    rules = AssignmentRule.objects.select_for_update().filter(is_active=True).select_related("department")
    for rule in rules.order_by("sort_order", "pk"):
        if not _rule_fits(rule, lead):
            continue
        owner = pick_owner(rule)
        if owner is None:
            continue
        rule.last_assigned = owner
        rule.save(update_fields=["last_assigned", "updated_at"])
        lead.owner = owner
        stamp(lead, actor)
        lead.save(update_fields=["owner", "updated_at"])
        record(
            action="lead.assign",
            actor=actor,
            obj=lead,
            changes={"owner": [None, owner.pk], "rule": rule.name},
        )
        _notify_owner(lead, actor)
        return owner
    return None


@transaction.atomic
def rule_save(*, actor: Any, rule: AssignmentRule | None = None, **fields: Any) -> AssignmentRule:
    created = rule is None
    rule = rule or AssignmentRule()
    for name, value in fields.items():
        setattr(rule, name, value)
    if rule.region_prefix and not rule.region_prefix.isdigit():
        raise ValidationError({"region_prefix": _("A region prefix has digits only (e.g. 31 or 4401).")})
    rule.full_clean(exclude=["last_assigned"])
    rule.save()
    record(
        action="lead_rule.create" if created else "lead_rule.update",
        actor=actor,
        obj=rule,
        changes={k: str(v) for k, v in fields.items()},
    )
    return rule


@transaction.atomic
def rule_delete(*, actor: Any, rule: AssignmentRule) -> None:
    record(action="lead_rule.delete", actor=actor, obj=rule)
    rule.delete()


# --- Web form -------------------------------------------------------------------------------------


@transaction.atomic
def web_form_submit(*, company: str, contact_name: str, phone: str, email: str, notes: str, ip: str) -> Lead:
    """A lead from the public web form: source "website", placed by the assignment rules."""
    lead = lead_create(
        actor=None,
        source="website",
        company=company,
        contact_name=contact_name,
        phone=phone,
        email=email,
        notes=notes,
        assign_on_arrival=True,
    )
    record(action="lead.web_form", obj=lead, ip=ip, changes={"owner": lead.owner_id})
    return lead


# --- Conversion -----------------------------------------------------------------------------------


def duplicate_candidates(lead: Lead) -> list[Any]:
    """Customers that look like the lead's company (any owner: the page shows others' by name and owner)."""
    from opensales.customers.dedupe import find_duplicates

    found = find_duplicates(
        name=lead.company or lead.contact_name, credit_code="", phone=lead.phone or "", email=lead.email or ""
    )
    out, seen = [], set()
    for item in found or []:
        customer = getattr(item, "customer", item)
        if customer.pk not in seen:
            seen.add(customer.pk)
            out.append(customer)
    return out


CUSTOMER_SOURCES = {
    "website",
    "referral",
    "exhibition",
    "cold_call",
    "advertising",
    "partner",
    "existing",
    "other",
}


@transaction.atomic
def convert(
    *,
    actor: Any,
    lead: Lead,
    customer: Any = None,
    create_contact: bool = True,
    create_opportunity: bool = False,
    opportunity_name: str = "",
    amount: Decimal | None = None,
) -> Lead:
    """Turn the lead into a customer (`customer` reuses one the actor may see; None creates one), a
    contact (optional) and an opportunity (optional). One transaction; converting twice is refused."""
    from opensales.customers.models import Customer

    current = Lead.objects.unscoped(reason="conversion").select_for_update().get(pk=lead.pk)
    if current.status == LeadStatus.CONVERTED:
        raise AlreadyConverted(_("This lead was converted already."))
    if current.status == LeadStatus.INVALID:
        raise ValidationError(_("An invalid lead cannot be converted."))
    if create_opportunity and not (opportunity_name or "").strip():
        raise ValidationError({"opportunity_name": _("Name the opportunity.")})
    if amount is not None and amount < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    owner = current.owner or actor
    if customer is not None:
        if not Customer.objects.visible_to(actor, Action.VIEW).filter(pk=customer.pk).exists():
            raise ValidationError({"customer": _("You cannot see this customer.")})
    else:
        from opensales.customers.services import customer_create

        fields: dict[str, Any] = {"name": current.company or current.contact_name}
        if current.region:
            fields["region"] = current.region
        if current.industry:
            fields["industry"] = current.industry
        if current.source in CUSTOMER_SOURCES:
            fields["source"] = current.source
        customer = customer_create(actor=actor, owner=owner, **fields)
    contact = None
    if create_contact:
        from opensales.customers.services import contact_create

        contact_fields = {"name": current.contact_name, "title": current.title}
        if current.phone:
            contact_fields["mobile"] = current.phone
        if current.email:
            contact_fields["email"] = current.email
        contact = contact_create(actor=actor, customer=customer, **contact_fields)
    opportunity = None
    if create_opportunity:
        from opensales.deals.services import opportunity_create

        opportunity = opportunity_create(
            actor=actor,
            customer=customer,
            name=opportunity_name.strip(),
            amount=amount,
            owner=owner,
            contact=contact,
            source=current.source,
        )
    current.status = LeadStatus.CONVERTED
    current.converted_at = timezone.now()
    current.converted_customer = customer
    current.converted_contact = contact
    current.converted_opportunity = opportunity
    current.version += 1
    stamp(current, actor)
    current.save()
    record(
        action="lead.convert",
        actor=actor,
        obj=current,
        changes={
            "customer": customer.pk,
            "contact": contact.pk if contact else None,
            "opportunity": opportunity.pk if opportunity else None,
        },
    )
    return current
