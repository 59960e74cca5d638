from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "opensales.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from opensales.core.home import HomeWidget, register_home_widget

        from .selectors import latest

        register_home_widget(
            HomeWidget(
                "notifications",
                "notifications/home/latest.html",
                order=60,
                context=lambda request: {"items": latest(request.user, 5)},
            )
        )
