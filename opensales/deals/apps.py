from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "opensales.deals"
    label = "deals"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from opensales.core.actions import Action as A
        from opensales.core.registry import register_scoped

        from .models import Competitor, Opportunity

        register_scoped(
            Opportunity,
            owner_field="owner",
            group="sales",
            actions=(A.VIEW, A.ADD, A.CHANGE, A.DELETE, A.EXPORT, A.IMPORT, A.ASSIGN),
        )
        register_scoped(
            Competitor, scope_free=True, group="sales", actions=(A.VIEW, A.ADD, A.CHANGE, A.DELETE, A.EXPORT)
        )
