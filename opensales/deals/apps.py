from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "opensales.deals"
    label = "deals"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from opensales.core.actions import Action as A
        from opensales.core.navigation import NavItem, add_item

        from .home import register as register_home
        from .scope import register as register_scope

        register_scope()
        view = ("deals.opportunity", A.VIEW)
        add_item("sales", NavItem(_("Opportunities"), "deals:opportunity_list", "ti-briefcase", view))
        add_item("sales", NavItem(_("Deal board"), "deals:board", "ti-layout-kanban", view))
        add_item(
            "sales",
            NavItem(_("Competitors"), "deals:competitor_list", "ti-swords", ("deals.competitor", A.VIEW)),
        )
        add_item("settings", NavItem(_("Pipelines"), "deals:pipelines", "ti-adjustments", _may_configure))
        register_home()
        post_migrate.connect(_tally_triggers, sender=self)

        from opensales.comments.selectors import EVENT_LABELS

        EVENT_LABELS.update(
            {
                "opportunity.move_stage": _("moved the stage"),
                "opportunity.lines": _("changed the product lines"),
                "opportunity.competitor": _("recorded a competitor"),
                "opportunity.competitor_remove": _("removed a competitor"),
            }
        )


def _may_configure(user) -> bool:
    from .views import _may_configure as may

    return may(user)


def _tally_triggers(using: str = "default", **kwargs) -> None:
    from .tally import ensure_installed

    ensure_installed(connections[using])
