from django.apps import AppConfig, apps
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "opensales.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        # Each OpenSales app declares its importers in its own `importers.py` (register_importer, see
        # opensales/imports/registry.py); importing the module registers them.
        from importlib import import_module

        for app_config in apps.get_app_configs():
            if app_config is self or not app_config.name.startswith("opensales."):
                continue
            if module_has_submodule(app_config.module, "importers"):
                import_module(f"{app_config.name}.importers")

        from opensales.notifications.kinds import register_kind

        register_kind(
            "import_finished",
            _("Import finished"),
            icon="ti-file-import",
            email=False,
            description=_("An import you started has finished or failed."),
        )

        from opensales.core.navigation import NavItem, add_item

        add_item("settings", NavItem(_("Imports"), "imports:history", "ti-file-import", _may_import))


def _may_import(user) -> bool:
    from .registry import all_importers

    return any(importer.allowed(user) for importer in all_importers())
