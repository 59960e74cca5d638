import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opensales.settings.production")
application = get_wsgi_application()


def _settle() -> None:
    """Keep what start-up built out of the garbage collector's walks. A worker holds ~300,000 objects
    once Django, the apps and the URL patterns are loaded, and they live as long as the process; every
    full collection walked them all, a pause of 100–300 ms on whichever request was running (a page's
    p95). `gc.freeze()` moves them to the permanent generation (docs/performance.md, "Fourth round")."""
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 (loads the URL patterns now, not on the first request)
    gc.freeze()


_settle()
