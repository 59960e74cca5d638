"""The organization on the generic workspace pages: the employee list, detail, create and edit.

Departments keep their tree page (a tree is not a flat list); roles keep their grant-matrix editor.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opensales.bulk.actions import ADD_TAGS, REMOVE_TAGS
from opensales.core.actions import Action
from opensales.core.forms import remote_picker
from opensales.core.masking import mask_value
from opensales.core.scope import can, has_action
from opensales.workspace.filters import DateRangeFilter, WorkspaceFilterSet
from opensales.workspace.registry import Column, ModelView, register
from opensales.workspace.views import ObjectDetailView

from . import services
from .choices import EmployeeStatus
from .forms import EmployeeCreateForm, EmployeeEditForm
from .models import Department, Employee, Role
from .views.common import departments_in_reach, reaches_all, visible_users

User = get_user_model()

EDIT_FIELDS = ["department", "manager", "title", "employee_no", "hire_date"]


class DepartmentSubtreeFilter(django_filters.ModelChoiceFilter):
    """A department and everything under it (`field_name` is the path to the department, "" for
    departments themselves), offered as the indented tree of the departments the user may see."""

    def filter(self, qs, value):
        if not value:
            return qs
        prefix = f"{self.field_name}__" if self.field_name else ""
        return qs.filter(**{f"{prefix}path__startswith": value.path})


def tree_picker(field) -> None:
    """The department tree, indented (Department's default order is its path: parents first)."""
    field.empty_label = _("All")
    field.label_from_instance = lambda d: "\u3000" * d.depth + d.name


class EmployeeFilter(WorkspaceFilterSet):
    department = DepartmentSubtreeFilter(
        label=_("Department"), field_name="department", queryset=Department.objects.none()
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=EmployeeStatus.choices)
    role = django_filters.ModelChoiceFilter(
        label=_("Role"), field_name="user__roles", queryset=Role.objects.filter(is_active=True)
    )
    active = django_filters.BooleanFilter(label=_("Can sign in"), field_name="user__is_active")
    hire_date = DateRangeFilter(label=_("Hire date"))

    search_fields = ("user__username", "user__full_name", "employee_no")

    class Meta:
        model = Employee
        fields: list[str] = []

    def limit_choices(self) -> None:
        if self.user is not None:
            self.filters["department"].queryset = Department.objects.visible_to(self.user, Action.VIEW)

    @property
    def form(self):
        form = super().form
        tree_picker(form.fields["department"])
        form.fields["q"].widget.attrs.update({"placeholder": _("Name, pinyin or number"), "type": "search"})
        return form


def _roles(employee: Employee) -> list[str]:
    return [role.name for role in employee.user.roles.all()]


def _masked_mobile(employee: Employee) -> str:
    return mask_value("phone", employee.mobile) if employee.mobile else ""


@register
class EmployeeView(ModelView):
    model = Employee
    key = "employees"
    namespace, name = "org", "employee"
    icon = "ti-users"
    filterset_class = EmployeeFilter
    select_related = ("user", "department", "manager")
    prefetch_related = ("user__roles",)
    default_sort = "name"
    tags = True
    bulk_actions = (ADD_TAGS, REMOVE_TAGS)
    form_class = EmployeeEditForm  # get_form picks the create or the edit form
    deletable = False  # people leave by deactivation: their records and the audit trail keep them
    columns = (
        Column("name", _("Full name"), value="user.get_full_name", sort="user__full_name", required=True),
        Column("username", _("Username"), value="user.username", sort="user__username"),
        Column("department", _("Department"), sort="department__name"),
        Column("title", _("Title"), sort="title", css="d-none d-md-table-cell"),
        Column(
            "roles", _("Roles"), value=_roles, template="org/cells/roles.html", css="d-none d-lg-table-cell"
        ),
        Column("mobile", _("Mobile"), value=_masked_mobile, css="text-nowrap"),
        Column(
            "status", _("Status"), value="get_status_display", sort="status", css="d-none d-md-table-cell"
        ),
        Column("employee_no", _("Employee number"), sort="employee_no", default=False),
        Column("email", _("E-mail"), value="user.email", sort="user__email", default=False),
        Column("manager", _("Direct manager"), sort="manager__full_name", default=False),
        Column("hire_date", _("Hire date"), sort="hire_date", default=False),
        Column("active", _("Can sign in"), value="user.is_active", default=False),
    )

    @classmethod
    def initial(cls, request: Any, record: Any) -> dict[str, Any]:
        department = request.GET.get("department", "")
        return {"department": int(department)} if department.isdigit() else {}

    @classmethod
    def get_form(cls, request: Any, record: Employee | None, data: Any = None) -> Any:
        user = request.user
        if record is None:
            form = EmployeeCreateForm(
                data,
                initial=cls.initial(request, None),
                departments=departments_in_reach(user, Employee, Action.ADD),
                managers=visible_users(user),
                department_required=not reaches_all(user, Employee, Action.ADD),
                may_assign_roles=has_action(user, Role, Action.ASSIGN),
            )
        else:
            person = record.user
            form = EmployeeEditForm(
                data,
                initial={
                    "full_name": person.full_name,
                    "email": person.email,
                    **{name: getattr(record, name) for name in EDIT_FIELDS},
                },
                departments=departments_in_reach(user, Employee, Action.CHANGE, include=record.department),
                managers=visible_users(user, include=record.manager).exclude(pk=person.pk),
                department_required=not reaches_all(user, Employee, Action.CHANGE),
                current_mobile=record.mobile,
            )
        # The manager picker searches the people the editor may see, within the chosen department.
        remote_picker(form.fields["manager"], reverse("workspace:user_picker"))
        form.fields["manager"].widget.attrs["data-depends-on"] = "department"
        form.fields["department"].widget.attrs["data-picker"] = "1"
        return form

    @classmethod
    def create(cls, actor: Any, data: dict[str, Any]) -> Employee:
        return services.employee_create(
            actor=actor,
            username=data["username"],
            full_name=data["full_name"],
            password=data["password"],
            email=data["email"],
            department=data["department"],
            manager=data["manager"],
            title=data["title"],
            mobile=data["mobile"],
            employee_no=data["employee_no"],
            hire_date=data["hire_date"],
            roles=list(data.get("roles") or []),
        )

    @classmethod
    def update(cls, actor: Any, record: Employee, data: dict[str, Any], version: int | None) -> Employee:
        fields = {name: data[name] for name in EDIT_FIELDS}
        if data["mobile"]:
            fields["mobile"] = data["mobile"]
        return services.employee_update(
            actor=actor,
            employee=record,
            full_name=data["full_name"],
            email=data["email"],
            expected_version=version if version is not None else -1,
            **fields,
        )

    @classmethod
    def current_values(cls, record: Employee, form: Any) -> dict[str, Any]:
        # The mobile number is never shown back (the form leaves it empty to keep it).
        values = {"full_name": record.user.full_name, "email": record.user.email}
        values.update({name: getattr(record, name) for name in EDIT_FIELDS})
        return values


class EmployeeDetailView(ObjectDetailView):
    """The generic detail page plus the account actions (roles, password, activation, unmask)."""

    template_name = "org/employee_detail.html"

    def extra_context(self, record: Employee) -> dict[str, Any]:
        user = self.request.user

        def allowed(model, action, target=None):
            return has_action(user, model, action) and (target is None or can(user, action, target))

        return {
            "employee": record,
            "person": record.user,
            "roles": record.user.roles.all(),
            "revealed_mobile": getattr(self, "revealed_mobile", None),
            "can_unmask": allowed(Employee, Action.UNMASK, record),
            "can_assign": allowed(Role, Action.ASSIGN) and allowed(Employee, Action.CHANGE, record),
            "can_view_access": allowed(Role, Action.VIEW),
            "is_self": record.user_id == user.pk,
        }


EmployeeView.detail_view_class = EmployeeDetailView


# --- Departments ----------------------------------------------------------------------------------


class DepartmentFilter(WorkspaceFilterSet):
    within = DepartmentSubtreeFilter(label=_("Within"), field_name="", queryset=Department.objects.none())
    is_active = django_filters.BooleanFilter(label=pgettext_lazy("enabled", "Active"))

    search_fields = ("name", "code")

    class Meta:
        model = Department
        fields: list[str] = []

    def limit_choices(self) -> None:
        if self.user is not None:
            self.filters["within"].queryset = Department.objects.visible_to(self.user, Action.VIEW)

    @property
    def form(self):
        form = super().form
        tree_picker(form.fields["within"])
        return form


def _employee_counts(user: Any, departments: list[Department]) -> None:
    """`department.employee_count`: the employees of each department the user may see (one query)."""
    from django.db.models import Count

    counts = dict(
        Employee.objects.visible_to(user, Action.VIEW)
        .filter(department__in=[d.pk for d in departments])
        .order_by()
        .values_list("department")
        .annotate(n=Count("pk"))
    )
    for d in departments:
        d.employee_count = counts.get(d.pk, 0)


@register
class DepartmentView(ModelView):
    model = Department
    key = "departments"
    namespace, name = "org", "department"
    icon = "ti-sitemap"
    filterset_class = DepartmentFilter
    select_related = ("head", "parent")
    default_sort = "path"  # the tree: parents before their children
    form_class = True  # get_form builds the department form (create and edit differ)
    columns = (
        Column("name", _("Name"), template="org/cells/department_name.html", sort="name", required=True),
        Column("code", _("Code"), sort="code", css="d-none d-md-table-cell"),
        Column("parent", _("Parent department"), sort="parent__name", default=False),
        Column("head", _("Head"), sort="head__full_name", css="d-none d-sm-table-cell"),
        Column(
            "employees",
            _("Employees"),
            value=lambda d: getattr(d, "employee_count", None),
            template="org/cells/department_employees.html",
            css="text-end",
        ),
        Column("is_active", pgettext_lazy("enabled", "Active"), sort="is_active", default=False),
        Column("sort_order", _("Sort order"), sort="sort_order", default=False),
    )

    @classmethod
    def prepare_rows(cls, records, user=None):
        records = super().prepare_rows(records, user)
        if user is not None:
            _employee_counts(user, records)
        return records

    @classmethod
    def initial(cls, request: Any, record: Any) -> dict[str, Any]:
        parent = request.GET.get("parent", "")
        return {"parent": int(parent)} if parent.isdigit() else {}

    @classmethod
    def get_form(cls, request: Any, record: Department | None, data: Any = None) -> Any:
        from .forms import DepartmentForm

        user = request.user
        if record is None:
            form = DepartmentForm(
                data,
                initial=cls.initial(request, None),
                parents=Department.objects.visible_to(user, Action.ADD),
                heads=visible_users(user),
                parent_required=not reaches_all(user, Department, Action.ADD),
            )
        else:
            form = DepartmentForm(
                data,
                initial={
                    "name": record.name,
                    "code": record.code,
                    "head": record.head_id,
                    "sort_order": record.sort_order,
                    "is_active": record.is_active,
                },
                heads=visible_users(user, include=record.head),
                editing=True,
            )
        remote_picker(form.fields["head"], reverse("workspace:user_picker"))
        return form

    @classmethod
    def create(cls, actor: Any, data: dict[str, Any]) -> Department:
        return services.department_create(
            actor=actor,
            name=data["name"],
            parent=data["parent"],
            code=data["code"],
            head=data["head"],
            sort_order=data["sort_order"],
        )

    @classmethod
    def update(cls, actor: Any, record: Department, data: dict[str, Any], version: int | None) -> Department:
        from opensales.core.versioning import check_version

        current = Department.objects.unscoped(reason="version check").select_for_update().get(pk=record.pk)
        check_version(current, version)
        return services.department_update(actor=actor, department=current, **data)

    @classmethod
    def delete(cls, actor: Any, record: Department) -> None:
        services.department_delete(actor=actor, department=record)


class DepartmentDetailView(ObjectDetailView):
    template_name = "org/department_detail.html"

    def extra_context(self, record: Department) -> dict[str, Any]:
        user = self.request.user
        people = (
            Employee.objects.visible_to(user, Action.VIEW)
            .filter(department=record)
            .select_related("user")
            .order_by("user__full_name")
        )
        children = (
            Department.objects.visible_to(user, Action.VIEW)
            .filter(parent=record)
            .order_by("sort_order", "name")
        )
        return {
            "people": people[:50],
            "people_count": people.count(),
            "children": children,
            "can_move": has_action(user, Department, Action.CHANGE) and can(user, Action.CHANGE, record),
            "can_add_child": has_action(user, Department, Action.ADD),
        }


DepartmentView.detail_view_class = DepartmentDetailView
