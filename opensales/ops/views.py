"""The health page (administrators) and its JSON twin for monitoring (anyone, non-sensitive)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import backup
from . import health as state


def is_operator(user: Any) -> bool:
    """Superusers and holders of the active built-in "administrator" role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not hasattr(user, "_opensales_is_operator"):  # asked by the menu on every page: once per request
        user._opensales_is_operator = (
            user.is_superuser or user.roles.filter(code="administrator", is_active=True).exists()
        )
    return user._opensales_is_operator


@require_safe
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    if not is_operator(request.user):
        raise PermissionDenied
    backups = backup.latest_backups(10)
    for item in backups:
        item.error_message = backup.ERRORS.get(item.error_code, "") if item.error_code else ""
    return render(
        request,
        "ops/health.html",
        {
            "worker": state.worker_state(),
            "stale_minutes": int(state.STALE_AFTER.total_seconds() // 60),
            "queue_length": state.queue_length(),
            "database": state.database_state(),
            "pending_migrations": state.pending_migrations(),
            "backups": backups,
            "backup_state": state.backup_state(),
            "backup_dir": settings.OPENSALES_BACKUP_DIR,
            "backup_encrypted": bool(settings.OPENSALES_BACKUP_KEYS),
            "backup_keep": settings.OPENSALES_BACKUP_KEEP,
            "time_zone": settings.TIME_ZONE,
            "disk": state.disk_state(),
        },
    )


@login_not_required
@require_safe
@never_cache
def health_json(request: HttpRequest) -> JsonResponse:
    status, body = state.public_status()
    return JsonResponse(body, status=status)
