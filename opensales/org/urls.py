"""URL names (namespace "org"); the permission each needs is documented in the views' docstrings."""

from django.urls import include, path

from . import views
from .workspace import DepartmentView, EmployeeView

app_name = "org"
urlpatterns = [
    path("departments/", include(DepartmentView.urls())),
    path("departments/<int:pk>/move/", views.department_move, name="department_move"),
    # List, detail, create and edit: the generic workspace pages (org/workspace.py).
    path("employees/", include(EmployeeView.urls())),
    path("employees/<int:pk>/active/", views.employee_set_active, name="employee_set_active"),
    path("employees/<int:pk>/password/", views.employee_reset_password, name="employee_reset_password"),
    path("employees/<int:pk>/roles/", views.employee_roles, name="employee_roles"),
    path("employees/<int:pk>/unmask/", views.employee_unmask, name="employee_unmask"),
    path("employees/<int:pk>/access/", views.employee_access, name="employee_access"),
    path("roles/", views.role_list, name="role_list"),
    path("roles/new/", views.role_create, name="role_create"),
    path("roles/<int:pk>/edit/", views.role_edit, name="role_edit"),
    path("roles/<int:pk>/delete/", views.role_delete, name="role_delete"),
]
