"""The test suite: fast hashing, tasks run in-process, static files from the finders."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
HUEY["immediate"] = True  # noqa: F405
OPENSALES_DEMO = False
LANGUAGE_CODE = "zh-hans"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
# A test-only business app exercising owner, parent and pool scoping (tests/scopeapp).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.scopeapp"]  # noqa: F405
