"""The leads pages beside the generic ones: convert, mark invalid, the assignment rules and the public web form."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opensales.accounts.lockout import checked_client_ip
from opensales.core.actions import Action
from opensales.core.scope import get_visible_or_404, has_action
from opensales.workspace.views import apply_errors

from . import services
from .forms import ConvertForm, InvalidateForm, RuleForm, WebLeadForm
from .models import AssignmentRule, Lead
from .permissions import may_manage_rules
from .workspace import LeadView

DEFAULT_WEB_FORM_RATE = "5/10min"


def _lead_for_change(request: HttpRequest, pk: int) -> Lead:
    if not has_action(request.user, Lead, Action.CHANGE):
        raise PermissionDenied
    return get_visible_or_404(Lead, request.user, pk, Action.CHANGE)


def _customer_url(customer: Any) -> str:
    from opensales.workspace.registry import view_for

    mv = view_for(customer)
    return mv.detail_url(customer) if mv is not None else ""


@require_http_methods(["GET", "POST"])
def convert(request: HttpRequest, pk: int) -> HttpResponse:
    from opensales.customers.models import Customer
    from opensales.customers.regions import region_name

    lead = _lead_for_change(request, pk)
    if not has_action(request.user, Customer, Action.ADD):
        raise PermissionDenied
    if lead.status not in services.OPEN_STATUSES:
        messages.error(request, _("Only new leads and leads being followed up can be converted."))
        return redirect(LeadView.detail_url(lead))
    candidates = services.duplicate_candidates(lead)
    form = ConvertForm(request.POST or None, user=request.user, lead=lead, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                converted = services.convert(
                    actor=request.user,
                    lead=lead,
                    customer=form.chosen_customer(),
                    create_contact=data["create_contact"],
                    create_opportunity=data["create_opportunity"],
                    opportunity_name=data["opportunity_name"],
                    amount=data["amount"],
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The lead was converted."))
            customer = converted.converted_customer
            visible = Customer.objects.visible_to(request.user, Action.VIEW).filter(pk=customer.pk).exists()
            target = _customer_url(customer) if visible else ""
            return redirect(target or LeadView.detail_url(converted))
    owners = {}
    if candidates:
        from django.contrib.auth import get_user_model

        ids = {c.owner_id for c in candidates if c.owner_id}
        owners = {u.pk: u.get_full_name() for u in get_user_model().objects.filter(pk__in=ids)}
    rows = [
        {
            "customer": c,
            "visible": ok,
            "owner": owners.get(c.owner_id, "") if c.owner_id else _("Public pool"),
        }
        for c, ok in form.candidates
    ]
    return render(
        request,
        "leads/convert.html",
        {
            "lead": lead,
            "form": form,
            "candidates": rows,
            "region": region_name(lead.region) if lead.region else "",
            "list_url": LeadView.list_url(),
        },
    )


@require_http_methods(["GET", "POST"])
def invalidate(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead_for_change(request, pk)
    form = InvalidateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_invalidate(actor=request.user, lead=lead, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The lead was marked invalid."))
            return redirect(LeadView.detail_url(lead))
    return render(
        request, "leads/invalidate.html", {"lead": lead, "form": form, "list_url": LeadView.list_url()}
    )


# --- Assignment rules -----------------------------------------------------------------------------


def _require_rules(request: HttpRequest) -> None:
    if not may_manage_rules(request.user):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    _require_rules(request)
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_save(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The rule was added."))
            return redirect("leads:rules")
    rows = list(
        AssignmentRule.objects.select_related("department", "last_assigned").order_by("sort_order", "pk")
    )
    return render(request, "leads/rules.html", {"rules": rows, "form": form, "list_url": LeadView.list_url()})


@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_rules(request)
    rule = get_object_or_404(AssignmentRule, pk=pk)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_save(actor=request.user, rule=rule, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The rule was saved."))
            return redirect("leads:rules")
    return render(
        request, "leads/rule_edit.html", {"rule": rule, "form": form, "list_url": LeadView.list_url()}
    )


@require_http_methods(["POST"])
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_rules(request)
    rule = get_object_or_404(AssignmentRule, pk=pk)
    services.rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("The rule was deleted."))
    return redirect("leads:rules")


# --- The public web form --------------------------------------------------------------------------


def _rate() -> tuple[int, int]:
    from opensales.api.throttling import parse_rate

    return parse_rate(getattr(settings, "LEADS_WEB_FORM_RATE", DEFAULT_WEB_FORM_RATE))


def _throttled(request: HttpRequest) -> bool:
    """Count this submission for the client's address; True when it is over the rate."""
    limit, seconds = _rate()
    key = f"opensales_leads_web_form_{checked_client_ip(request)}"
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count > limit


@login_not_required
@require_http_methods(["GET", "POST"])
def web_form(request: HttpRequest) -> HttpResponse:
    form = WebLeadForm(request.POST or None)
    if request.method == "POST":
        if _throttled(request):
            return render(request, "leads/web_form_throttled.html", status=429)
        if form.is_valid():
            data = form.cleaned_data
            if not data["website"]:  # a filled honeypot: thank the robot, keep nothing
                services.web_form_submit(
                    company=data["company"],
                    contact_name=data["contact_name"],
                    phone=data["phone"],
                    email=data["email"],
                    notes=data["notes"],
                    ip=checked_client_ip(request),
                )
            return redirect("leads:web_form_thanks")
    return render(request, "leads/web_form.html", {"form": form})


@login_not_required
def web_form_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "leads/web_form_thanks.html")
