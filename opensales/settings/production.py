"""Production: PostgreSQL through DATABASE_URL, HTTPS, keys from the environment, 2FA for admins."""

from django.core import checks

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.SECRET_KEY or ""
OPENSALES_FIELD_KEYS = env.FIELD_KEYS
OPENSALES_INDEX_KEY = env.INDEX_KEY or ""
OPENSALES_DEMO = False
OPENSALES_ENFORCE_ROLE_2FA = True

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.get_bool("OPENSALES_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.TRUSTED_PROXY_COUNT else None
SECURE_HSTS_SECONDS = env.get_int("OPENSALES_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.get_bool("OPENSALES_HSTS_PRELOAD", False)
# Preloading is the domain owner's decision (the header is read as consent to hard-code HTTPS for the
# domain and all its subdomains into browsers), so it stays opt-in and its deploy warning is silenced
# while it is off.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

if env.EMAIL_URL:
    _smtp_port = env.get_int("OPENSALES_SMTP_PORT", 465)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env.EMAIL_URL,
                "port": _smtp_port,
                "username": env.get("OPENSALES_SMTP_USER", ""),
                "password": env.get("OPENSALES_SMTP_PASSWORD", ""),
                "use_ssl": _smtp_port == 465,
                "use_tls": _smtp_port == 587,
            },
        }
    }


@checks.register(checks.Tags.security, deploy=True)
def check_keys(app_configs=None, **kwargs):
    """`opensales check --deploy` fails unless the field and index keys come from the environment."""
    from cryptography.fernet import Fernet

    errors = []
    if not env.FIELD_KEYS:
        errors.append(checks.Error("OPENSALES_FIELD_KEYS is not set.", id="opensales.E001"))
    for n, key in enumerate(env.FIELD_KEYS, 1):
        try:
            Fernet(key)
        except ValueError:
            errors.append(
                checks.Error(f"OPENSALES_FIELD_KEYS: key {n} is not a Fernet key.", id="opensales.E002")
            )
    if not env.INDEX_KEY or len(env.INDEX_KEY) < 32:
        errors.append(
            checks.Error("OPENSALES_INDEX_KEY must be set, 32 characters or more.", id="opensales.E003")
        )
    if env.SECRET_KEY and env.SECRET_KEY in (env.INDEX_KEY, *env.FIELD_KEYS):
        errors.append(
            checks.Error("SECRET_KEY must differ from the field and index keys.", id="opensales.E004")
        )
    return errors
