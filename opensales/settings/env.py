"""The one place where OpenSales reads its environment.

Every setting that an operator may change comes from an environment variable read here, so
`docs/configuration.md` and this file are the whole list.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("OPENSALES_VAR_DIR", BASE_DIR / "var"))


def get(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def get_bool(name: str, default: bool = False) -> bool:
    value = get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def get_int(name: str, default: int) -> int:
    value = get(name)
    return default if value is None else int(value)


def get_list(name: str, default: list[str] | None = None) -> list[str]:
    value = get(name)
    if value is None:
        return list(default or [])
    return [part.strip() for part in value.split(",") if part.strip()]


DATABASE_URL = get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'opensales.sqlite3'}")
SECRET_KEY = get("SECRET_KEY")
FIELD_KEYS = get_list("OPENSALES_FIELD_KEYS")
INDEX_KEY = get("OPENSALES_INDEX_KEY")
ALLOWED_HOSTS = get_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = get_list("CSRF_TRUSTED_ORIGINS")
TIME_ZONE = get("TIME_ZONE", "Asia/Shanghai")
LANGUAGE = get("LANGUAGE_CODE", get("OPENSALES_LANGUAGE", "zh-hans"))
WORKER_BACKEND = get("OPENSALES_WORKER", "sqlite")  # sqlite | postgres | redis | immediate
REDIS_URL = get("REDIS_URL", "redis://127.0.0.1:6379/0")
TRUSTED_PROXY_COUNT = get_int("OPENSALES_TRUSTED_PROXIES", 0)
IDLE_TIMEOUT_MINUTES = get_int("OPENSALES_IDLE_TIMEOUT_MINUTES", 30)
ABSOLUTE_TIMEOUT_HOURS = get_int("OPENSALES_ABSOLUTE_TIMEOUT_HOURS", 12)
EMAIL_URL = get("OPENSALES_SMTP_HOST")
DEMO = get_bool("OPENSALES_DEMO", False)
BACKUP_DIR = Path(get("OPENSALES_BACKUP_DIR", str(VAR_DIR / "backups")))
BACKUP_KEYS = get_list("OPENSALES_BACKUP_KEY")  # Fernet keys, comma-separated, newest first
BACKUP_KEEP = get_int("OPENSALES_BACKUP_KEEP", 14)
# Comments and files (opensales/comments, opensales/attachments; docs/comments-and-files.md).
MEDIA_ROOT = Path(get("OPENSALES_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGE = get("OPENSALES_STORAGE", "filesystem")  # filesystem | s3
S3_BUCKET = get("OPENSALES_S3_BUCKET")
S3_ENDPOINT_URL = get("OPENSALES_S3_ENDPOINT_URL")  # e.g. MinIO, Aliyun OSS, Tencent COS; empty = AWS
S3_ACCESS_KEY = get("OPENSALES_S3_ACCESS_KEY")
S3_SECRET_KEY = get("OPENSALES_S3_SECRET_KEY")
S3_REGION = get("OPENSALES_S3_REGION")
S3_PREFIX = get("OPENSALES_S3_PREFIX", "")
ATTACHMENT_MAX_MB = get_int("OPENSALES_ATTACHMENT_MAX_MB", 20)
RECYCLE_BIN_DAYS = get_int("OPENSALES_RECYCLE_BIN_DAYS", 30)
ATTACHMENT_EXTENSIONS = get_list(
    "OPENSALES_ATTACHMENT_EXTENSIONS",
    [
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "odt",
        "ods",
        "odp",
        "txt",
        "csv",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "zip",
    ],
)
