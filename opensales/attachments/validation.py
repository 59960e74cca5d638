"""What may be uploaded: a size limit and an allow-list of types, each checked against the content.

The browser's Content-Type is ignored. The extension of the file name picks the expected type; the
first bytes (and, for Office Open XML / OpenDocument, the zip's members) must agree, or the file is
refused: an HTML page renamed "report.pdf" has no "%PDF-" header and does not pass. Text files (txt,
csv) must decode as UTF-8 or GB18030, contain no NUL bytes and no HTML/SVG markup.

Settings: OPENSALES_ATTACHMENT_MAX_MB (default 20) and OPENSALES_ATTACHMENT_EXTENSIONS (default: every
type below); an extension not in `TYPES` cannot be enabled, since nothing could check its content.
"""

from __future__ import annotations

import codecs
import hashlib
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OOXML = "application/vnd.openxmlformats-officedocument."
ODF = "application/vnd.oasis.opendocument."

# extension -> (MIME type sent on download, how the content is checked)
TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "pdf"),
    "png": ("image/png", "png"),
    "jpg": ("image/jpeg", "jpeg"),
    "jpeg": ("image/jpeg", "jpeg"),
    "gif": ("image/gif", "gif"),
    "webp": ("image/webp", "webp"),
    "doc": ("application/msword", "ole2"),
    "xls": ("application/vnd.ms-excel", "ole2"),
    "ppt": ("application/vnd.ms-powerpoint", "ole2"),
    "docx": (OOXML + "wordprocessingml.document", "ooxml:word/"),
    "xlsx": (OOXML + "spreadsheetml.sheet", "ooxml:xl/"),
    "pptx": (OOXML + "presentationml.presentation", "ooxml:ppt/"),
    "odt": (ODF + "text", "odf:" + ODF + "text"),
    "ods": (ODF + "spreadsheet", "odf:" + ODF + "spreadsheet"),
    "odp": (ODF + "presentation", "odf:" + ODF + "presentation"),
    "txt": ("text/plain; charset=utf-8", "text"),
    "csv": ("text/csv; charset=utf-8", "text"),
    "zip": ("application/zip", "zip"),
}
MARKUP = (b"<html", b"<script", b"<!doctype", b"<svg", b"<iframe", b"<?xml")
NAME_MAX = 200


@dataclass(frozen=True)
class Checked:
    name: str
    extension: str
    mime_type: str
    size: int
    sha256: str


def max_bytes() -> int:
    return int(settings.OPENSALES_ATTACHMENT_MAX_MB) * 1024 * 1024


def allowed_extensions() -> list[str]:
    wanted = [e.lower().lstrip(".") for e in settings.OPENSALES_ATTACHMENT_EXTENSIONS]
    return [e for e in wanted if e in TYPES]


def clean_name(name: str) -> str:
    """The file name without any folder, control characters or leading dots; at most 200 characters,
    keeping the extension."""
    base = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if len(base) > NAME_MAX:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: NAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 else base[:NAME_MAX]
    return base


def _read_head(upload: Any, n: int) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def _zip_names(upload: Any) -> list[str] | None:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        upload.seek(0)


def _zip_member(upload: Any, member: str) -> bytes:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            return archive.read(member)[:200]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        return b""
    finally:
        upload.seek(0)


def _is_text(upload: Any) -> bool:
    head = _read_head(upload, 64 * 1024)
    if b"\x00" in head:
        return False
    lowered = head.lower()
    if any(tag in lowered for tag in MARKUP):
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


def content_matches(upload: Any, check: str) -> bool:
    head = _read_head(upload, 16)
    if check == "pdf":
        return head.startswith(b"%PDF-")
    if check == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if check == "jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if check == "gif":
        return head[:6] in (b"GIF87a", b"GIF89a")
    if check == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if check == "ole2":
        return head.startswith(OLE2)
    if check == "text":
        return _is_text(upload)
    if not head.startswith(b"PK\x03\x04"):
        return False
    names = _zip_names(upload)
    if names is None:
        return False
    if check == "zip":
        return True
    if check.startswith("ooxml:"):
        prefix = check.removeprefix("ooxml:")
        return "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names)
    if check.startswith("odf:"):
        return "mimetype" in names and _zip_member(upload, "mimetype").strip() == check[4:].encode()
    return False


def check_upload(upload: Any) -> Checked:
    """Validate an uploaded file; ValidationError({"file": [...]}) says what is wrong."""
    if upload is None:
        raise ValidationError({"file": [_("Choose a file.")]})
    name = clean_name(getattr(upload, "name", ""))
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    if size > max_bytes():
        raise ValidationError(
            {
                "file": [
                    _("The file is too large: at most %(max)s MB is allowed.")
                    % {"max": settings.OPENSALES_ATTACHMENT_MAX_MB}
                ]
            }
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = allowed_extensions()
    if extension not in allowed:
        raise ValidationError(
            {
                "file": [
                    _("This type of file is not allowed. Allowed: %(types)s.") % {"types": ", ".join(allowed)}
                ]
            }
        )
    mime_type, check = TYPES[extension]
    if not content_matches(upload, check):
        raise ValidationError(
            {"file": [_("The content of the file is not a valid .%(ext)s file.") % {"ext": extension}]}
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b""):
        digest.update(chunk)
    upload.seek(0)
    return Checked(name=name, extension=extension, mime_type=mime_type, size=size, sha256=digest.hexdigest())
