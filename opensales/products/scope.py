"""The products' permission scope registration: called from ready() and from search.py (the search app
is ready before this one, and its registration must find the scope)."""


def register() -> None:
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
