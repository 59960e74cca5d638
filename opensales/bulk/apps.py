from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulkConfig(AppConfig):
    name = "opensales.bulk"
    label = "bulk"
    verbose_name = _("Bulk actions and exports")

    def ready(self) -> None:
        from opensales.notifications.kinds import register_kind

        register_kind(
            "bulk_job",
            _("Background jobs"),
            icon="ti-progress-check",
            email=False,
            description=_("A large bulk action or export you started has finished."),
        )
