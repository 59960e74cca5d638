"""The organization admin pages. URL names live in the "org" namespace (see ../urls.py)."""

from .departments import (
    department_create,
    department_delete,
    department_edit,
    department_list,
    department_move,
)
from .employees import (
    employee_access,
    employee_create,
    employee_detail,
    employee_edit,
    employee_list,
    employee_reset_password,
    employee_roles,
    employee_set_active,
    employee_unmask,
)
from .roles import role_create, role_delete, role_edit, role_list

__all__ = [
    "department_create",
    "department_delete",
    "department_edit",
    "department_list",
    "department_move",
    "employee_access",
    "employee_create",
    "employee_detail",
    "employee_edit",
    "employee_list",
    "employee_reset_password",
    "employee_roles",
    "employee_set_active",
    "employee_unmask",
    "role_create",
    "role_delete",
    "role_edit",
    "role_list",
]
