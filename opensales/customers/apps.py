from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "opensales.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from opensales.notifications.kinds import register_kind

        from .collaboration import DECISION_KIND
        from .home import register_widgets
        from .scoping import register
        from .services import COLLABORATION_KIND

        # Customers: owner-scoped, pool members see pool customers; contacts follow their customer
        # except a pool customer's contacts (customers/visibility.py).
        register()
        register_kind(COLLABORATION_KIND, _("Collaboration request"), icon="ti-users-plus", email=True)
        register_kind(DECISION_KIND, _("Answer to a collaboration request"), icon="ti-user-check", email=True)
        from opensales.comments.selectors import EVENT_LABELS

        EVENT_LABELS.update(
            {
                "customer.collaboration_request": _("asked to collaborate"),
                "customer.collaboration_accept": _("accepted a collaboration request"),
                "customer.collaboration_decline": _("declined a collaboration request"),
                "customer.lifecycle": _("moved the lifecycle stage"),
                "customer.claim": _("claimed the customer from the public pool"),
                "customer.release": _("released the customer to the public pool"),
                "customer.return": _("returned the customer to the public pool (rule)"),
                "customer.warning": _("warned the owner before the return to the pool"),
                "customer.handover": _("handed the customer over"),
                "customer.merge": _("merged customers into this one"),
                "customer.merge_undo": _("undid a merge"),
            }
        )
        register_widgets()

        from opensales.core.actions import Action
        from opensales.core.navigation import NavItem, add_item

        # The pool/lifecycle pages add their own entries (lifecycle_setup.py).
        add_item(
            "customers",
            NavItem(
                _("Customers"), "customers:customer_list", "ti-building", ("customers.customer", Action.VIEW)
            ),
        )
        add_item(
            "customers",
            NavItem(
                _("Contacts"), "customers:contact_list", "ti-address-book", ("customers.contact", Action.VIEW)
            ),
        )

        from .lifecycle_setup import setup as setup_lifecycle

        setup_lifecycle()
