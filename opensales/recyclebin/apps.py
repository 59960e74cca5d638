from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecyclebinConfig(AppConfig):
    name = "opensales.recyclebin"
    label = "recyclebin"
    verbose_name = _("Recycle bin")

    def ready(self) -> None:
        from opensales.core.navigation import NavItem, add_item

        from .selectors import may_use

        add_item("settings", NavItem(_("Recycle bin"), "recyclebin:list", "ti-trash", may_use))
