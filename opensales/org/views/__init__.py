"""The organization admin pages. URL names live in the "org" namespace (see ../urls.py)."""

from .departments import (
    department_move,
)
from .employees import (
    employee_access,
    employee_reset_password,
    employee_roles,
    employee_set_active,
    employee_unmask,
)
from .roles import role_create, role_delete, role_edit, role_list

__all__ = [
    "department_move",
    "employee_access",
    "employee_reset_password",
    "employee_roles",
    "employee_set_active",
    "employee_unmask",
    "role_create",
    "role_delete",
    "role_edit",
    "role_list",
]
