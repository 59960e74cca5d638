from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "opensales.org"
    label = "org"
    verbose_name = _("Organization")

    def ready(self) -> None:
        from opensales.core.actions import Action as A
        from opensales.core.registry import register_scoped

        from .models import Department, Employee, Role

        register_scoped(
            Department,
            department_field="",
            group="org",
            actions=(A.VIEW, A.ADD, A.CHANGE, A.DELETE, A.EXPORT),
        )
        register_scoped(
            Employee,
            owner_field="user",
            group="org",
            sensitive_fields=("mobile",),
            actions=(A.VIEW, A.ADD, A.CHANGE, A.DELETE, A.EXPORT, A.IMPORT, A.UNMASK),
        )
        register_scoped(
            Role, scope_free=True, group="org", actions=(A.VIEW, A.ADD, A.CHANGE, A.DELETE, A.ASSIGN)
        )

        from opensales.core.navigation import NavItem, add_item

        add_item(
            "settings",
            NavItem(_("Departments"), "org:department_list", "ti-sitemap", ("org.department", A.VIEW)),
        )
        add_item(
            "settings", NavItem(_("Employees"), "org:employee_list", "ti-users", ("org.employee", A.VIEW))
        )
        add_item("settings", NavItem(_("Roles"), "org:role_list", "ti-shield-lock", ("org.role", A.VIEW)))

        post_migrate.connect(_sync_roles, sender=self)


def _sync_roles(sender, using="default", **kwargs):
    from .roles import sync_builtin_roles

    sync_builtin_roles()
