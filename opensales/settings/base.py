"""Settings shared by every environment. Values an operator sets come from `env.py`."""

from __future__ import annotations

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _lazy

from . import env
from .keys import development_keys

BASE_DIR = env.BASE_DIR
VAR_DIR = env.VAR_DIR
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = False
SECRET_KEY = env.SECRET_KEY or development_keys(VAR_DIR)["secret_key"]
ALLOWED_HOSTS = env.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = env.CSRF_TRUSTED_ORIGINS

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "huey.contrib.djhuey",
    "simple_history",
    "ninja",  # for its static Swagger UI files: the API docs page loads no CDN
    "django_filters",  # for the templates of its widgets (date ranges)
    "opensales.core",
    "opensales.accounts",
    "opensales.audit",
    "opensales.org",
    "opensales.api",
    "opensales.ops",
    "opensales.notifications",
    "opensales.workspace",
    "opensales.recyclebin",
    "opensales.comments",
    "opensales.attachments",
    "opensales.bulk",
    "opensales.imports",
    "opensales.products",
    "opensales.customers",
    "opensales.deals",
    "opensales.leads",
    "opensales.activities",
    # Last: its ready() imports every app's search.py, which needs their scope registrations.
    "opensales.search",
    "django.forms",  # Django's widget templates, after ours (opensales/core/templates/django/forms)
]

# Form widgets render through the project's template engine, so that opensales.core overrides Django's
# basic widget templates: their attributes through the `widget_attrs` filter instead of an include of
# attrs.html per widget and per option (a list's filter form: 69 includes, a fifth of its rendering).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

MIDDLEWARE = [
    "opensales.core.timing.ServerTimingMiddleware",  # first: times the whole stack (bench/)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "opensales.accounts.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "opensales.audit.context.AuditContextMiddleware",
    "opensales.audit.context.DeniedRequestAuditMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "opensales.accounts.middleware.TwoFactorEnforcementMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "opensales.urls"
WSGI_APPLICATION = "opensales.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "opensales.core.context_processors.navigation",
            ],
            "builtins": ["django.templatetags.i18n", "opensales.core.templatetags.opensales"],
        },
    }
]

DATABASES = {"default": dj_database_url.parse(env.DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: its compilation, triggered by the cost estimate of a broad search, added 0.1–1.4 s to
    # queries that run in milliseconds without it (docs/search.md); OLTP queries never win from it.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on busy_timeout instead of failing with "database is locked" mid-transaction.
    # Connections persist (CONN_MAX_AGE above) as on PostgreSQL: opening one per request re-ran these
    # pragmas and re-read the schema, about 1 ms of every request (docs/performance.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # temp_store: sorts and groupings of a large page (a team's month) in memory, not in temp files;
        # cache_size: 32 MB of pages per connection instead of 2 MB (the hot indexes of a large tenant).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32000;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "opensales.accounts.validators.ChineseCommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["opensales.accounts.backends.OpenSalesBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: idle and absolute timeouts are enforced by SessionTimeoutMiddleware; the cookie itself
# lives no longer than the absolute limit.
OPENSALES_IDLE_TIMEOUT = env.IDLE_TIMEOUT_MINUTES * 60
OPENSALES_ABSOLUTE_TIMEOUT = env.ABSOLUTE_TIMEOUT_HOURS * 3600
SESSION_COOKIE_AGE = OPENSALES_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Login lockout: this many failures for one username from one address within the window lock that
# pair for the lockout period.
OPENSALES_LOCKOUT_FAILURES = 5
OPENSALES_LOCKOUT_WINDOW = 15 * 60
OPENSALES_LOCKOUT_PERIOD = 15 * 60
OPENSALES_TRUSTED_PROXY_COUNT = env.TRUSTED_PROXY_COUNT
# Roles flagged "requires two-factor" are enforced only where this is on (production).
OPENSALES_ENFORCE_ROLE_2FA = False
OTP_TOTP_ISSUER = "OpenSales"
# The notification bell refreshes its count this often (seconds; 0 = never). Its requests carry
# X-OpenSales-Background and do not count as activity for the idle timeout.
OPENSALES_NOTIFICATIONS_POLL_SECONDS = 60

# REST API (/api/v1/, docs/api.md). The schema and docs page are public only where this is on (dev);
# otherwise they need a signed-in session (or, for the schema, a token).
OPENSALES_API_DOCS_PUBLIC = False
# Per signed-in user ("auth"), per address on the anonymous token endpoint ("token_create"), and per
# address for refused tokens ("bad_token"). Counted in the default cache (per process unless CACHES
# names a shared one).
NINJA_DEFAULT_THROTTLE_RATES = {"auth": "600/min", "token_create": "10/min", "bad_token": "30/min"}

# Field encryption: Fernet keys, newest first (rotation: prepend a new key, run `opensales rotate_keys`).
_dev_keys = development_keys(VAR_DIR) if not env.FIELD_KEYS or not env.INDEX_KEY else {}
OPENSALES_FIELD_KEYS = env.FIELD_KEYS or [_dev_keys["field_key"]]
OPENSALES_INDEX_KEY = env.INDEX_KEY or _dev_keys["index_key"]

LANGUAGE_CODE = env.LANGUAGE
# Each language is named in itself, as language pickers do.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.TIME_ZONE
LANGUAGE_COOKIE_NAME = "opensales_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
OPENSALES_CURRENCY = "CNY"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "assets"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Content Security Policy with per-request nonces: templates put {{ csp_nonce }} on every <script>.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Background worker: Huey. SQLite queue file by default; PostgreSQL or Redis by configuration.
if env.WORKER_BACKEND not in {"sqlite", "postgres", "redis", "immediate"}:
    raise ImproperlyConfigured(
        f"OPENSALES_WORKER={env.WORKER_BACKEND!r}: use sqlite, postgres, redis or immediate"
    )
if env.WORKER_BACKEND == "redis":
    # Needs the `redis` package in the environment (not a default dependency).
    HUEY = {"huey_class": "huey.PriorityRedisHuey", "name": "opensales", "url": env.REDIS_URL}
elif env.WORKER_BACKEND == "postgres":
    # The queue lives in the application's own PostgreSQL database (tables huey_*), through psycopg 3.
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("OPENSALES_WORKER=postgres needs a postgres:// DATABASE_URL")
    HUEY = {"huey_class": "huey.PostgresHuey", "name": "opensales", "dsn": env.DATABASE_URL}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "opensales",
        "filename": str(VAR_DIR / "huey.sqlite3"),
    }
HUEY["immediate"] = env.WORKER_BACKEND == "immediate"
HUEY["consumer"] = {"workers": 2, "worker_type": "thread"}
# Application code uses Django's task API (`from django.tasks import task`, `.enqueue()`); Huey's own
# django.tasks backend hands the calls to the Huey instance above and keeps each task's result record in
# Huey's result store, so `get_result()` works from any process. Periodic jobs are Huey periodic tasks
# (django.tasks has no schedule): see opensales/ops/tasks.py.
TASKS = {"default": {"BACKEND": "huey.contrib.djhuey.tasks_backend.HueyBackend"}}

# Backups (opensales/ops/backup.py): where they go, the Fernet key(s) that encrypt them (newest first; any
# of them decrypts), and how many days of nightly backups to keep.
OPENSALES_BACKUP_DIR = env.BACKUP_DIR
OPENSALES_BACKUP_KEYS = env.BACKUP_KEYS
OPENSALES_BACKUP_KEEP = env.BACKUP_KEEP

# Development prints mails on the console; production configures SMTP (settings/production.py).
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env.get("DEFAULT_FROM_EMAIL", "opensales@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# --- Comments and files (opensales/comments, opensales/attachments; docs/comments-and-files.md) ------
# Uploaded files go to the "default" storage: the file system under MEDIA_ROOT (var/media) unless
# OPENSALES_STORAGE=s3 selects an S3-compatible bucket (django-storages) from the OPENSALES_S3_* variables.
# Media is never served by URL: every download goes through the permission-checked view
# (attachments:download), so there is deliberately no route for MEDIA_URL.


def default_file_storage(kind: str, **s3: str | None) -> dict:
    """The STORAGES["default"] entry for OPENSALES_STORAGE=`kind` (filesystem | s3)."""
    if kind == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"OPENSALES_STORAGE={kind!r}: use filesystem or s3")
    if not s3.get("bucket"):
        raise ImproperlyConfigured("OPENSALES_STORAGE=s3 needs OPENSALES_S3_BUCKET")
    options = {
        "bucket_name": s3["bucket"],
        "endpoint_url": s3.get("endpoint_url") or None,
        "access_key": s3.get("access_key") or None,
        "secret_key": s3.get("secret_key") or None,
        "region_name": s3.get("region") or None,
        "location": s3.get("prefix") or "",
        "default_acl": "private",  # never public-read: downloads go through OpenSales
        "querystring_auth": True,
        "file_overwrite": False,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


MEDIA_ROOT = env.MEDIA_ROOT
STORAGES["default"] = default_file_storage(
    env.STORAGE,
    bucket=env.S3_BUCKET,
    endpoint_url=env.S3_ENDPOINT_URL,
    access_key=env.S3_ACCESS_KEY,
    secret_key=env.S3_SECRET_KEY,
    region=env.S3_REGION,
    prefix=env.S3_PREFIX,
)
OPENSALES_ATTACHMENT_MAX_MB = env.ATTACHMENT_MAX_MB
OPENSALES_ATTACHMENT_EXTENSIONS = env.ATTACHMENT_EXTENSIONS
# Uploads larger than this go to a temporary file rather than memory while they are checked.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Deleted records stay restorable in the recycle bin this many days (opensales/recyclebin).
OPENSALES_RECYCLE_BIN_DAYS = env.RECYCLE_BIN_DAYS

# List filters left open read "All", not "---------" (django-filter; the msgid is in the workspace catalogue).
FILTERS_EMPTY_CHOICE_LABEL = _lazy("All")
