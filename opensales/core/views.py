from django.shortcuts import render
from django.views.decorators.http import require_safe

from .home import widgets_for


@require_safe
def home(request):
    """The widgets each module registered for this user's roles (core/home.py)."""
    return render(request, "core/home.html", {"widgets": widgets_for(request)})


def permission_denied(request, exception=None):
    return render(request, "core/error.html", {"status": 403}, status=403)


def page_not_found(request, exception=None):
    return render(request, "core/error.html", {"status": 404}, status=404)


def server_error(request):
    return render(request, "core/error.html", {"status": 500}, status=500)
