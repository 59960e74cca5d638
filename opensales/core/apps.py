from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "opensales.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from .home import HomeWidget, register_home_widget

        def profile(request):
            return {"employee": getattr(request.user, "employee", None), "roles": request.user.roles.all()}

        register_home_widget(HomeWidget("profile", "core/home/profile.html", order=900, context=profile))
