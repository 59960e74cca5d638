from django.apps import AppConfig


class ScopeAppConfig(AppConfig):
    """A test-only business app: an owned record, a child that follows it, and a public pool."""

    name = "tests.scopeapp"
    label = "scopeapp"

    def ready(self) -> None:
        from django.db.models import Q

        from opensales.core.actions import Action
        from opensales.core.registry import register_scoped

        from .models import Account, Note

        def pool(user, action):
            return Q(in_pool=True) if action == Action.VIEW else None

        register_scoped(Account, owner_field="owner", extra_q=pool, group="test")
        register_scoped(Note, parent_field="account", group="test")

        from . import workspace  # noqa: F401  (the "scope-accounts" list: opensales/bulk tests)
