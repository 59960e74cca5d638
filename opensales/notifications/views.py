"""The notification center and the bell. Every query is filtered by recipient=request.user: another
user's notification answers 404, exactly like one that does not exist.

Routes (namespace "notifications"; every signed-in user, for their own notifications):
center (GET) · menu (GET, the bell's dropdown, loaded by htmx) · count (GET, the badge) ·
open (GET: marks read, then redirects to the record) · mark_read, mark_all_read (POST) ·
preferences (GET, POST).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import services
from .forms import PreferencesForm
from .models import Notification
from .selectors import effective_preferences, latest

PAGE_SIZE = 20


def _mine(request):
    return Notification.objects.for_recipient(request.user)


def _back(request, default: str = "notifications:center"):
    """Back to the page the user came from (`next`), if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return redirect(target if services.is_safe_url(target) else default)


def _fragment(request, template: str, context: dict) -> HttpResponse:
    """A piece of a page for htmx, rendered without the context processors: the sidebar's menu (the
    user's grants) is not needed for a dropdown and would cost queries on every opening or poll."""
    return HttpResponse(get_template(template).render({**context, "request": request, "user": request.user}))


@require_safe
def center(request):
    show = "unread" if request.GET.get("show") == "unread" else "all"
    qs = _mine(request).select_related("actor").newest_first()
    if show == "unread":
        qs = qs.unread()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/center.html",
        {"page": page, "show": show, "query": f"show={show}" if show != "all" else ""},
    )


@never_cache
@require_safe
def menu(request):
    """The bell's dropdown: the latest few, and a fresh badge for every bell on the page."""
    return _fragment(request, "notifications/_menu.html", {"items": latest(request.user)})


@never_cache
@require_safe
def count(request):
    """The badge alone, as an htmx partial for every bell on the page (the poller's request, when
    OPENSALES_NOTIFICATIONS_POLL_SECONDS is set)."""
    return _fragment(request, "notifications/_count.html", {})


@require_safe
def open_notification(request, pk: int):
    """Mark read, then go to the record. Only a path on this site is followed (no open redirect)."""
    notification = get_object_or_404(_mine(request), pk=pk)
    if notification.read_at is None:
        services.mark_read(request.user, [pk])
    if notification.url and services.is_safe_url(notification.url):
        return redirect(notification.url)
    return redirect("notifications:center")


@require_POST
def mark_read(request, pk: int):
    services.mark_read(request.user, [pk])  # 404 unless it is the user's own
    return _back(request)


@require_POST
def mark_all_read(request):
    done = services.mark_all_read(request.user)
    if done:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked as read.", "%(count)d notifications marked as read.", done
            )
            % {"count": done},
        )
    return _back(request)


@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    current = effective_preferences(request.user)
    form = PreferencesForm(request.POST or None, initial_email=current)
    if request.method == "POST" and form.is_valid():
        services.preferences_save(actor=request.user, user=request.user, email=form.email_choices())
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_email": bool(request.user.email)},
    )
