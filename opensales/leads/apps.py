from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "opensales.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from opensales.core.actions import Action as A
        from opensales.core.navigation import NavItem, add_item

        from .permissions import may_manage_rules
        from .scope import register

        register()
        add_item("customers", NavItem(_("Leads"), "leads:lead_list", "ti-target", ("leads.lead", A.VIEW)))
        add_item("settings", NavItem(_("Lead assignment rules"), "leads:rules", "ti-route", may_manage_rules))
