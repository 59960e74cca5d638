from django.apps import AppConfig, apps
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "opensales.workspace"
    label = "workspace"
    verbose_name = _("Workspace")

    def ready(self) -> None:
        # Each app declares its models' pages in its own `workspace.py` (`@register` a ModelView);
        # importing them here fills the registry before any URLconf or API router reads it.
        from importlib import import_module

        from . import checks  # noqa: F401  (registers the system checks)
        from .home import register as register_home

        register_home()

        for app_config in apps.get_app_configs():
            if app_config is self or app_config.name.startswith("django"):
                continue
            if module_has_submodule(app_config.module, "workspace"):
                import_module(f"{app_config.name}.workspace")
