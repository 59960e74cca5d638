"""Writes of customers and contacts: validate, write, stamp the history, audit, in one transaction.

Other modules call these (lead conversion, merge, handover, the importer, the API):

    customer_create(actor=..., owner=None, **fields) -> Customer      # owner defaults to the actor
    customer_update(actor=..., customer=..., expected_version=..., **fields) -> Customer
    contact_create(actor=..., customer=..., **fields) -> Contact
    contact_update(actor=..., contact=..., expected_version=..., **fields) -> Contact
    request_collaboration(actor=..., customer=..., message="")       # ask the owner to share

Sensitive values (phone, e-mail, mobile) are masked in the audit trail.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from opensales.audit.services import diff, record
from opensales.core.history import stamp
from opensales.core.masking import mask_value
from opensales.core.versioning import check_version

from . import dedupe, regions
from .models import Contact, Customer
from .validators import validate_credit_code

CUSTOMER_FIELDS = {
    "kind",
    "name",
    "short_name",
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
    "grade_reason",
    "lifecycle",
    "is_key_account",
    "parent",
    "owner",
    "pool",
    "credit_limit",
    "payment_terms_days",
    "notes",
    "last_follow_up_at",
    "next_follow_up_at",
    "last_deal_at",
    "owned_since",
}
CONTACT_FIELDS = {
    "name",
    "gender",
    "title",
    "department",
    "decision_role",
    "mobile",
    "email",
    "phone",
    "wechat",
    "birthday",
    "notes",
    "is_primary",
    "reports_to",
}
SENSITIVE = {"phone", "email", "mobile"}


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _snapshot(obj: Any, fields: set[str] | list[str]) -> dict[str, Any]:
    out = {}
    for name in sorted(fields):
        value = _plain(getattr(obj, name))
        if name in SENSITIVE and value:
            value = mask_value("phone" if name != "email" else "email", str(value))
        out[name] = value
    return out


def _check_fields(fields: dict[str, Any], allowed: set[str], what: str) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"{what} cannot set {sorted(unknown)}")


def _apply(obj: Any, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(obj, name, value)


def _derive_customer(customer: Customer) -> None:
    customer.credit_code = (customer.credit_code or "").strip().upper()
    customer.name_key = dedupe.normalize_name(customer.name)
    customer.phone_digits = dedupe.phone_digits(customer.phone)


def _validate_customer(customer: Customer) -> None:
    errors: dict[str, list] = {}
    if customer.credit_code:
        try:
            validate_credit_code(customer.credit_code)
        except ValidationError as exc:
            errors.setdefault("credit_code", []).extend(exc.messages)
    if customer.region:
        try:
            regions.validate_region(customer.region)
        except ValidationError as exc:
            errors.setdefault("region", []).extend(exc.messages)
    if customer.pk and customer.parent_id == customer.pk:
        errors.setdefault("parent", []).append(_("A customer cannot be its own parent company."))
    try:
        customer.full_clean(exclude=["name_key", "phone_digits", "merged_into"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _set_tags(actor: Any, obj: Any, tags: Any) -> None:
    if tags is None:
        return
    from opensales.workspace.tags import set_tags, tags_by_names

    names = [t if isinstance(t, str) else t.name for t in tags]
    set_tags(actor=actor, record=obj, tags=tags_by_names(names, actor=actor))


@transaction.atomic
def customer_create(*, actor: Any, owner: Any = None, tags: Any = None, **fields: Any) -> Customer:
    """A new customer owned by `owner` (default: the actor); pass `owner=None, pool=...` via
    `fields["pool"]` to create it straight into a pool. `tags`: names or Tag objects."""
    _check_fields(fields, CUSTOMER_FIELDS - {"owner"}, "customer_create")
    in_pool = fields.get("pool") is not None and owner is None
    customer = Customer()
    _apply(customer, fields)
    customer.owner = None if in_pool else (owner if owner is not None else actor)
    if customer.owner is not None and customer.owned_since is None:
        customer.owned_since = timezone.now()
    _derive_customer(customer)
    _validate_customer(customer)
    stamp(customer, actor)
    customer.save()
    _set_tags(actor, customer, tags)
    record(
        action="customer.create",
        actor=actor,
        obj=customer,
        changes=_snapshot(customer, set(fields) | {"owner"}),
    )
    return customer


@transaction.atomic
def customer_update(
    *, actor: Any, customer: Customer, expected_version: int | None, tags: Any = None, **fields: Any
) -> Customer:
    """Change fields of a customer the caller has checked the actor may change. Raises StaleEdit when the
    record moved on since `expected_version`, ValidationError on bad values."""
    _check_fields(fields, CUSTOMER_FIELDS, "customer_update")
    current = Customer.objects.unscoped(reason="customer update").select_for_update().get(pk=customer.pk)
    check_version(current, expected_version)
    before = _snapshot(current, set(fields))
    if "owner" in fields and fields["owner"] is not None and _plain(fields["owner"]) != current.owner_id:
        current.owned_since = timezone.now()
    _apply(current, fields)
    _derive_customer(current)
    _validate_customer(current)
    current.version = F("version") + 1
    stamp(current, actor)
    current.save()
    current.refresh_from_db()
    _set_tags(actor, current, tags)
    changes = diff(before, _snapshot(current, set(fields)))
    record(action="customer.update", actor=actor, obj=current, changes=changes)
    return current


def _validate_contact(contact: Contact) -> None:
    errors: dict[str, list] = {}
    if contact.reports_to_id is not None:
        boss = contact.reports_to
        if contact.pk and boss.pk == contact.pk:
            errors["reports_to"] = [_("A contact cannot report to themselves.")]
        elif boss.customer_id != contact.customer_id:
            errors["reports_to"] = [_("Choose a contact of the same customer.")]
        else:
            # No cycles: walk up the chain (a short one: an org chart of one company).
            seen = {contact.pk} if contact.pk else set()
            node, steps = boss, 0
            while node is not None and steps < 100:
                if node.pk in seen:
                    errors["reports_to"] = [_("This would make a reporting loop.")]
                    break
                seen.add(node.pk)
                node = (
                    Contact.objects.unscoped(reason="org chart loop check")
                    .filter(pk=node.reports_to_id)
                    .first()
                    if node.reports_to_id
                    else None
                )
                steps += 1
    if contact.email:
        contact.email = contact.email.strip()
        from django.core.validators import validate_email

        try:
            validate_email(contact.email)
        except ValidationError as exc:
            errors.setdefault("email", []).extend(exc.messages)
    if contact.mobile:
        digits = dedupe.phone_digits(contact.mobile)
        if len(digits) < 7:
            errors.setdefault("mobile", []).append(_("Enter a valid phone number."))
    try:
        contact.full_clean(exclude=["mobile_index", "email_index"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contact_create(*, actor: Any, customer: Customer, **fields: Any) -> Contact:
    _check_fields(fields, CONTACT_FIELDS, "contact_create")
    contact = Contact(customer=customer)
    _apply(contact, fields)
    _validate_contact(contact)
    stamp(contact, actor)
    contact.save()
    record(
        action="contact.create",
        actor=actor,
        obj=contact,
        changes=_snapshot(contact, set(fields) | {"customer"}),
    )
    return contact


@transaction.atomic
def contact_update(*, actor: Any, contact: Contact, expected_version: int | None, **fields: Any) -> Contact:
    _check_fields(fields, CONTACT_FIELDS | {"customer"}, "contact_update")
    current = Contact.objects.unscoped(reason="contact update").select_for_update().get(pk=contact.pk)
    check_version(current, expected_version)
    before = _snapshot(current, set(fields))
    _apply(current, fields)
    _validate_contact(current)
    current.version = F("version") + 1
    stamp(current, actor)
    current.save()
    current.refresh_from_db()
    record(
        action="contact.update",
        actor=actor,
        obj=current,
        changes=diff(before, _snapshot(current, set(fields))),
    )
    return current


CONTACT_SENSITIVE = ("mobile", "email")


def contact_unmask(*, actor: Any, contact: Contact, field: str) -> str:
    """One sensitive value of a contact in clear, for someone whose role grants unmask on it (the caller
    has checked); every reveal is audited ("contact.unmask")."""
    if field not in CONTACT_SENSITIVE:
        raise ValueError(f"{field} is not a sensitive field of contacts")
    record(action="contact.unmask", actor=actor, obj=contact, changes={"field": field})
    return getattr(contact, field) or ""


COLLABORATION_KIND = "collaboration_request"


def request_collaboration(*, actor: Any, customer: Customer, message: str = "") -> bool:
    """Ask the owner of `customer` (typically a duplicate the actor found) to add the actor as a
    collaborator: a pending request the owner accepts or declines (customers/collaboration.py). Audited;
    False when there is no owner to ask."""
    from . import collaboration

    return collaboration.ask(actor=actor, customer=customer, message=message) is not None
