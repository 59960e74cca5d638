"""Start-up wiring of the pool, merge, handover, grading and lifecycle part (notification kinds).
Called from CustomersConfig.ready()."""

from django.utils.translation import gettext_lazy as _


def setup() -> None:
    from opensales.notifications.kinds import register_kind

    from .pools import POOL_WARNING

    register_kind(
        POOL_WARNING,
        _("Customer about to return to the pool"),
        icon="ti-clock-exclamation",
        email=True,
        description=_("A customer of yours goes back to the public pool soon unless you follow up."),
    )
