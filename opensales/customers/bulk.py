"""Bulk writes of customers and their primary contacts (the importer's fast path).

    create_customers(actor, [(customer fields, contact fields), ...]) -> [Customer]
    update_customers(actor, [(customer as planned, changed fields, primary contact or None,
                              changed contact fields), ...]) -> [Customer]

The values must already be validated (the importer's parsers check every column: lengths, choices,
credit codes, regions, e-mails, phones). What is written is exactly what `services.customer_create` /
`customer_update` / `contact_create` / `contact_update` write, row for row: the same `_apply` (trimmed
text), derived columns (`_derive_customer`: credit code, name_key, phone_digits; a contact's blind
indexes), owner and owned_since, version, a history entry per record (by the actor), one audit event per
record with the same masked snapshot or diff (`record_many`: hash-chained), `tags.set` events like
`set_tags`, and the search entries, built in bulk. A constant number of queries per call. The caller holds
the transaction; any exception leaves it to the caller to roll back (the engine's savepoint).
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from opensales.audit.services import Entry, diff, record_many
from opensales.core import fastsql
from opensales.core.crypto import blind_index
from opensales.core.history import stamp
from opensales.core.versioning import StaleEdit
from opensales.search.index import index_objects

from . import services
from .models import Contact, Customer


def _new_contact(actor: Any, customer: Customer, fields: dict[str, Any]) -> Contact:
    contact = fastsql.blank(Contact)
    contact.customer = customer
    contact.is_primary = True
    services._apply(contact, fields)
    contact.mobile_index = blind_index(contact.mobile)
    contact.email_index = blind_index((contact.email or "").strip().lower())
    stamp(contact, actor)
    return contact


def _contact_entry(contact: Contact, fields: dict[str, Any]) -> Entry:
    return Entry(
        action="contact.create",
        obj=contact,
        changes=services._snapshot(contact, set(fields) | {"is_primary", "customer"}),
    )


def _tag_rows(actor: Any, tagged: list[tuple[Customer, list[str]]]) -> list[Entry]:
    """Tag new customers (none had tags before): TaggedItems in bulk, a `tags.set` event each."""
    from opensales.workspace.models import TaggedItem
    from opensales.workspace.tags import tags_by_names

    tagged = [(c, names) for c, names in tagged if names]
    if not tagged:
        return []
    tags = {t.name: t for t in tags_by_names({n for _c, names in tagged for n in names}, actor=actor)}
    content_type = ContentType.objects.get_for_model(Customer)
    items, entries = [], []
    for customer, names in tagged:
        chosen = {tags[" ".join(n.split())] for n in names if n.strip()}
        items += [TaggedItem(tag=t, content_type=content_type, object_id=customer.pk) for t in chosen]
        entries.append(
            Entry(action="tags.set", obj=customer, changes={"tags": [[], sorted(t.name for t in chosen)]})
        )
    fastsql.insert_tuples(
        TaggedItem,
        ["tag_id", "content_type_id", "object_id"],
        [(i.tag_id, i.content_type_id, i.object_id) for i in items],
        conflict=["tag_id", "content_type_id", "object_id"],
    )
    return entries


def create_customers(actor: Any, items: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[Customer]:
    now = timezone.now()
    customers: list[Customer] = []
    owners_fields: list[set[str]] = []
    tag_names: list[list[str] | None] = []
    for fields, _contact in items:
        fields = dict(fields)
        owner = fields.pop("owner", None)
        tag_names.append(fields.pop("tags", None))
        customer = fastsql.blank(Customer)
        services._apply(customer, fields)
        customer.owner = owner if owner is not None else actor
        customer.owned_since = now
        services._derive_customer(customer)
        stamp(customer, actor)
        customers.append(customer)
        owners_fields.append(set(fields) | {"owner"})
    values = fastsql.insert(Customer, customers, now=now)
    fastsql.insert_history(Customer, customers, values, user=actor, now=now, history_type="+")

    contacts: list[Contact] = []
    entries: list[Entry] = []
    tag_entries = {id(e.obj): e for e in _tag_rows(actor, list(zip(customers, tag_names, strict=True)))}
    for customer, fields, (_f, contact_fields) in zip(customers, owners_fields, items, strict=True):
        if id(customer) in tag_entries:  # as in customer_create: the tags first, then the record
            entries.append(tag_entries[id(customer)])
        entries.append(
            Entry(action="customer.create", obj=customer, changes=services._snapshot(customer, fields))
        )
        if contact_fields:
            contacts.append(_new_contact(actor, customer, contact_fields))
    if contacts:
        values = fastsql.insert(Contact, contacts, now=now)
        fastsql.insert_history(Contact, contacts, values, user=actor, now=now, history_type="+")
        # The events in row order: a customer's contact right after the customer (and its tags).
        by_customer = {c.customer_id: c for c in contacts}
        contact_fields_of = {id(c): f for c, (_f, f) in zip(customers, items, strict=True) if f}
        ordered: list[Entry] = []
        for entry in entries:
            ordered.append(entry)
            if entry.action == "customer.create" and entry.obj.pk in by_customer:
                ordered.append(_contact_entry(by_customer[entry.obj.pk], contact_fields_of[id(entry.obj)]))
        entries = ordered
    record_many(entries, actor=actor)
    index_objects([*customers, *contacts], created=True)
    return customers


def update_customers(
    actor: Any, items: list[tuple[Customer, dict[str, Any], Contact | None, dict[str, Any]]]
) -> list[Customer]:
    """Raises StaleEdit when a customer or contact changed since it was planned (its version moved)."""
    now = timezone.now()
    ids = [planned.pk for planned, *_rest in items]
    current = {
        c.pk: c
        for c in Customer.objects.unscoped(reason="import update")
        .select_for_update(of=("self",))  # PostgreSQL: never the nullable side of the owner join
        .select_related("owner")
        .filter(pk__in=ids)
    }
    contact_ids = [contact.pk for _p, _f, contact, cf in items if contact is not None and cf]
    current_contacts = {
        c.pk: c
        for c in Contact.objects.unscoped(reason="import update")
        .select_for_update()
        .filter(pk__in=contact_ids)
    }
    changed: list[Customer] = []
    changed_fields: set[str] = set()
    entries: list[Entry] = []
    retagged: list[tuple[Customer, list[str]]] = []
    renamed: list[int] = []
    contacts_new: list[Contact] = []
    contacts_changed: list[Contact] = []
    contact_changed_fields: set[str] = set()
    out: list[Customer] = []
    for planned, fields, contact, contact_fields in items:
        customer = current.get(planned.pk)
        if customer is None or customer.version != planned.version:
            raise StaleEdit()
        fields = dict(fields)
        tags = fields.pop("tags", None)
        if fields:
            before = services._snapshot(customer, set(fields))
            owner = fields.get("owner")
            if owner is not None and owner.pk != customer.owner_id:
                customer.owned_since = now
                changed_fields.add("owned_since")
            services._apply(customer, fields)
            services._derive_customer(customer)
            customer.version += 1
            customer.updated_at = now
            stamp(customer, actor)
            changed.append(customer)
            changed_fields |= set(fields)
            if "name" in fields:
                renamed.append(customer.pk)
            changes = diff(before, services._snapshot(customer, set(fields)))
            entries.append(Entry(action="customer.update", obj=customer, changes=changes))
        if tags is not None:
            retagged.append((customer, tags))
        if contact_fields:
            if contact is None:
                new = _new_contact(actor, customer, contact_fields)
                contacts_new.append(new)
            else:
                row = current_contacts.get(contact.pk)
                if row is None or row.version != contact.version:
                    raise StaleEdit()
                before = services._snapshot(row, set(contact_fields))
                services._apply(row, contact_fields)
                row.mobile_index = blind_index(row.mobile)
                row.email_index = blind_index((row.email or "").strip().lower())
                row.version += 1
                row.updated_at = now
                stamp(row, actor)
                contacts_changed.append(row)
                contact_changed_fields |= set(contact_fields)
                entries.append(
                    Entry(
                        action="contact.update",
                        obj=row,
                        changes=diff(before, services._snapshot(row, set(contact_fields))),
                    )
                )
        out.append(customer)
    # The history rows as the services' post_save writes them (no change reason), not as
    # bulk_history_create does (an empty one).
    if changed:
        fields = changed_fields | {"credit_code", "name_key", "phone_digits", "version", "updated_at"}
        fastsql.update(Customer, changed, sorted(fields))
        fastsql.insert_history(Customer, changed, None, user=actor, now=now, history_type="~")
    if contacts_changed:
        fields = contact_changed_fields | {"mobile_index", "email_index", "version", "updated_at"}
        fastsql.update(Contact, contacts_changed, sorted(fields))
        fastsql.insert_history(Contact, contacts_changed, None, user=actor, now=now, history_type="~")
    if contacts_new:
        values = fastsql.insert(Contact, contacts_new, now=now)
        fastsql.insert_history(Contact, contacts_new, values, user=actor, now=now, history_type="+")
        new_fields = {
            id(c.customer): cf
            for c, (_p, _f, _c, cf) in zip(
                contacts_new, [i for i in items if i[3] and i[2] is None], strict=True
            )
        }
        entries += [_contact_entry(c, new_fields[id(c.customer)]) for c in contacts_new]
    record_many(entries, actor=actor)
    # Tags: through the same service as the edit form (rare in an import; audited there).
    for customer, names in retagged:
        services._set_tags(actor, customer, names)
    renamed_contacts = (
        list(
            Contact.objects.unscoped(reason="search index: the customer's name changed")
            .filter(customer_id__in=renamed)
            .select_related("customer")
        )
        if renamed
        else []
    )
    index_objects([*changed, *contacts_changed, *contacts_new, *renamed_contacts])
    return out
