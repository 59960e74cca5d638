"""Home widgets: my open deals by stage, my stale deals, and for managers the team funnel and deals by rep."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, F, Sum
from django.utils.translation import get_language

from opensales.core.actions import Action
from opensales.core.home import HomeWidget, register_home_widget
from opensales.core.scope import grants_for, has_action
from opensales.workspace.listing import capped_count

from . import selectors
from .models import Opportunity, Stage


def may_view(user: Any) -> bool:
    return has_action(user, Opportunity, Action.VIEW)


def reaches_beyond_own(user: Any) -> bool:
    """A manager (or more): the view grant on deals reaches past the user's own records."""
    if not may_view(user):
        return False
    if user.is_superuser:
        return True
    reach = grants_for(user).reach("deals.opportunity", Action.VIEW)
    return reach is not None and (reach.all or bool(reach.department_ids) or bool(reach.subtree_paths))


def _mine(request: Any) -> dict[str, Any]:
    user = request.user
    qs = Opportunity.objects.visible_to(user, Action.VIEW).filter(owner=user)
    rows = selectors.open_by_stage(qs)
    return {
        "rows": rows,
        "total": sum((r["total"] or 0 for r in rows), 0),
        "count": sum(r["n"] for r in rows),
    }


STALE_BADGE_CAP = 99


def _stale(request: Any) -> dict[str, Any]:
    user = request.user
    qs = (
        Opportunity.objects.visible_to(user, Action.VIEW)
        .filter(owner=user)
        .filter(selectors.stale_q())
        .select_related("customer", "stage")
        # Undated deals last. The person's deals are walked in this order by `opportunity_owner_close`
        # (PostgreSQL: 16 → 0.6 ms for a rep with 5,500 deals; without it, the bare close-date index
        # over every deal was walked looking for the few of one person: 116 ms for a director with none).
        .order_by(F("expected_close").asc(nulls_last=True), "pk")
    )
    # The badge counts up to 99, then says "99+" (docs/decisions/0006): a rep with 2,000 stale deals
    # needs the list, one click away, not the number; counting them all was 9 ms on PostgreSQL.
    count, exact = capped_count(qs, STALE_BADGE_CAP)
    return {
        "deals": list(qs[:8]),
        "count": count,
        "capped": not exact,
        "days": selectors.stale_days(),
    }


# The team figures aggregate every deal a manager or director sees (100,000 for a director): they are
# kept for a minute per reader, as dashboards are, so opening the home page again costs nothing. A
# reader's own changes show at once on the board and lists, which are never cached.
TEAM_CACHE_SECONDS = 60


def _team(request: Any) -> dict[str, Any]:
    key = f"deals:home:team:{request.user.pk}:{get_language()}"
    data = cache.get(key)
    if data is None:
        data = _team_figures(request.user)
        cache.set(key, data, TEAM_CACHE_SECONDS)
    return data


def _team_figures(user: Any) -> dict[str, Any]:
    from . import services

    pipeline = services.default_pipeline()
    qs = Opportunity.objects.visible_to(user, Action.VIEW)
    columns = [c for c in selectors.board_columns(qs, pipeline, cards=False) if not c.stage.is_lost]
    # Grouped by the owner's id alone (no join per deal: a director's team has 100,000 open deals),
    # over the open stages' ids; the names of the 15 shown come with one more small query.
    open_stages = Stage.objects.filter(is_won=False, is_lost=False).values("pk")
    by_rep = list(
        qs.filter(stage__in=open_stages)
        .order_by()
        .values("owner_id")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by("-n", "owner_id")[:15]
    )
    names = {
        u.pk: u.get_full_name() or u.username
        for u in get_user_model().objects.filter(pk__in=[r["owner_id"] for r in by_rep])
    }
    for row in by_rep:
        row["owner__full_name"] = names.get(row["owner_id"], "")
    return {"pipeline": pipeline, "columns": columns, "by_rep": by_rep}


def register() -> None:
    register_home_widget(
        HomeWidget("deals_by_stage", "deals/home/by_stage.html", order=30, visible=may_view, context=_mine)
    )
    register_home_widget(
        HomeWidget("deals_stale", "deals/home/stale.html", order=31, visible=may_view, context=_stale)
    )
    register_home_widget(
        HomeWidget(
            "deals_team",
            "deals/home/team.html",
            order=32,
            width="col-12 col-xl-8",
            visible=reaches_beyond_own,
            context=_team,
        )
    )
