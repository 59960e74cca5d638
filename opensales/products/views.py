"""The product category tree page: add, rename, move and delete categories."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opensales.core.actions import Action
from opensales.core.scope import has_action

from . import services
from .forms import CategoryForm
from .models import Product, ProductCategory


def _require(request: HttpRequest, action: str) -> None:
    if not has_action(request.user, Product, action):
        raise PermissionDenied


def categories(request: HttpRequest) -> HttpResponse:
    _require(request, Action.VIEW)
    may_change = has_action(request.user, Product, Action.CHANGE)
    form = CategoryForm(request.POST or None)
    if request.method == "POST":
        _require(request, Action.CHANGE)
        if form.is_valid():
            try:
                services.category_save(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    parent=form.cleaned_data["parent"],
                    sort_order=form.cleaned_data["sort_order"] or 0,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The category was saved."))
                return redirect("products:categories")
    tree = services.category_tree()
    from django.db.models import Count

    counts = dict(
        Product.objects.visible_to(request.user, Action.VIEW)
        .order_by()
        .values_list("category")
        .annotate(n=Count("pk"))
    )
    for c in tree:
        c.product_count = counts.get(c.pk, 0)
    return render(
        request,
        "products/categories.html",
        {"tree": tree, "form": form, "may_change": may_change},
        status=422 if request.method == "POST" else 200,
    )


def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.CHANGE)
    category = get_object_or_404(ProductCategory, pk=pk)
    initial = {"name": category.name, "parent": category.parent_id, "sort_order": category.sort_order}
    form = CategoryForm(request.POST or None, initial=initial, exclude=category.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_save(
                actor=request.user,
                category=category,
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"],
                sort_order=form.cleaned_data["sort_order"] or 0,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The category was saved."))
            return redirect("products:categories")
    return render(request, "products/category_edit.html", {"form": form, "category": category})


@require_POST
def category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.DELETE)
    category = get_object_or_404(ProductCategory, pk=pk)
    try:
        services.category_delete(actor=request.user, category=category)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The category was deleted."))
    return redirect("products:categories")
