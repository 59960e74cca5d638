from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsConfig(AppConfig):
    name = "opensales.products"
    label = "products"
    verbose_name = _("Products")

    def ready(self) -> None:
        from opensales.core.actions import Action as A
        from opensales.core.navigation import NavItem, add_item

        from .scope import register

        register()
        add_item(
            "sales",
            NavItem(_("Products"), "products:product_list", "ti-package", ("products.product", A.VIEW)),
        )
        add_item(
            "settings",
            NavItem(
                _("Product categories"), "products:categories", "ti-category", ("products.product", A.CHANGE)
            ),
        )
