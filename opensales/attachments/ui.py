"""What the files partial needs, shared by the template tag and the views (htmx)."""

from __future__ import annotations

from typing import Any

from opensales.comments.records import record_label

from .models import Attachment
from .services import may_upload
from .validation import allowed_extensions, max_bytes

FILES_LIMIT = 100


def element_id(obj: Any) -> str:
    return f"files-{record_label(obj).replace('.', '-')}-{obj.pk}"


def files_context(
    request: Any, obj: Any, *, errors: list[str] | None = None, next_url: str = ""
) -> dict[str, Any]:
    user = request.user
    can_change = may_upload(user, obj)
    files = list(Attachment.objects.for_record(obj).select_related("uploaded_by")[:FILES_LIMIT])
    return {
        "obj": obj,
        "label": record_label(obj),
        "files": files,
        "may_upload": can_change,
        # Deleting: the uploader, or anyone who may change the record.
        "may_delete_any": can_change,
        "me": user,
        "element_id": element_id(obj),
        "next": next_url or request.get_full_path(),
        "errors": errors or [],
        "accept": ",".join(f".{e}" for e in allowed_extensions()),
        "max_mb": max_bytes() // (1024 * 1024),
    }
