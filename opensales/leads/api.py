"""Lead actions over the API (the list, detail, create, edit and delete are the generic workspace API):

    POST /api/v1/leads/{id}/convert      into a customer (new or existing), a contact, an opportunity
    POST /api/v1/leads/{id}/invalidate   mark invalid, with the reason
    POST /api/v1/leads/{id}/assign       give the lead to someone (needs the assign action)
    POST /api/v1/leads/web-form          the public web form as JSON (no sign-in; rate limited)

Scope as on the pages: a lead outside the caller's change (assign) scope answers 404.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from opensales.api.errors import ApiError, ErrorOut
from opensales.bulk.actions import assignable_users
from opensales.core.actions import Action
from opensales.core.scope import get_visible_or_404, has_action

from . import services
from .models import Lead

User = get_user_model()
router = Router()

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class LeadStateOut(Schema):
    id: int
    version: int
    status: str
    owner: int | None = None
    invalid_reason: str = ""
    converted_at: datetime.datetime | None = None
    customer: int | None = None
    contact: int | None = None
    opportunity: int | None = None


class ConvertIn(Schema):
    customer: int | None = Field(None, description="An existing customer you may see; empty creates one.")
    create_contact: bool = True
    create_opportunity: bool = False
    opportunity_name: str = ""
    amount: Decimal | None = Field(None, ge=0)


class WebFormIn(Schema):
    company: str = Field("", max_length=200)
    contact_name: str = Field("", max_length=100)
    phone: str = ""
    email: str = ""
    notes: str = ""
    website: str = Field("", description="A honeypot: leave it empty (a filled one stores nothing).")


class WebFormOut(Schema):
    id: int | None = Field(description="The new lead's id (null when the honeypot was filled).")


class InvalidateIn(Schema):
    reason: str


class AssignIn(Schema):
    owner: int = Field(description="The user id of the new owner.")


def _state(lead: Lead) -> dict:
    return {
        "id": lead.pk,
        "version": lead.version,
        "status": lead.status,
        "owner": lead.owner_id,
        "invalid_reason": lead.invalid_reason,
        "converted_at": lead.converted_at,
        "customer": lead.converted_customer_id,
        "contact": lead.converted_contact_id,
        "opportunity": lead.converted_opportunity_id,
    }


def _invalid(exc: ValidationError) -> ApiError:
    if isinstance(exc, services.AlreadyConverted):
        return ApiError(409, "conflict", " ".join(exc.messages))
    if hasattr(exc, "error_dict"):
        fields = {
            name: [str(m) for e in errors for m in e.messages] for name, errors in exc.error_dict.items()
        }
    else:
        fields = {"non_field_errors": list(exc.messages)}
    return ApiError(422, "invalid", _("The input is not valid."), fields)


def _lead(request, id: int, action: str) -> Lead:
    user = request.auth
    if not has_action(user, Lead, action):
        raise PermissionDenied
    return get_visible_or_404(Lead, user, id, action)


@router.post(
    "/leads/{id}/convert",
    response={200: LeadStateOut, **ERRORS},
    tags=["leads"],
    summary="Convert a lead",
    operation_id="convert_lead",
)
def convert_lead(request, id: int, payload: ConvertIn):
    """Create (or reuse) the customer, add the contact and optionally an opportunity, in one step.
    A lead converted already answers 409."""
    from opensales.customers.models import Customer

    user = request.auth
    lead = _lead(request, id, Action.CHANGE)
    if not has_action(user, Customer, Action.ADD):
        raise PermissionDenied
    customer = None
    if payload.customer is not None:
        customer = Customer.objects.visible_to(user, Action.VIEW).filter(pk=payload.customer).first()
        if customer is None:
            raise ApiError(
                422, "invalid", _("The input is not valid."), {"customer": [_("No such customer.")]}
            )
    try:
        lead = services.convert(
            actor=user,
            lead=lead,
            customer=customer,
            create_contact=payload.create_contact,
            create_opportunity=payload.create_opportunity,
            opportunity_name=payload.opportunity_name,
            amount=payload.amount,
        )
    except ValidationError as exc:
        raise _invalid(exc) from None
    return _state(lead)


@router.post(
    "/leads/{id}/invalidate",
    response={200: LeadStateOut, **ERRORS},
    tags=["leads"],
    summary="Mark a lead invalid",
    operation_id="invalidate_lead",
)
def invalidate_lead(request, id: int, payload: InvalidateIn):
    """The reason is required. A converted lead answers 409."""
    lead = _lead(request, id, Action.CHANGE)
    try:
        lead = services.lead_invalidate(actor=request.auth, lead=lead, reason=payload.reason)
    except ValidationError as exc:
        raise _invalid(exc) from None
    return _state(lead)


@router.post(
    "/leads/{id}/assign",
    response={200: LeadStateOut, **ERRORS},
    tags=["leads"],
    summary="Assign a lead",
    operation_id="assign_lead",
)
def assign_lead(request, id: int, payload: AssignIn):
    """Give the lead to an active person whose employee record you may see; they are notified."""
    lead = _lead(request, id, Action.ASSIGN)
    owner = assignable_users(request.auth).filter(pk=payload.owner).first()
    if owner is None:
        raise ApiError(
            422, "invalid", _("The input is not valid."), {"owner": [_("Choose an active person.")]}
        )
    try:
        lead = services.lead_assign(actor=request.auth, lead=lead, owner=owner)
    except ValidationError as exc:
        raise _invalid(exc) from None
    return _state(lead)


@router.post(
    "/leads/web-form",
    auth=None,
    response={201: WebFormOut, 422: ErrorOut, 429: ErrorOut},
    tags=["leads"],
    summary="Submit the public web form",
    operation_id="submit_lead_web_form",
)
def submit_web_form(request, payload: WebFormIn):
    """The public "contact us" form for a website's own front end: no sign-in and no CSRF token; the
    same checks, honeypot, rate limit (per client address, shared with the HTML form) and assignment
    rules as /leads/web-form/. Answers 201 with the new lead's id only, 422 with the fields' errors,
    429 when the address sent too many."""
    from opensales.accounts.lockout import checked_client_ip

    from .forms import WebLeadForm
    from .views import _throttled

    if _throttled(request):
        raise ApiError(429, "throttled", _("Too many submissions from your address. Try again later."))
    form = WebLeadForm(payload.dict())
    if not form.is_valid():
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items() if name != "__all__"}
        if "__all__" in form.errors:
            fields["non_field_errors"] = [str(e) for e in form.errors["__all__"]]
        raise ApiError(422, "invalid", _("The input is not valid."), fields)
    data = form.cleaned_data
    if data["website"]:  # a filled honeypot: answer as usual, keep nothing
        return Status(201, {"id": None})
    try:
        lead = services.web_form_submit(
            company=data["company"],
            contact_name=data["contact_name"],
            phone=data["phone"],
            email=data["email"],
            notes=data["notes"],
            ip=checked_client_ip(request),
        )
    except ValidationError as exc:
        raise _invalid(exc) from None
    return Status(201, {"id": lead.pk})
