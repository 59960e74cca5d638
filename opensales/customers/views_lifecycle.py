"""Pages of the pools, release/claim/lifecycle buttons, handover, merge and grading."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from opensales.core.actions import Action
from opensales.core.scope import get_visible_or_404, has_action

from . import grading, lifecycle, pools
from . import handover as handover_service
from . import merge as merge_service
from .models import Customer, CustomerMerge, CustomerPool, GradingRule, Lifecycle

User = get_user_model()


def is_admin(user: Any) -> bool:
    return user.is_authenticated and (
        user.is_superuser or user.roles.filter(code="administrator", is_active=True).exists()
    )


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _back(request, fallback: str) -> HttpResponseRedirect:
    nxt = request.POST.get("next", "")
    if nxt.startswith("/") and not nxt.startswith("//"):
        return HttpResponseRedirect(nxt)
    return HttpResponseRedirect(fallback)


def _reaches_all(user: Any) -> bool:
    from opensales.org.views.common import reaches_all

    return reaches_all(user, Customer, Action.VIEW)


def _pool_or_404(user: Any, pk: int) -> CustomerPool:
    pool = get_object_or_404(pools.pools_with_departments(), pk=pk)
    if not has_action(user, Customer, Action.VIEW) or not (pools.is_member(user, pool) or _reaches_all(user)):
        raise Http404
    return pool


def pool_list(request):
    if not has_action(request.user, Customer, Action.VIEW):
        raise PermissionDenied
    everyone = _reaches_all(request.user)
    shown = [p for p in pools.pools_with_departments() if everyone or pools.is_member(request.user, p)]
    return render(request, "customers/lifecycle/pool_list.html", {"pools": shown})


def pool_detail(request, pk: int):
    pool = _pool_or_404(request.user, pk)
    default = pools.default_pool()
    in_pool = Customer.objects.visible_to(request.user).filter(owner__isnull=True)
    if default is not None and default.pk == pool.pk:
        from django.db.models import Q

        in_pool = in_pool.filter(Q(pool=pool) | Q(pool__isnull=True))
    else:
        in_pool = in_pool.filter(pool=pool)
    customers = list(in_pool.order_by("name")[:200])
    may_claim = has_action(request.user, Customer, Action.ADD) and pools.is_member(request.user, pool)
    context = {
        "pool": pool,
        "customers": customers,
        "may_claim": may_claim,
        "claims_today": pools.claims_today(request.user),
        "owned": pools.owned_count(request.user),
    }
    return render(request, "customers/lifecycle/pool_detail.html", context)


@require_POST
def claim(request, pk: int):
    customer = get_object_or_404(Customer.objects.unscoped(reason="claim page"), pk=pk)
    try:
        pools.claim(actor=request.user, customer=customer)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
        return _back(request, reverse("customers:pool_list"))
    messages.success(request, _("“%(name)s” is now your customer.") % {"name": customer.name})
    return _back(request, reverse("customers:pool_list"))


@require_POST
def release(request, pk: int):
    customer = get_visible_or_404(Customer, request.user, pk, Action.CHANGE)
    try:
        pools.release(actor=request.user, customer=customer, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
        return _back(request, reverse("customers:pool_list"))
    messages.success(request, _("“%(name)s” is back in the public pool.") % {"name": customer.name})
    return HttpResponseRedirect(reverse("customers:pool_list"))


@require_POST
def set_lifecycle(request, pk: int):
    customer = get_visible_or_404(Customer, request.user, pk, Action.CHANGE)
    try:
        lifecycle.set_lifecycle(
            actor=request.user,
            customer=customer,
            stage=request.POST.get("stage", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Lifecycle stage saved."))
    return _back(request, reverse("customers:pool_list"))


def _handover_users(user: Any) -> list[Any]:
    from opensales.org.models import Employee

    employees = (
        Employee.objects.visible_to(user, Action.VIEW).select_related("user").order_by("user__username")
    )
    return [e.user for e in employees]


@require_http_methods(["GET", "POST"])
def handover(request):
    if not has_action(request.user, Customer, Action.ASSIGN):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    users = _handover_users(request.user)
    by_id = {str(u.pk): u for u in users}
    from_user = by_id.get(data.get("from_user", ""))
    to_value = data.get("to_user", "")
    to_user = by_id.get(to_value) if to_value not in ("", "pool") else None
    selected = [int(x) for x in data.getlist("customers") if x.isdigit()]
    options = {
        "include_open_deals": data.get("include_open_deals", "on" if request.method == "GET" else "") == "on",
        "include_leads": data.get("include_leads", "on" if request.method == "GET" else "") == "on",
        "include_planned_follow_ups": data.get(
            "include_planned_follow_ups", "on" if request.method == "GET" else ""
        )
        == "on",
    }
    context: dict[str, Any] = {
        "users": users,
        "from_user": from_user,
        "to_value": to_value,
        "selected": selected,
        **options,
    }
    errors: list[str] = []
    if from_user is not None:
        context["owned"] = list(
            Customer.objects.visible_to(request.user, Action.ASSIGN).filter(owner=from_user).order_by("name")
        )
        try:
            context["preview"] = handover_service.plan(
                actor=request.user, from_user=from_user, customer_ids=selected or None, **options
            ).counts()
        except (ValidationError, Http404):
            errors.append(_("Some of these customers are outside your scope."))
    if request.method == "POST" and from_user is not None and not errors:
        if to_value != "pool" and to_user is None:
            errors.append(_("Choose who takes the customers over, or the public pool."))
        else:
            try:
                counts = handover_service.handover(
                    actor=request.user,
                    from_user=from_user,
                    to_user=to_user,
                    customer_ids=selected or None,
                    **options,
                )
            except ValidationError as exc:
                errors.extend(_errors(exc))
            except Http404:
                errors.append(_("Some of these customers are outside your scope."))
            else:
                messages.success(
                    request,
                    _(
                        "Handed over %(customers)s customers, %(opportunities)s deals, %(leads)s leads and %(follow_ups)s follow-ups."
                    )
                    % counts,
                )
                return HttpResponseRedirect(reverse("customers:handover"))
    elif request.method == "POST" and from_user is None:
        errors.append(_("Choose whose customers to hand over."))
    context["errors"] = errors
    return render(
        request,
        "customers/lifecycle/handover.html",
        context,
        status=422 if errors and request.method == "POST" else 200,
    )


def _labels() -> dict[str, str]:
    return {f: str(Customer._meta.get_field(f).verbose_name) for f in merge_service.MERGE_FIELDS}


def _display(customer: Customer, field: str) -> str:
    model_field = customer._meta.get_field(field)
    if model_field.choices:
        return str(getattr(customer, f"get_{field}_display")())
    value = getattr(customer, field)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field == "owner" and value is not None:
        return value.get_full_name() or value.username
    return "" if value is None else str(value)


@require_http_methods(["GET", "POST"])
def merge(request):
    if not has_action(request.user, Customer, Action.DELETE):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    raw = source.get("ids", "")
    ids = [int(x) for x in raw.replace(" ", "").split(",") if x.isdigit()]
    if len(set(ids)) < 2:
        context = {
            "customers": [],
            "rows": [],
            "ids": "",
            "errors": [_("Select two or more customers to merge.")],
        }
        return render(
            request,
            "customers/lifecycle/merge.html",
            context,
            status=422 if request.method == "POST" else 200,
        )
    found = list(
        Customer.objects.visible_to(request.user, Action.CHANGE)
        .filter(pk__in=ids)
        .select_related("owner", "parent")
    )
    if len(found) != len(set(ids)):
        raise Http404
    found.sort(key=lambda c: ids.index(c.pk))
    errors: list[str] = []
    if request.method == "POST":
        survivor_id = request.POST.get("survivor", "")
        survivor = next((c for c in found if str(c.pk) == survivor_id), None)
        if survivor is None:
            errors.append(_("Choose the customer that remains."))
        else:
            choices = {
                f: request.POST[f"field_{f}"]
                for f in merge_service.MERGE_FIELDS
                if request.POST.get(f"field_{f}")
            }
            try:
                merge_service.merge(
                    actor=request.user,
                    survivor=survivor,
                    others=[c for c in found if c.pk != survivor.pk],
                    field_choices=choices,
                )
            except ValidationError as exc:
                errors.extend(_errors(exc))
            except Http404:
                errors.append(_("You may not merge these customers."))
            else:
                messages.success(
                    request,
                    _("Customers merged into “%(name)s”. You can undo this within 30 days.")
                    % {"name": survivor.name},
                )
                return HttpResponseRedirect(reverse("customers:merges"))
    labels = _labels()
    rows = [
        {"field": f, "label": labels[f], "cells": [(c.pk, _display(c, f)) for c in found]}
        for f in merge_service.MERGE_FIELDS
    ]
    context = {"customers": found, "rows": rows, "ids": ",".join(str(c.pk) for c in found), "errors": errors}
    return render(request, "customers/lifecycle/merge.html", context, status=422 if errors else 200)


def merges(request):
    if not has_action(request.user, Customer, Action.DELETE):
        raise PermissionDenied
    visible = Customer.objects.visible_to(request.user, Action.CHANGE).values("pk")
    rows = list(CustomerMerge.objects.filter(survivor__in=visible).select_related("survivor", "actor")[:50])
    through = CustomerMerge.merged.through
    names: dict[int, list[str]] = {}
    for merge_id, name in through.objects.filter(customermerge__in=[r.pk for r in rows]).values_list(
        "customermerge_id", "customer__name"
    ):
        names.setdefault(merge_id, []).append(name)
    for row in rows:
        row.undoable = merge_service.can_undo(row)
        row.merged_names = ", ".join(sorted(names.get(row.pk, [])))
    return render(request, "customers/lifecycle/merges.html", {"merges": rows})


@require_POST
def merge_undo(request, pk: int):
    if not has_action(request.user, Customer, Action.DELETE):
        raise PermissionDenied
    row = get_object_or_404(CustomerMerge, pk=pk)
    try:
        merge_service.undo_merge(actor=request.user, merge=row)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("The merge is undone."))
    return HttpResponseRedirect(reverse("customers:merges"))


@require_http_methods(["GET", "POST"])
def grading_rules(request):
    if not is_admin(request.user):
        raise PermissionDenied
    errors: list[str] = []
    if request.method == "POST":
        rows = [
            {
                "grade": g,
                "window_days": request.POST.get(f"{g}-window_days", ""),
                "min_won_amount": request.POST.get(f"{g}-min_won_amount", ""),
                "min_activities": request.POST.get(f"{g}-min_activities", ""),
            }
            for g in "ABCD"
        ]
        try:
            grading.save_rules(actor=request.user, rows=rows)
        except ValidationError as exc:
            errors.extend(_errors(exc))
        else:
            messages.success(request, _("Grading rules saved."))
            return HttpResponseRedirect(reverse("customers:grading"))
    rules = grading.ensure_rules()
    return render(
        request,
        "customers/lifecycle/grading.html",
        {"rules": rules, "errors": errors},
        status=422 if errors else 200,
    )


@require_POST
def grade_run(request):
    if not is_admin(request.user):
        raise PermissionDenied
    counts = grading.grade_all(actor=request.user)
    messages.success(request, _("Graded %(customers)s customers; %(changed)s changed.") % counts)
    return HttpResponseRedirect(reverse("customers:grading"))


LIFECYCLE_CHOICES = Lifecycle.choices
__all__ = ["GradingRule"]
