"""Deal pages beyond the generic ones: the kanban board, stage moves, product lines, competitors on a
deal, and the pipeline settings page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opensales.core.actions import Action
from opensales.core.scope import get_visible_or_404, has_action
from opensales.core.versioning import StaleEdit
from opensales.workspace import saved_views
from opensales.workspace.views import is_htmx

from . import selectors, services
from .cards import card_html
from .forms import DealCompetitorForm, LineFormSet, MoveForm, PipelineForm, StageForm
from .models import Competitor, Opportunity, Pipeline, Stage
from .workspace import OpportunityView


def _require(request: HttpRequest, model: Any, action: str) -> None:
    if not has_action(request.user, model, action):
        raise PermissionDenied


# --- the board ---------------------------------------------------------------------------------


def _board_pipelines(request: HttpRequest) -> tuple[Pipeline, list[Pipeline]]:
    """The board's pipeline (`?pipeline=`, else the default one) and the active pipelines for its tabs,
    from one read of the pipelines (a handful of rows; it was four queries)."""
    pipelines = list(Pipeline.objects.all()) or services.ensure_default_pipelines()
    value = request.GET.get("pipeline", "") or request.POST.get("pipeline", "")
    chosen = next((p for p in pipelines if value.isdigit() and p.pk == int(value)), None)
    chosen = chosen or services.default_of(pipelines)
    return chosen, [p for p in pipelines if p.is_active]


def _board_pipeline(request: HttpRequest) -> Pipeline:
    return _board_pipelines(request)[0]


def _board_params(request: HttpRequest):
    params = request.GET.copy()
    params.pop("pipeline", None)
    params.pop("stage", None)  # the columns are the stages
    return params


def _board_context(request: HttpRequest, pipeline: Pipeline, pipelines: list[Pipeline]) -> dict[str, Any]:
    user = request.user
    params = _board_params(request)
    filterset = OpportunityView.filterset(user, params)
    qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    # No filter value at all: the board is the user's whole scope, and its totals come from the tally.
    unfiltered = not any(value for values in params.lists() for value in values[1])
    columns = selectors.board_columns(qs, pipeline, unfiltered_for=user if unfiltered else None)
    query = request.GET.copy()
    query.pop("pipeline", None)
    may_move = has_action(user, Opportunity, Action.CHANGE)
    _render_cards(columns, may_move)
    return {
        "pipeline": pipeline,
        "pipelines": pipelines,
        "columns": columns,
        "filter_form": filterset.form,
        "filters_active": filterset.active_count(),
        "query": query.urlencode(),
        "may_move": may_move,
        "can_add": has_action(user, Opportunity, Action.ADD),
        "saved": saved_views.context(user, OpportunityView, request.GET),
        "model_view": OpportunityView,
        "board_total": sum((c.total for c in columns), 0),
        "board_weighted": sum((c.weighted for c in columns), 0),
        "board_count": sum(c.count for c in columns),
        "stale_days": selectors.stale_days(),
    }


def _render_cards(columns: list[selectors.Column], may_move: bool) -> None:
    """Each column's cards as ready HTML (deals/cards.py); the stage picker's options built once per
    column rather than looped over for every card."""
    stages = [c.stage for c in columns]
    for column in columns:
        options = None
        if may_move:
            options = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((s.pk, " selected" if s.pk == column.stage.pk else "", s.name) for s in stages),
            )
        column.cards_html = card_html(column.cards, options)


def board(request: HttpRequest) -> HttpResponse:
    _require(request, Opportunity, Action.VIEW)
    pipeline, pipelines = _board_pipelines(request)
    context = _board_context(request, pipeline, pipelines)
    if is_htmx(request) and request.headers.get("HX-Target") == "board":
        return render(request, "deals/board.html#board", context)
    return render(request, "deals/board.html", context)


@require_POST
def board_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Drop a card on a stage: move_stage with the card's version; answers the refreshed board."""
    _require(request, Opportunity, Action.CHANGE)
    opp = get_visible_or_404(Opportunity, request.user, pk, Action.CHANGE)
    form = MoveForm(request.POST)
    status = 200
    if not form.is_valid():
        message, status = _("Choose a stage."), 422
    else:
        stage = form.cleaned_data["stage"]
        if stage.pipeline_id != opp.pipeline_id:
            raise Http404
        try:
            with transaction.atomic():
                services.move_stage(
                    actor=request.user,
                    opportunity=opp,
                    stage=stage,
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"] or "",
                )
            message = None
        except StaleEdit:
            message, status = (
                _("Someone else changed “%(name)s” meanwhile. The board shows its current stage; try again.")
                % {"name": opp.name},
                409,
            )
        except ValidationError as exc:
            message, status = " ".join(exc.messages), 422
    if not is_htmx(request):
        if message:
            messages.error(request, message)
        return redirect(request.POST.get("next") or reverse("deals:board") + f"?pipeline={opp.pipeline_id}")
    context = _board_context(request, opp.pipeline, list(Pipeline.objects.filter(is_active=True)))
    context["board_message"] = message
    response = render(request, "deals/board.html#board", context, status=status)
    return response


# --- stage moves, lines and competitors from the detail page ---------------------------------


@require_POST
def opportunity_move(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Opportunity, Action.CHANGE)
    opp = get_visible_or_404(Opportunity, request.user, pk, Action.CHANGE)
    form = MoveForm(request.POST)
    url = reverse("deals:opportunity_detail", args=[opp.pk])
    if not form.is_valid():
        messages.error(request, _("Choose a stage."))
        return redirect(url)
    try:
        with transaction.atomic():
            services.move_stage(
                actor=request.user,
                opportunity=opp,
                stage=form.cleaned_data["stage"],
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"] or "",
                probability=form.cleaned_data["probability"],
            )
    except StaleEdit:
        messages.error(request, _("Someone else changed this opportunity meanwhile. Check it and try again."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Moved to “%(stage)s”.") % {"stage": form.cleaned_data["stage"].name})
    return redirect(url)


@require_POST
def opportunity_lines(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Opportunity, Action.CHANGE)
    opp = get_visible_or_404(Opportunity, request.user, pk, Action.CHANGE)
    formset = LineFormSet(request.POST, user=request.user, prefix="lines")
    url = reverse("deals:opportunity_detail", args=[opp.pk]) + "?tab=lines"
    if not formset.is_valid():
        errors = [str(e) for form in formset.forms for errs in form.errors.values() for e in errs]
        messages.error(
            request, _("The product lines are not valid: %(errors)s") % {"errors": " ".join(errors)}
        )
        return redirect(url)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        with transaction.atomic():
            services.set_lines(
                actor=request.user, opportunity=opp, lines=formset.lines(), expected_version=version
            )
    except StaleEdit:
        messages.error(request, _("Someone else changed this opportunity meanwhile. Check it and try again."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The product lines were saved."))
    return redirect(url)


@require_POST
def opportunity_competitor(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Opportunity, Action.CHANGE)
    opp = get_visible_or_404(Opportunity, request.user, pk, Action.CHANGE)
    url = reverse("deals:opportunity_detail", args=[opp.pk]) + "?tab=competitors"
    if request.POST.get("remove"):
        competitor = get_object_or_404(
            Competitor.objects.visible_to(request.user, Action.VIEW), pk=request.POST["remove"]
        )
        services.deal_competitor_remove(actor=request.user, opportunity=opp, competitor=competitor)
        messages.success(request, _("The competitor was removed from this deal."))
        return redirect(url)
    form = DealCompetitorForm(request.POST, user=request.user)
    if not form.is_valid():
        errors = [str(e) for errs in form.errors.values() for e in errs]
        messages.error(request, " ".join(errors))
        return redirect(url)
    try:
        services.deal_competitor_save(actor=request.user, opportunity=opp, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The competitor was saved on this deal."))
    return redirect(url)


# --- pipeline settings ------------------------------------------------------------------------


def _may_configure(user: Any) -> bool:
    """Pipelines are company settings: admins (who change roles) and whoever may delete every deal."""
    from opensales.core.scope import grants_for

    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or has_action(user, "org.role", Action.CHANGE):
        return True
    reach = grants_for(user).reach("deals.opportunity", Action.DELETE)
    return reach is not None and reach.all


def pipelines(request: HttpRequest) -> HttpResponse:
    if not _may_configure(request.user):
        raise PermissionDenied
    services.ensure_default_pipelines()
    pipeline_form = PipelineForm(request.POST if request.POST.get("form") == "pipeline" else None)
    if request.method == "POST" and request.POST.get("form") == "pipeline" and pipeline_form.is_valid():
        try:
            services.pipeline_save(
                actor=request.user,
                name=pipeline_form.cleaned_data["name"],
                is_default=pipeline_form.cleaned_data["is_default"],
                is_active=pipeline_form.cleaned_data["is_active"],
                sort_order=Pipeline.objects.count(),
            )
        except ValidationError as exc:
            pipeline_form.add_error(None, exc)
        else:
            messages.success(request, _("The pipeline was saved."))
            return redirect("deals:pipelines")
    items = list(Pipeline.objects.prefetch_related("stages"))
    return render(
        request,
        "deals/pipelines.html",
        {"pipelines": items, "pipeline_form": pipeline_form, "stage_form": StageForm(prefix="new")},
    )


@require_POST
def pipeline_stage(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a stage (no `stage`), rename or change one (`stage`), or delete one (`delete`)."""
    if not _may_configure(request.user):
        raise PermissionDenied
    pipeline = get_object_or_404(Pipeline, pk=pk)
    try:
        if request.POST.get("delete"):
            stage = get_object_or_404(Stage, pk=request.POST["delete"], pipeline=pipeline)
            services.stage_delete(actor=request.user, stage=stage)
            messages.success(request, _("The stage was deleted."))
            return redirect("deals:pipelines")
        stage = None
        prefix = "new"
        if request.POST.get("stage"):
            stage = get_object_or_404(Stage, pk=request.POST["stage"], pipeline=pipeline)
            prefix = f"s{stage.pk}"
        form = StageForm(request.POST, prefix=prefix)
        if not form.is_valid():
            errors = [str(e) for errs in form.errors.values() for e in errs]
            messages.error(request, " ".join(errors))
            return redirect("deals:pipelines")
        services.stage_save(actor=request.user, pipeline=pipeline, stage=stage, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The stage was saved."))
    return redirect("deals:pipelines")


@require_POST
def pipeline_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    if not _may_configure(request.user):
        raise PermissionDenied
    pipeline = get_object_or_404(Pipeline, pk=pk)
    try:
        ids = [int(v) for v in request.POST.getlist("stage")]
        services.stages_reorder(actor=request.user, pipeline=pipeline, stage_ids=ids)
    except (ValueError, ValidationError):
        messages.error(request, _("The order must name every stage of the pipeline once."))
        status = 422
    else:
        messages.success(request, _("The stages were reordered."))
        status = 204
    if is_htmx(request):
        return HttpResponse(status=status)
    return redirect("deals:pipelines")


def funnel_data(request: HttpRequest) -> HttpResponse:
    """The team's open deals by stage of the default pipeline, as JSON (the home page funnel chart)."""
    from django.http import JsonResponse

    _require(request, Opportunity, Action.VIEW)
    pipeline = _board_pipeline(request)
    qs = Opportunity.objects.visible_to(request.user, Action.VIEW)
    columns = selectors.board_columns(qs, pipeline, cards=False, unfiltered_for=request.user)
    return JsonResponse(
        {
            "pipeline": pipeline.name,
            "stages": [
                {"name": c.stage.name, "count": c.count, "amount": str(c.total)}
                for c in columns
                if not c.stage.is_lost
            ],
        }
    )
