"""The deals' permission scope registration: called from ready() and from search.py (the search app is
ready before this one, and its registration must find the scope)."""


def register() -> None:
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
