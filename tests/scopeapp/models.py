from django.conf import settings
from django.db import models

from opensales.core.models import ScopedModel


class Account(ScopedModel):
    name = models.CharField(max_length=50)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    in_pool = models.BooleanField(default=False)

    def __str__(self):
        return self.name


class Note(ScopedModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="notes")
    text = models.CharField(max_length=50)

    def __str__(self):
        return self.text
