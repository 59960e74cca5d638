"""Roles and their grant matrix. Permissions: org.role view (list), add (create), change (edit),
delete (delete; built-in roles refuse)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from opensales.core.actions import Action
from opensales.core.scope import has_action

from .. import services
from ..forms import RoleForm, apply_errors
from ..models import Department, Role
from .common import require_action


@require_safe
def role_list(request):
    user = request.user
    require_action(user, Role, Action.VIEW)
    roles = Role.objects.annotate(
        user_count=Count("users", distinct=True), grant_count=Count("grants", distinct=True)
    )
    return render(
        request,
        "org/role_list.html",
        {
            "roles": roles,
            "can_add": has_action(user, Role, Action.ADD),
            "can_change": has_action(user, Role, Action.CHANGE),
            "can_delete": has_action(user, Role, Action.DELETE),
        },
    )


def _role_form(request, role: Role | None):
    user = request.user
    require_action(user, Role, Action.CHANGE if role else Action.ADD)
    form = RoleForm(
        request.POST or None,
        role=role,
        departments=Department.objects.visible_to(user, Action.VIEW),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.role_save(
                actor=user,
                role=role,
                code=role.code if role and role.is_builtin else data["code"],
                name_zh=data["name_zh"],
                name_en=data["name_en"],
                description=data["description"],
                requires_2fa=data["requires_2fa"],
                is_active=data["is_active"],
                grants=form.grants(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Role “%(name)s” was saved.") % {"name": saved.name})
            return redirect("org:role_edit", pk=saved.pk)
    return render(
        request,
        "org/role_form.html",
        {"form": form, "role": role, "rows": form.matrix_rows(), "actions": list(Action)},
    )


@require_http_methods(["GET", "POST"])
def role_create(request):
    return _role_form(request, None)


@require_http_methods(["GET", "POST"])
def role_edit(request, pk: int):
    require_action(request.user, Role, Action.CHANGE)
    return _role_form(request, get_object_or_404(Role, pk=pk))


@require_POST
def role_delete(request, pk: int):
    require_action(request.user, Role, Action.DELETE)
    role = get_object_or_404(Role, pk=pk)
    try:
        services.role_delete(actor=request.user, role=role)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Role “%(name)s” was deleted.") % {"name": role.name})
    return redirect("org:role_list")
