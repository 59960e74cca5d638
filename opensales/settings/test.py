"""The test suite: fast hashing, tasks run in-process, static files from the finders."""

import atexit
import shutil
import tempfile
from pathlib import Path

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
# Uploads, exports and import files of the tests go to a throw-away folder per test process, never
# to var/media.
_TEST_MEDIA = tempfile.mkdtemp(prefix="opensales-test-media-")
atexit.register(shutil.rmtree, _TEST_MEDIA, ignore_errors=True)
MEDIA_ROOT = Path(_TEST_MEDIA)
