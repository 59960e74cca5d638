"""`make run`: the embedded SQLite database, debug pages off by default, a real worker."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.get_bool("DEBUG", False)
ALLOWED_HOSTS = ["*"] if DEBUG else ALLOWED_HOSTS  # noqa: F405
OPENSALES_DEMO = True
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedStaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
OPENSALES_API_DOCS_PUBLIC = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns when it is missing)
