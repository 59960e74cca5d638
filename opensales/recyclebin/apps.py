from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecyclebinConfig(AppConfig):
    name = "opensales.recyclebin"
    label = "recyclebin"
    verbose_name = _("Recycle bin")
