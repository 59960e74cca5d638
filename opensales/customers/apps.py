from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "opensales.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from opensales.core.actions import Action as A
        from opensales.core.registry import register_scoped

        from .models import Contact, Customer
        from .pools import pool_visibility

        every = (A.VIEW, A.ADD, A.CHANGE, A.DELETE, A.EXPORT, A.IMPORT, A.ASSIGN, A.UNMASK)
        register_scoped(
            Customer,
            owner_field="owner",
            extra_q=pool_visibility,
            sensitive_fields=("phone", "email"),
            group="customers",
            actions=every,
        )
        register_scoped(
            Contact,
            parent_field="customer",
            sensitive_fields=("mobile", "email"),
            group="customers",
            actions=(A.VIEW, A.ADD, A.CHANGE, A.DELETE, A.EXPORT, A.IMPORT, A.UNMASK),
        )

        from .lifecycle_setup import setup as setup_lifecycle

        setup_lifecycle()
