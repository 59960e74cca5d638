"""Writing attachments: `attachment_add`, `attachment_delete`, and the audit of each download.

- upload: CHANGE on the record (403 when the user sees it but may not change it);
- download (and inline image preview): VIEW on the record; every one is audited (attachment.download);
- delete: the uploader (while they can view the record), or anyone with CHANGE on the record; audited.
The stored file of a deleted attachment is removed once the transaction commits.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from opensales.audit.services import record as audit
from opensales.core.actions import Action
from opensales.core.scope import can

from .models import Attachment
from .validation import check_upload


def _facts(attachment: Attachment) -> dict[str, Any]:
    return {
        "attachment": attachment.pk,
        "name": attachment.original_name,
        "type": attachment.mime_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


def may_upload(user: Any, record: models.Model) -> bool:
    return can(user, Action.CHANGE, record)


def may_delete(user: Any, attachment: Attachment, record: models.Model) -> bool:
    if attachment.uploaded_by_id == getattr(user, "pk", None) and can(user, Action.VIEW, record):
        return True
    return can(user, Action.CHANGE, record)


@transaction.atomic
def attachment_add(*, actor: Any, record: models.Model, upload: Any) -> Attachment:
    if not may_upload(actor, record):
        raise PermissionDenied
    checked = check_upload(upload)
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        original_name=checked.name,
        mime_type=checked.mime_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    # The storage name is random; only the validated extension is kept (models.random_path).
    attachment.file.save(f"upload.{checked.extension}", upload, save=False)
    try:
        attachment.save()
        audit(action="attachment.add", actor=actor, obj=record, changes=_facts(attachment))
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, actor: Any, attachment: Attachment, record: models.Model) -> None:
    if not may_delete(actor, attachment, record):
        raise PermissionDenied
    audit(action="attachment.delete", actor=actor, obj=record, changes=_facts(attachment))
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


def attachment_downloaded(*, actor: Any, attachment: Attachment, record: models.Model, inline: bool) -> None:
    changes = _facts(attachment)
    if inline:
        changes["inline"] = True
    audit(action="attachment.download", actor=actor, obj=record, changes=changes)
