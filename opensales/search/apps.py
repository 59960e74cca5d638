from django.apps import AppConfig, apps
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "opensales.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # Each OpenSales app declares its searchable models in its own `search.py`
        # (register_search, see opensales/search/registry.py); importing it registers them and
        # connects the signals that keep the index in step.
        from importlib import import_module

        for app_config in apps.get_app_configs():
            if app_config is self or not app_config.name.startswith("opensales."):
                continue
            if module_has_submodule(app_config.module, "search"):
                import_module(f"{app_config.name}.search")
