from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsConfig(AppConfig):
    name = "opensales.products"
    label = "products"
    verbose_name = _("Products")

    def ready(self) -> None:
        from opensales.core.actions import Action as A
        from opensales.core.registry import register_scoped

        from .models import Product

        # Catalog data: no owner; the role's grant alone decides.
        register_scoped(
            Product,
            scope_free=True,
            group="sales",
            actions=(A.VIEW, A.ADD, A.CHANGE, A.DELETE, A.EXPORT, A.IMPORT),
        )
