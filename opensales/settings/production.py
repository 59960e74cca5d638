"""Production: PostgreSQL through DATABASE_URL, HTTPS, keys from the environment, 2FA for admins."""

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
