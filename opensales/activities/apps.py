from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "opensales.activities"
    label = "activities"
    verbose_name = _("Follow-ups")

    def ready(self) -> None:
        from opensales.core.actions import Action as A
        from opensales.core.registry import register_scoped

        from .models import FollowUp

        register_scoped(
            FollowUp,
            owner_field="owner",
            group="customers",
            actions=(A.VIEW, A.ADD, A.CHANGE, A.DELETE, A.EXPORT, A.IMPORT),
        )

        from opensales.core.navigation import NavItem, add_item

        view = ("activities.followup", A.VIEW)
        add_item("customers", NavItem(_("Today"), "activities:today", "ti-checklist", view))
        add_item("customers", NavItem(_("Follow-ups"), "activities:follow_up_list", "ti-phone-call", view))
        add_item("customers", NavItem(_("Calendar"), "activities:calendar", "ti-calendar", view))

        from .home import register

        register()
