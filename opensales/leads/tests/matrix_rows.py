"""Rows of the permission matrices for leads (discovered by tests/test_permission_matrix.py and
tests/test_api_matrix.py). The target is a lead of rep_sh1 (上海团队, 华东大区); the built-in roles give
reps view/add/change of their own leads, managers every action but import on their subtree, the director
and the administrator everything, finance and the auditor view and export. Assignment rules are for those
who may assign every lead (director, administrator). The public web form answers everyone, anonymous too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.matrix import Row, Target, only, statuses

SEE_ALL = ("admin", "director", "finance", "auditor")


def _make_lead(cast) -> Any:
    from opensales.leads.services import lead_create

    return lead_create(
        actor=None, owner=cast["rep_sh1"], company="矩阵线索公司", contact_name="矩阵", phone="13800138000"
    )


def _lead(cast) -> dict[str, Any]:
    return {"pk": _make_lead(cast).pk}


def _lead_for_list(cast) -> dict[str, Any]:
    _make_lead(cast)
    return {}


def _rule(cast) -> dict[str, Any]:
    from opensales.leads.models import AssignmentRule
    from opensales.org.models import Department

    sh = Department.objects.unscoped(reason="matrix").get(code="SH")
    return {"pk": AssignmentRule.objects.create(name="矩阵规则", department=sh).pk}


def _lead_ids(as_str: bool) -> Callable[[], set[Any]]:
    def ids() -> set[Any]:
        from opensales.leads.models import Lead

        found = (
            Lead.objects.unscoped(reason="matrix").filter(company="矩阵线索公司").values_list("pk", flat=True)
        )
        return {str(pk) if as_str else pk for pk in found}

    return ids


def _none() -> set[Any]:
    return set()


LEAD = Target("lead of rep_sh1", _lead)
RULE = Target("assignment rule", _rule)
SEES = ("admin", "director", "manager_east", "rep_sh1", "finance", "auditor")
CHANGES = {"admin": 200, "director": 200, "manager_east": 200, "rep_sh1": 200, "rep_sh2": 404, "rep_gz1": 404}
RULES_PAGE = only({"admin": 200, "director": 200}, 403)

UI_ROWS: list[Row] = [
    Row(
        "leads:lead_list",
        "GET",
        statuses(200),
        target=Target("leads (one of rep_sh1)", _lead_for_list),
        ids={
            **{p: _lead_ids(True) for p in SEES},
            "rep_sh2": _none,
            "rep_gz1": _none,
        },
    ),
    Row("leads:lead_detail", "GET", statuses(200, rep_sh2=404, rep_gz1=404), target=LEAD),
    Row("leads:lead_create", "GET", statuses(200, finance=403, auditor=403)),
    Row("leads:lead_edit", "GET", only(CHANGES, 403), target=LEAD),
    Row(
        "leads:lead_delete",
        "GET",
        only({"admin": 200, "director": 200, "manager_east": 200}, 403),
        target=LEAD,
    ),
    Row("leads:lead_convert", "GET", only(CHANGES, 403), target=LEAD),
    Row("leads:lead_invalidate", "GET", only(CHANGES, 403), target=LEAD),
    Row(
        "leads:lead_invalidate",
        "POST",
        only({**CHANGES, **dict.fromkeys(("admin", "director", "manager_east", "rep_sh1"), 302)}, 403),
        target=LEAD,
        data=lambda cast: {"reason": "空号"},
    ),
    Row("leads:rules", "GET", RULES_PAGE),
    Row("leads:rule_edit", "GET", RULES_PAGE, target=RULE),
    Row("leads:rule_delete", "POST", only({"admin": 302, "director": 302}, 403), target=RULE),
    Row("leads:web_form", "GET", statuses(200, anonymous=200)),
    Row("leads:web_form_thanks", "GET", statuses(200, anonymous=200)),
]


def api_rows(ApiRow: type, api_statuses: Callable[..., dict], api_only: Callable[..., dict]) -> list:
    from tests.matrix import Target as Target_

    def lead(cast) -> dict[str, Any]:
        return {"id": _make_lead(cast).pk}

    def for_list(cast) -> dict[str, Any]:
        _make_lead(cast)
        return {}

    target = Target_("lead of rep_sh1", lead)
    changes = {
        "admin": 200,
        "director": 200,
        "manager_east": 200,
        "rep_sh1": 200,
        "rep_sh2": 404,
        "rep_gz1": 404,
    }

    def assign_body(cast, persona) -> dict[str, Any]:
        return {"owner": cast["rep_sh2"].pk}

    def web_form_body(cast, persona) -> dict[str, Any]:
        # Every persona is another visitor: forget the address's count, so the rate limit (tested on
        # its own in test_entry_points) does not decide the answer here.
        from django.core.cache import cache

        cache.delete("opensales_leads_web_form_127.0.0.1")  # the test client's address
        return {"contact_name": f"矩阵访客 {persona}", "email": f"{persona}@example.com"}

    return [
        # Public: no sign-in, every persona (and anonymous) gets 201.
        ApiRow("POST", "/api/v1/leads/web-form", statuses(201, anonymous=201), body=web_form_body),
        ApiRow(
            "GET",
            "/api/v1/leads",
            api_statuses(200),
            target=Target_("leads (one of rep_sh1)", for_list),
            ids={**{p: _lead_ids(False) for p in SEES}, "rep_sh2": _none, "rep_gz1": _none},
        ),
        ApiRow("GET", "/api/v1/leads/{id}", api_statuses(200, rep_sh2=404, rep_gz1=404), target=target),
        ApiRow(
            "POST",
            "/api/v1/leads",
            api_statuses(201, finance=403, auditor=403),
            body=lambda cast, persona: {"contact_name": "矩阵新线索", "phone": "13800138001"},
        ),
        ApiRow(
            "PATCH",
            "/api/v1/leads/{id}",
            api_only(changes, 403),
            target=target,
            body=lambda cast, persona: {"version": 1, "score": 50},
        ),
        ApiRow(
            "DELETE",
            "/api/v1/leads/{id}",
            api_only({"admin": 204, "director": 204, "manager_east": 204}, 403),
            target=target,
        ),
        ApiRow(
            "POST", "/api/v1/leads/{id}/convert", api_only(changes, 403), target=target, body=lambda c, p: {}
        ),
        ApiRow(
            "POST",
            "/api/v1/leads/{id}/invalidate",
            api_only(changes, 403),
            target=target,
            body=lambda c, p: {"reason": "空号"},
        ),
        ApiRow(
            "POST",
            "/api/v1/leads/{id}/assign",
            api_only({"admin": 200, "director": 200, "manager_east": 200}, 403),
            target=target,
            body=assign_body,
        ),
    ]
