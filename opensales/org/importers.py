"""The employee importer (员工导入): accounts with their employee records, by username.

Lookups are loaded once per run in `prepare` (departments, the file's usernames, managers and employee
numbers), so validating 10 000 rows costs a handful of queries. Writes go through
`opensales.org.services` (employee_create / employee_update with the version read at validation /
user_set_active for the status), each audited there; an import gives accounts no password (they set
one through "reset password") and no roles.

Scope: creating needs add on employees and a department inside the add scope; a row naming an
existing employee needs change on that employee (else it is an error, never a second account);
moving an employee needs the new department inside the change scope. A manager must be a user whose
employee record the importer may view, or a user created by an earlier row of the same file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opensales.core.actions import Action
from opensales.core.scope import has_action
from opensales.imports import parsers
from opensales.imports.registry import Importer, ImportField, RowPlan, register_importer

from . import services
from .choices import EmployeeStatus
from .models import Department, Employee
from .views.common import departments_in_reach, reaches_all

User = get_user_model()
CHUNK = 2000
_MOBILE = re.compile(r"\+?[0-9][0-9 ()\-]{2,30}")


@dataclass(frozen=True)
class NewUser:
    """A manager that an earlier row of the same file creates."""

    username: str
    line: int


def _username(value: str) -> str:
    value = parsers.text(150)(value)
    try:
        User.username_validator(value)
    except ValidationError:
        raise ValidationError(
            _("Use letters, digits and @ . + - _ only in a username (“%(value)s”).") % {"value": value}
        ) from None
    return value


def _mobile(value: str) -> str:
    value = parsers.text(32)(value)
    if not _MOBILE.fullmatch(value):
        raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": value})
    return value


def _chunks(values: list[str]):
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


@register_importer
class EmployeeImporter(Importer):
    key = "employees"
    model = Employee
    key_fields = ("username",)
    fields = [
        ImportField(
            "username",
            gettext_lazy("Username"),
            required=True,
            aliases=("账号", "帐号", "账户", "登录名", "用户账号", "login", "user name", "account"),
            parser=_username,
            help=gettext_lazy("The sign-in name; it identifies the employee when updating."),
        ),
        ImportField(
            "full_name",
            gettext_lazy("Full name"),
            required=True,
            aliases=("名字", "员工姓名", "name", "employee name"),
            parser=parsers.text(100),
        ),
        ImportField(
            "email",
            gettext_lazy("Email"),
            aliases=("邮箱", "电子邮箱", "邮件", "e-mail", "mail", "email address"),
            parser=parsers.email,
        ),
        ImportField(
            "department",
            gettext_lazy("Department"),
            aliases=("所属部门", "部门编码", "部门名称", "dept", "department code"),
            help=gettext_lazy("A department code (SH) or its path of names (总部/华东大区/上海团队)."),
        ),
        ImportField(
            "manager",
            gettext_lazy("Direct manager"),
            aliases=("上级", "直属领导", "经理", "汇报对象", "manager", "reports to"),
            help=gettext_lazy("The manager's username."),
        ),
        ImportField(
            "employee_no",
            gettext_lazy("Employee number"),
            aliases=("员工编号", "员工号", "编号", "employee no", "employee id", "staff no"),
            parser=parsers.text(32),
        ),
        ImportField(
            "title",
            gettext_lazy("Title"),
            aliases=("职位", "岗位", "job title", "position"),
            parser=parsers.text(100),
        ),
        ImportField(
            "mobile",
            gettext_lazy("Mobile"),
            aliases=("手机", "手机号码", "电话", "mobile phone", "phone", "cell"),
            parser=_mobile,
        ),
        ImportField(
            "hire_date",
            gettext_lazy("Hire date"),
            aliases=("入职时间", "入职", "start date", "date of hire"),
            parser=parsers.parse_date,
            help=gettext_lazy("2024-03-01, 2024/3/1 or 2024年3月1日."),
        ),
        ImportField(
            "status",
            gettext_lazy("Status"),
            aliases=("在职状态", "employment status"),
            parser=parsers.choice(
                lambda: EmployeeStatus.choices,
                {"离职": EmployeeStatus.LEFT, "正常": EmployeeStatus.ACTIVE, "inactive": EmployeeStatus.LEFT},
            ),
            choices=lambda: EmployeeStatus.choices,
            help=gettext_lazy("“Left” deactivates the account."),
        ),
    ]

    # --- Lookups, once per run -----------------------------------------------------------------

    def prepare(self, rows: list[RowPlan]) -> None:
        user = self.user
        wanted = lambda name: sorted({r.raw.get(name, "") for r in rows} - {""})  # noqa: E731
        usernames, manager_names, numbers = wanted("username"), wanted("manager"), wanted("employee_no")

        departments = list(
            Department.objects.unscoped(reason="resolving the departments of an import").only(
                "pk", "name", "code", "parent_id", "path"
            )
        )
        by_pk = {d.pk: d for d in departments}
        # Full paths of names ("总部/华东大区/上海团队"), then shorter tails ("上海团队", "华东大区/上海团队")
        # where they name one department only.
        chains = {}
        for dept in departments:
            chain, node = [], dept
            while node is not None:
                chain.append(parsers.normalized(node.name))
                node = by_pk.get(node.parent_id)
            chains[dept.pk] = list(reversed(chain))
        self._departments: dict[str, Department | None] = {"/".join(chains[d.pk]): d for d in departments}
        tails: dict[str, list[Department]] = {}
        for dept in departments:
            chain = chains[dept.pk]
            for k in range(1, len(chain)):
                tails.setdefault("/".join(chain[k:]), []).append(dept)
        for key, found in tails.items():
            if key not in self._departments:
                self._departments[key] = found[0] if len(found) == 1 else None
        self._department_codes = {d.code.casefold(): d for d in departments if d.code}

        self._may_add = has_action(user, Employee, Action.ADD)
        self._may_change = has_action(user, Employee, Action.CHANGE)
        self._add_all = reaches_all(user, Employee, Action.ADD) if self._may_add else False
        self._change_all = reaches_all(user, Employee, Action.CHANGE) if self._may_change else False
        self._add_depts = set(departments_in_reach(user, Employee, Action.ADD).values_list("pk", flat=True))
        self._change_depts = set(
            departments_in_reach(user, Employee, Action.CHANGE).values_list("pk", flat=True)
        )

        self._employees: dict[str, Employee] = {}
        self._accounts: set[str] = set()
        self._changeable: set[int] = set()
        for chunk in _chunks(usernames):
            for emp in (
                Employee.objects.unscoped(reason="import key lookup")
                .filter(user__username__in=chunk)
                .select_related("user")
            ):
                self._employees[emp.user.username] = emp
            self._accounts.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))
            if self._may_change:
                self._changeable.update(
                    Employee.objects.visible_to(user, Action.CHANGE)
                    .filter(user__username__in=chunk)
                    .values_list("pk", flat=True)
                )

        self._managers: dict[str, Any] = {}
        visible = Employee.objects.visible_to(user, Action.VIEW)
        for chunk in _chunks(manager_names):
            for manager in User.objects.filter(username__in=chunk, is_active=True, employee__in=visible):
                self._managers[manager.username] = manager
        self._file_users = {}
        for row in rows:
            name = row.raw.get("username", "")
            if name and name not in self._accounts:
                self._file_users.setdefault(name, row.line)

        self._numbers: dict[str, int] = {}
        for chunk in _chunks(numbers):
            self._numbers.update(
                Employee.objects.unscoped(reason="employee number uniqueness")
                .filter(employee_no__in=chunk)
                .values_list("employee_no", "pk")
            )
        self._numbers_in_file: dict[str, int] = {}

    # --- Cells ---------------------------------------------------------------------------------

    def parse_department(self, value: str) -> Department:
        dept = self._department_codes.get(value.casefold())
        if dept is None:
            parts = [parsers.normalized(p) for p in re.split(r"[/／>＞\\]", value)]
            dept = self._departments.get("/".join(p for p in parts if p))
        if dept is None:
            raise ValidationError(
                _("No department “%(value)s”. Give its code or its path of names.") % {"value": value}
            )
        return dept

    def parse_manager(self, value: str) -> Any:
        manager = self._managers.get(value)
        if manager is not None:
            return manager
        if value in self._file_users:
            return NewUser(value, self._file_users[value])
        raise ValidationError(_("No user “%(value)s” that you can choose as a manager.") % {"value": value})

    def display(self, name: str, value: Any) -> str:
        if name == "manager":
            return value.username
        if name == "status":
            return str(EmployeeStatus(value).label)
        if name == "department":
            return f"{value.name}" + (f" ({value.code})" if value.code else "")
        return super().display(name, value)

    # --- Rows ----------------------------------------------------------------------------------

    def find_existing(self, row: RowPlan) -> Employee | None:
        username = row.values["username"]
        employee = self._employees.get(username)
        if employee is None:
            if username in self._accounts:
                raise ValidationError(
                    _("The account “%(value)s” exists but has no employee record.") % {"value": username}
                )
            return None
        if employee.pk not in self._changeable:
            raise ValidationError(_("You may not change the employee “%(value)s”.") % {"value": username})
        return employee

    def clean(self, row: RowPlan, mode: str) -> None:
        values, existing = row.values, row.existing
        dept = values.get("department")
        if row.action == "create":
            if not self._may_add:
                row.error(_("You may not add employees."))
            elif dept is None and not self._add_all:
                row.error(_("Department is required: your role reaches only some departments."))
            elif dept is not None and not self._add_all and dept.pk not in self._add_depts:
                row.error(_("You cannot place employees in “%(name)s”.") % {"name": dept.name})
        elif existing is not None:
            if (
                dept is not None
                and dept.pk != existing.department_id
                and not self._change_all
                and dept.pk not in self._change_depts
            ):
                row.error(_("You cannot place employees in “%(name)s”.") % {"name": dept.name})
            status = values.get("status")
            if status is not None and status != existing.status:
                if existing.user_id == self.user.pk:
                    row.error(_("You cannot change the status of your own account."))
                elif existing.user.is_superuser and not self.user.is_superuser:
                    row.error(_("Only a superuser may change a superuser's account."))
        manager = values.get("manager")
        username = values.get("username")
        if isinstance(manager, NewUser):
            if manager.username == username:
                row.error(_("An employee cannot be their own manager."))
            elif manager.line > row.line:
                row.error(
                    _("The manager “%(name)s” is created by row %(row)s: put that row first.")
                    % {"name": manager.username, "row": manager.line}
                )
        elif manager is not None and (manager.username == username):
            row.error(_("An employee cannot be their own manager."))
        number = values.get("employee_no")
        if number:
            owner = self._numbers.get(number)
            if owner is not None and (existing is None or owner != existing.pk):
                row.error(_("The employee number %(value)s is already in use.") % {"value": number})
            elif number in self._numbers_in_file:
                row.error(
                    _("The employee number %(value)s is also in row %(row)s.")
                    % {"value": number, "row": self._numbers_in_file[number]}
                )
            else:
                self._numbers_in_file[number] = row.line

    def changes(self, row: RowPlan) -> dict[str, Any]:
        emp, values = row.existing, row.values
        current = {
            "full_name": emp.user.full_name,
            "email": emp.user.email,
            "department": emp.department_id,
            "manager": emp.manager_id,
            "employee_no": emp.employee_no,
            "title": emp.title,
            "mobile": emp.mobile or "",
            "hire_date": emp.hire_date,
            "status": emp.status,
        }
        out = {}
        for name, value in values.items():
            if name == "username":
                continue
            compared = value.pk if name in ("department", "manager") and hasattr(value, "pk") else value
            if isinstance(value, NewUser) or compared != current[name]:
                out[name] = value
        return out

    # --- Writes --------------------------------------------------------------------------------

    def _manager(self, value: Any) -> Any:
        if isinstance(value, NewUser):
            return User.objects.get(username=value.username)
        return value

    def create(self, actor: Any, row: RowPlan) -> Employee:
        v = row.values
        employee = services.employee_create(
            actor=actor,
            username=v["username"],
            full_name=v.get("full_name", ""),
            email=v.get("email", ""),
            department=v.get("department"),
            manager=self._manager(v.get("manager")),
            title=v.get("title", ""),
            mobile=v.get("mobile", ""),
            employee_no=v.get("employee_no", ""),
            hire_date=v.get("hire_date"),
        )
        if v.get("status") == EmployeeStatus.LEFT:
            services.user_set_active(actor=actor, user=employee.user, active=False)
        return employee

    def update(self, actor: Any, obj: Employee, row: RowPlan) -> Employee:
        fields = self.changes(row)
        status = fields.pop("status", None)
        if "manager" in fields:
            fields["manager"] = self._manager(fields["manager"])
        if fields:
            obj = services.employee_update(actor=actor, employee=obj, expected_version=obj.version, **fields)
        if status is not None:
            services.user_set_active(actor=actor, user=obj.user, active=status == EmployeeStatus.ACTIVE)
        return obj
