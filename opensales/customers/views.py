"""Customer pages beyond the generic ones: the region picker feed, the duplicate check while typing,
the request to collaborate, and the vCard exports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opensales.audit.services import record as audit
from opensales.core.actions import Action
from opensales.core.scope import get_visible_or_404, has_action

from . import dedupe, regions, services
from .forms import describe_duplicates
from .models import Contact, Customer
from .vcard import vcard, vcards

VCARD_LIMIT = 5000


@login_required
@require_GET
def region_children(request: HttpRequest) -> JsonResponse:
    """[{value, text}] of the divisions under ?parent= (empty: the provinces)."""
    parent = request.GET.get("parent", "")
    if parent and not regions.is_region(parent):
        return JsonResponse([], safe=False)
    return JsonResponse(
        [{"value": code, "text": name} for code, name in regions.children(parent)], safe=False
    )


def _inputs(data) -> dict[str, str]:
    return {k: (data.get(k) or "").strip()[:200] for k in ("name", "credit_code", "phone", "email")}


@login_required
@require_GET
def duplicates(request: HttpRequest) -> HttpResponse:
    """The likely-duplicates panel for the values typed so far (htmx, while typing the name)."""
    if not (
        has_action(request.user, Customer, Action.ADD) or has_action(request.user, Customer, Action.CHANGE)
    ):
        raise PermissionDenied
    values = _inputs(request.GET)
    exclude = request.GET.get("record_pk", "")
    found = []
    if (
        len(dedupe.normalize_name(values["name"])) >= 2
        or values["credit_code"]
        or values["phone"]
        or values["email"]
    ):
        found = dedupe.find_duplicates(
            **values, exclude_pk=int(exclude) if exclude.isdigit() else None, partial_name=True
        )
    context = {"duplicates": describe_duplicates(request.user, found, values), "values": values, "live": True}
    return render(request, "customers/_duplicates.html", context)


@login_required
@require_POST
def request_collaboration(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the owner of a likely duplicate to add the user as collaborator. The customer must be a
    duplicate of what the user typed (so this cannot probe arbitrary customers)."""
    from django.contrib import messages

    if not has_action(request.user, Customer, Action.ADD):
        raise PermissionDenied
    values = _inputs(request.POST)
    found = {c.pk: c for c in dedupe.find_duplicates(**values, limit=50)}
    customer = found.get(pk)
    if customer is None:
        from django.http import Http404

        raise Http404
    sent = services.request_collaboration(
        actor=request.user, customer=customer, message=request.POST.get("message", "")
    )
    if sent:
        messages.success(
            request,
            _("Your request was sent to %(owner)s. You will be told when they add you.")
            % {"owner": customer.owner.get_full_name() or customer.owner.username},
        )
    else:
        messages.info(request, _("This customer has no owner to ask (it may be in a public pool)."))
    return redirect("customers:customer_list")


def _vcard_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body.encode("utf-8"), content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def contact_vcard(request: HttpRequest, pk: int) -> HttpResponse:
    """One contact as a .vcf; mobile and e-mail masked unless the user may unmask the contact."""
    from opensales.core.scope import can

    if not has_action(request.user, Contact, Action.EXPORT):
        raise PermissionDenied
    contact = get_visible_or_404(Contact, request.user, pk, Action.EXPORT)
    unmasked = has_action(request.user, Contact, Action.UNMASK) and can(request.user, Action.UNMASK, contact)
    audit(action="contact.export_vcard", actor=request.user, obj=contact, changes={"unmasked": unmasked})
    return _vcard_response(vcard(contact, unmasked=unmasked), f"contact-{contact.pk}.vcf")


@login_required
@require_GET
def contacts_vcard(request: HttpRequest) -> HttpResponse:
    """The contacts list (same filters as the page) as one .vcf."""
    from .workspace import ContactView

    if not has_action(request.user, Contact, Action.EXPORT):
        raise PermissionDenied
    qs = ContactView.filtered(request.user, request.GET, Action.EXPORT).select_related("customer")
    contacts = list(qs[:VCARD_LIMIT])
    # The same rule as the list and its export (ContactView.prepare_rows): unmask on contacts, or masked.
    unmasked = has_action(request.user, Contact, Action.UNMASK)
    audit(
        action="contact.export_vcard",
        actor=request.user,
        object_type="customers.contact",
        object_repr=_("%(n)d contacts") % {"n": len(contacts)},
        changes={"ids": [c.pk for c in contacts][:1000], "count": len(contacts), "unmasked": unmasked},
    )
    return _vcard_response(vcards(contacts, unmasked=unmasked), "contacts.vcf")


def _decide_collaboration(request: HttpRequest, pk: int, rid: int, accept: bool) -> HttpResponse:
    from django.contrib import messages
    from django.core.exceptions import ValidationError

    from . import collaboration

    if not has_action(request.user, Customer, Action.CHANGE):
        raise PermissionDenied
    row = collaboration.get_request_or_404(request.user, pk, rid)
    try:
        if accept:
            collaboration.accept(actor=request.user, request=row, level=request.POST.get("level", "read"))
        else:
            collaboration.decline(actor=request.user, request=row, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        name = row.requester.get_full_name() or row.requester.username
        if accept:
            messages.success(request, _("%(name)s is now a collaborator on this customer.") % {"name": name})
        else:
            messages.info(request, _("You declined the request of %(name)s.") % {"name": name})
    return redirect("customers:customer_detail", pk)


@login_required
@require_POST
def accept_collaboration(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    """Accept a pending request to collaborate (owner, or whoever may change the customer)."""
    return _decide_collaboration(request, pk, rid, accept=True)


@login_required
@require_POST
def decline_collaboration(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    return _decide_collaboration(request, pk, rid, accept=False)


@login_required
@require_POST
def contact_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """The contact page with one value (?field=mobile|email) in clear, in this response only; needs
    unmask on the contact, and the reveal is recorded as "contact.unmask"."""
    from .workspace import ContactDetailView, ContactView

    field = request.POST.get("field", "mobile")
    if field not in services.CONTACT_SENSITIVE:
        field = "mobile"
    if not has_action(request.user, Contact, Action.UNMASK):
        raise PermissionDenied
    contact = get_visible_or_404(Contact, request.user, pk, Action.UNMASK)
    value = services.contact_unmask(actor=request.user, contact=contact, field=field)
    page = ContactDetailView(model_view=ContactView)
    page.setup(request, pk=pk)
    page.revealed = {field: value}
    response = page.get(request, pk)
    response["Cache-Control"] = "no-store"
    return response
