from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "opensales.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from opensales.core.actions import Action as A
        from opensales.core.registry import register_scoped

        from .models import Lead

        register_scoped(
            Lead,
            owner_field="owner",
            sensitive_fields=("phone", "email"),
            group="customers",
            actions=(A.VIEW, A.ADD, A.CHANGE, A.DELETE, A.EXPORT, A.IMPORT, A.ASSIGN, A.UNMASK),
        )
