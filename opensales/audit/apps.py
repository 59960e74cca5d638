from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "opensales.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from opensales.core.actions import Action as A
        from opensales.core.navigation import NavItem, add_item
        from opensales.core.registry import register_scoped

        from . import guard  # noqa: F401  (registers the SQLite function on every connection)
        from .models import AuditEvent

        register_scoped(AuditEvent, scope_free=True, group="system", actions=(A.VIEW, A.EXPORT))
        add_item(
            "settings",
            NavItem(_("Audit log"), "audit:event_list", "ti-shield-check", ("audit.auditevent", A.VIEW)),
        )
