from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "opensales.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from opensales.core.navigation import NavItem, add_item

        from . import checks  # noqa: F401  (registers the system checks)
        from .views import is_operator

        add_item("settings", NavItem(_("System health"), "ops:health", "ti-heartbeat", is_operator))
