"""The organization in the global search (opensales/search): departments and employees.

Imported by the search app's ready(). Names come from the models (verbose_name_plural), so this module
adds no strings to the org catalogue.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from opensales.search.registry import register_search

from .models import Department, Employee

REASON = "search index: records whose entry shows this change"


def _join(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


def _department_url(entry) -> str:
    # Departments have no page of their own: their people, on the employee list.
    return f"{reverse('org:employee_list')}?department={entry.object_id}"


register_search(
    Department,
    key="departments",
    title="name",
    subtitle=lambda d: _join(d.parent.name if d.parent_id else "", d.code),
    fields=["code"],
    url=_department_url,
    select_related=["parent"],
    # A renamed department is in its children's subtitles.
    refresh_on={Department: lambda d: Department.objects.unscoped(reason=REASON).filter(parent=d)},
    icon="ti-sitemap",
    order=900,
)

register_search(
    Employee,
    key="employees",
    title=lambda e: e.user.get_full_name(),
    subtitle=lambda e: _join(e.title, e.department.name if e.department_id else ""),
    person_name_fields=["user.full_name"],
    fields=["user.username", "employee_no", "title", "department.name"],
    phone_fields=["mobile"],
    url="org:employee_detail",
    select_related=["user", "department"],
    refresh_on={
        get_user_model(): (
            lambda user: Employee.objects.unscoped(reason=REASON).filter(user=user),
            ["full_name", "username"],
        ),
        Department: lambda d: Employee.objects.unscoped(reason=REASON).filter(department=d),
    },
    icon="ti-user",
    order=910,
)
