"""URL names (namespace "org"); the permission each needs is documented in the views' docstrings."""

from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("departments/", views.department_list, name="department_list"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("departments/<int:pk>/move/", views.department_move, name="department_move"),
    path("departments/<int:pk>/delete/", views.department_delete, name="department_delete"),
    path("employees/", views.employee_list, name="employee_list"),
    path("employees/new/", views.employee_create, name="employee_create"),
    path("employees/<int:pk>/", views.employee_detail, name="employee_detail"),
    path("employees/<int:pk>/edit/", views.employee_edit, name="employee_edit"),
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
