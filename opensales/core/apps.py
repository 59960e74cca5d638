from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "opensales.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save

        from .home import HomeWidget, register_home_widget
        from .models import Collaborator
        from .planner import analyze_new_indexes
        from .scope import shares_changed

        post_save.connect(shares_changed, sender=Collaborator, dispatch_uid="opensales.shares_changed.save")
        post_delete.connect(
            shares_changed, sender=Collaborator, dispatch_uid="opensales.shares_changed.delete"
        )
        post_migrate.connect(analyze_new_indexes, sender=self, dispatch_uid="opensales.analyze_new_indexes")
        post_migrate.connect(_access_stamp_triggers, sender=self, dispatch_uid="opensales.access_stamp")

        def profile(request):
            return {"employee": getattr(request.user, "employee", None), "roles": request.user.roles.all()}

        register_home_widget(HomeWidget("profile", "core/home/profile.html", order=900, context=profile))


def _access_stamp_triggers(using: str = "default", **kwargs) -> None:
    from django.db import connections

    from .access_stamp import ensure_installed

    ensure_installed(connections[using])
