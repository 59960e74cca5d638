"""Tags on workspace records: lookups for the list (one query per page) and the audited services."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opensales.audit.services import record as audit
from opensales.core.lookups import int_list

from .models import Tag, TaggedItem
from .registry import Column

MAX_TAG_LENGTH = 30


def _names(record: Any) -> str:
    return ", ".join(t.name for t in getattr(record, "workspace_tags", ()))


TAGS_COLUMN = Column(
    "tags",
    gettext_lazy("Tags"),
    value=lambda r: getattr(r, "workspace_tags", ()),
    template="workspace/cells/tags.html",
    export=_names,
    default=False,
    needs=(),  # set by `attach_tags` (prepare_rows), from the primary key
)


def tagged_ids(model: type, tags: Iterable[Tag]):
    """Subquery: ids of `model` records carrying any of `tags`."""
    return TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(model), tag__in=list(tags)
    ).values("object_id")


def attach_tags(records: Sequence[Any]) -> None:
    """Set `record.workspace_tags` (a list of Tag, by name) on each record, in one query.

    Every list page and API page asks it, for the page's ids: a fixed statement with the ids as
    integers, run as it is. Through the ORM, building and compiling it (and Tag and TaggedItem
    instances) was a tenth of an API page of 50 customers (issue #6)."""
    if not records:
        return
    content_type = ContentType.objects.get_for_model(type(records[0]))
    by_id: dict[int, list[Tag]] = {r.pk: [] for r in records}
    tags: dict[int, Tag] = {}
    with connections[records[0]._state.db or DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(_TAGS_OF_SQL.format(ids=int_list(by_id)), [content_type.pk])
        for object_id, tag_id, name, color in cursor.fetchall():
            tag = tags.get(tag_id)
            if tag is None:
                tag = tags[tag_id] = Tag(id=tag_id, name=name, color=color)
            by_id[object_id].append(tag)
    for r in records:
        r.workspace_tags = by_id[r.pk]


# Table names from the models; the ids are made integers before they are put in.
_TAGS_OF_SQL = (
    "SELECT item.object_id, tag.id, tag.name, tag.color"  # noqa: S608
    f" FROM {TaggedItem._meta.db_table} item JOIN {Tag._meta.db_table} tag ON tag.id = item.tag_id"
    " WHERE item.content_type_id = %s AND item.object_id IN ({ids}) ORDER BY tag.name, tag.id"
)


def tags_of(record: Any) -> list[Tag]:
    attach_tags([record])
    return record.workspace_tags


def clean_tag_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("A tag needs a name."))
    if len(name) > MAX_TAG_LENGTH:
        raise ValidationError(_("A tag has at most %(n)d characters.") % {"n": MAX_TAG_LENGTH})
    return name


@transaction.atomic
def tags_by_names(names: Iterable[str], *, actor: Any = None) -> list[Tag]:
    """The tags with these names, creating the missing ones (anyone who may tag may add a tag). Each tag
    created is audited ("tags.create") with `actor` as its author (None: the system, e.g. the demo)."""
    wanted = {clean_tag_name(n) for n in names if (n or "").strip()}
    found = {t.name: t for t in Tag.objects.filter(name__in=wanted)}
    for name in sorted(wanted - set(found)):
        found[name], created = Tag.objects.get_or_create(name=name)
        if created:
            audit(action="tags.create", actor=actor, obj=found[name], changes={"name": name})
    return sorted(found.values(), key=lambda t: t.name)


@transaction.atomic
def add_tags(*, actor: Any, model: type, ids: Sequence[int], tags: Sequence[Tag]) -> int:
    """Tag the records `ids` (already checked against the actor's scope); one audit event."""
    content_type = ContentType.objects.get_for_model(model)
    rows = [TaggedItem(tag=t, content_type=content_type, object_id=pk) for pk in ids for t in tags]
    TaggedItem.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    audit(
        action="tags.add",
        actor=actor,
        object_type=model._meta.label_lower,
        object_repr=", ".join(t.name for t in tags),
        changes={"ids": list(ids), "tags": [t.name for t in tags]},
    )
    return len(ids)


@transaction.atomic
def remove_tags(*, actor: Any, model: type, ids: Sequence[int], tags: Sequence[Tag]) -> int:
    content_type = ContentType.objects.get_for_model(model)
    TaggedItem.objects.filter(content_type=content_type, object_id__in=list(ids), tag__in=list(tags)).delete()
    audit(
        action="tags.remove",
        actor=actor,
        object_type=model._meta.label_lower,
        object_repr=", ".join(t.name for t in tags),
        changes={"ids": list(ids), "tags": [t.name for t in tags]},
    )
    return len(ids)


@transaction.atomic
def set_tags(*, actor: Any, record: Any, tags: Sequence[Tag]) -> None:
    """Make `record`'s tags exactly `tags` (the edit form); audited when they change."""
    before = {t.name for t in tags_of(record)}
    after = {t.name for t in tags}
    if before == after:
        return
    content_type = ContentType.objects.get_for_model(record)
    TaggedItem.objects.filter(content_type=content_type, object_id=record.pk).exclude(
        tag__in=list(tags)
    ).delete()
    TaggedItem.objects.bulk_create(
        [TaggedItem(tag=t, content_type=content_type, object_id=record.pk) for t in tags],
        ignore_conflicts=True,
    )
    audit(action="tags.set", actor=actor, obj=record, changes={"tags": [sorted(before), sorted(after)]})
