"""Forms of the organization admin: departments, employees, roles and the grant matrix.

Forms only validate input and offer choices that are already narrowed to the user's scope by the view;
every write goes through `opensales.org.services`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opensales.core.actions import Action, DataScope
from opensales.core.forms import StyledFormMixin
from opensales.core.masking import mask_value
from opensales.core.registry import ScopedModel, all_entries

from .models import Department, Role

User = get_user_model()

# --- Tree helpers -------------------------------------------------------------------------------


def tree_order(departments) -> list[tuple[Department, int]]:
    """(department, level) in depth-first order, siblings by sort order then name.

    A department whose parent is not among `departments` (outside the user's scope) is shown as a root.
    """
    nodes = list(departments)
    ids = {d.pk for d in nodes}
    children: dict[int | None, list[Department]] = {}
    for dept in nodes:
        key = dept.parent_id if dept.parent_id in ids else None
        children.setdefault(key, []).append(dept)
    for siblings in children.values():
        siblings.sort(key=lambda d: (d.sort_order, d.name, d.pk))
    out: list[tuple[Department, int]] = []

    def walk(parent_id: int | None, level: int) -> None:
        for dept in children.get(parent_id, []):
            out.append((dept, level))
            walk(dept.pk, level + 1)

    walk(None, 0)
    return out


def indented(name: str, level: int) -> str:
    # Leading spaces collapse inside <option>; no-break spaces keep the indentation visible.
    return "\u00a0\u00a0\u00a0" * level + ("└\u00a0" if level else "") + name


class TreeChoiceIterator(forms.models.ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for dept, level in tree_order(self.queryset):
            value, _label = self.choice(dept)
            yield value, indented(dept.name, level)


class DepartmentChoiceField(forms.ModelChoiceField):
    iterator = TreeChoiceIterator


class DepartmentMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = TreeChoiceIterator


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name()} ({obj.username})"


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form: to the field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- Departments --------------------------------------------------------------------------------


class DepartmentForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(label=_("Code"), max_length=32, required=False)
    parent = DepartmentChoiceField(
        label=_("Parent department"), queryset=Department.objects.none(), required=False
    )
    head = UserChoiceField(label=_("Head"), queryset=User.objects.none(), required=False)
    sort_order = forms.IntegerField(label=_("Sort order"), initial=0)
    is_active = forms.BooleanField(label=pgettext_lazy("enabled", "Active"), required=False, initial=True)

    def __init__(self, *args, parents=None, heads=None, parent_required=False, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # The parent changes through "move", which re-roots the subtree.
            del self.fields["parent"]
        else:
            del self.fields["is_active"]
            self.fields["parent"].queryset = parents
            self.fields["parent"].required = parent_required
            self.fields["parent"].empty_label = None if parent_required else _("(top level)")
        self.fields["head"].queryset = heads
        self.fields["head"].empty_label = _("(none)")


class DepartmentMoveForm(StyledFormMixin, forms.Form):
    parent = DepartmentChoiceField(
        label=_("New parent department"), queryset=Department.objects.none(), required=False
    )

    def __init__(self, *args, parents=None, allow_top=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents
        self.fields["parent"].required = not allow_top
        self.fields["parent"].empty_label = _("(top level)") if allow_top else None
        self.fields["parent"].help_text = _(
            "The department moves with all of its sub-departments and their employees."
        )


# --- Employees ----------------------------------------------------------------------------------


class EmployeeFormBase(StyledFormMixin, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), required=False)
    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none())
    manager = UserChoiceField(label=_("Direct manager"), queryset=User.objects.none(), required=False)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=32, required=False)
    employee_no = forms.CharField(label=_("Employee number"), max_length=32, required=False)
    hire_date = forms.DateField(
        label=_("Hire date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, departments=None, managers=None, department_required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["department"].required = department_required
        self.fields["department"].empty_label = None if department_required else _("(none)")
        self.fields["manager"].queryset = managers
        self.fields["manager"].empty_label = _("(none)")
        self.fields["mobile"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})


class EmployeeCreateForm(EmployeeFormBase):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    roles = forms.ModelMultipleChoiceField(
        label=_("Roles"),
        queryset=Role.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "me-1"}),
    )

    field_order = ["username", "full_name", "email", "password", "department", "manager", "title"]

    def __init__(self, *args, may_assign_roles=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = password_validation.password_validators_help_text_html()
        if not may_assign_roles:
            del self.fields["roles"]

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if password:
            probe = User(
                username=data.get("username", ""),
                full_name=data.get("full_name", ""),
                email=data.get("email", ""),
            )
            try:
                password_validation.validate_password(password, probe)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class EmployeeEditForm(EmployeeFormBase):
    """The mobile number is never put in the page: empty keeps it, a value replaces it."""

    def __init__(self, *args, current_mobile: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        mobile = self.fields["mobile"]
        mobile.widget.attrs["placeholder"] = mask_value("phone", current_mobile)
        mobile.help_text = _("Leave empty to keep the current number.")


class PasswordResetForm(StyledFormMixin, forms.Form):
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("Repeat the new password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["new_password1"].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("new_password1"), data.get("new_password2")
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", _("The two passwords do not match."))
        elif p1:
            try:
                password_validation.validate_password(p1, self.user)
            except ValidationError as exc:
                self.add_error("new_password1", exc)
        return data


class EmployeeRolesForm(forms.Form):
    roles = forms.ModelMultipleChoiceField(
        label=_("Roles"), queryset=Role.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )


# --- Roles and the grant matrix -----------------------------------------------------------------


def grant_field_name(label: str, action: str) -> str:
    return f"grant__{label}__{action}"


def scope_field_name(label: str) -> str:
    return f"scope__{label}"


def departments_field_name(label: str) -> str:
    return f"departments__{label}"


@dataclass
class MatrixCell:
    action: str
    field: Any  # BoundField, or None when the model has no such action


@dataclass
class MatrixRow:
    entry: ScopedModel
    group_label: str
    cells: list[MatrixCell]
    scope: Any
    departments: Any


class RoleForm(StyledFormMixin, forms.Form):
    """The role's own fields plus one row per registered model.

    Field names (stable, used by browser tests): ``grant__<app.model>__<action>`` (checkbox),
    ``scope__<app.model>`` (select of DataScope values) and ``departments__<app.model>`` (multi-select,
    used with the "custom" scope). Example: ``grant__org.department__view``, ``scope__org.department``.
    """

    code = forms.SlugField(label=_("Code"), max_length=50)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    requires_2fa = forms.BooleanField(label=_("Requires two-factor sign-in"), required=False)
    is_active = forms.BooleanField(label=pgettext_lazy("enabled", "Active"), required=False, initial=True)

    BASE_FIELDS = ("code", "name_zh", "name_en", "description", "requires_2fa", "is_active")

    def __init__(self, *args, role: Role | None = None, departments=None, **kwargs):
        initial = kwargs.pop("initial", {}) or {}
        self.role = role
        self.entries = all_entries()
        if role is not None:
            initial.update({name: getattr(role, name) for name in self.BASE_FIELDS})
            chosen = Prefetch(
                "departments", queryset=Department.objects.unscoped(reason="a role's chosen departments")
            )
            for grant in role.grants.prefetch_related(chosen):
                for action in grant.actions:
                    initial[grant_field_name(grant.model_label, action)] = True
                initial[scope_field_name(grant.model_label)] = grant.scope
                initial[departments_field_name(grant.model_label)] = list(grant.departments.all())
        super().__init__(*args, initial=initial, **kwargs)
        if role is not None and role.is_builtin:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code of a built-in role cannot change.")
        for entry in self.entries:
            for action in entry.actions:
                self.fields[grant_field_name(entry.label, action)] = forms.BooleanField(
                    label=f"{entry.verbose_name}: {Action(action).label}",
                    required=False,
                    initial=False,
                    widget=forms.CheckboxInput(attrs={"class": "form-check-input m-0"}),
                )
            if not entry.scope_free:
                self.fields[scope_field_name(entry.label)] = forms.ChoiceField(
                    label=_("Data scope of %(model)s") % {"model": entry.verbose_name},
                    choices=DataScope.choices,
                    initial=DataScope.SELF,
                    required=False,
                    widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
                )
                self.fields[departments_field_name(entry.label)] = DepartmentMultipleChoiceField(
                    label=_("Chosen departments of %(model)s") % {"model": entry.verbose_name},
                    queryset=departments,
                    required=False,
                    widget=forms.SelectMultiple(attrs={"class": "form-select form-select-sm", "size": 6}),
                )

    def base_fields_bound(self):
        return [self[name] for name in self.BASE_FIELDS]

    def matrix_rows(self) -> list[MatrixRow]:
        rows = []
        for entry in self.entries:
            cells = [
                MatrixCell(
                    action=action.value,
                    field=self[grant_field_name(entry.label, action)] if action in entry.actions else None,
                )
                for action in Action
            ]
            group = apps.get_app_config(entry.model._meta.app_label).verbose_name
            rows.append(
                MatrixRow(
                    entry=entry,
                    group_label=str(group),
                    cells=cells,
                    scope=None if entry.scope_free else self[scope_field_name(entry.label)],
                    departments=None if entry.scope_free else self[departments_field_name(entry.label)],
                )
            )
        return rows

    def clean(self):
        data = super().clean()
        for entry in self.entries:
            if entry.scope_free:
                continue
            ticked = any(data.get(grant_field_name(entry.label, a)) for a in entry.actions)
            name = departments_field_name(entry.label)
            if ticked and data.get(scope_field_name(entry.label)) == DataScope.CUSTOM and not data.get(name):
                self.add_error(name, _("Choose at least one department for the “chosen departments” scope."))
        return data

    def grants(self) -> dict[str, tuple[list[str], str, list[Department]]]:
        """The matrix as `services.role_save(grants=...)` expects it; rows with no action are left out."""
        data = self.cleaned_data
        out = {}
        for entry in self.entries:
            actions = [str(a) for a in entry.actions if data.get(grant_field_name(entry.label, a))]
            if not actions:
                continue
            if entry.scope_free:
                out[entry.label] = (actions, DataScope.ALL.value, [])
                continue
            scope = data.get(scope_field_name(entry.label)) or DataScope.SELF.value
            departments = list(data.get(departments_field_name(entry.label)) or [])
            out[entry.label] = (actions, scope, departments if scope == DataScope.CUSTOM else [])
        return out
