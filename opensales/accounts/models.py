"""Users and the sign-in bookkeeping (lockout)."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in. Their place in the company is `user.employee` (org.Employee)."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    # Rotated whenever every session of the user must end (deactivation, password change or reset).
    security_stamp = models.UUIDField(default=uuid.uuid4, editable=False)
    preferred_language = models.CharField(_("language"), max_length=10, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    @staticmethod
    def name_fields(via: str) -> tuple[str, ...]:
        """The ORM paths of what `get_full_name` reads, on the user at `via` ("owner"): for a list
        column that shows a person's name (`Column.needs`, workspace/slim.py)."""
        return (f"{via}__full_name", f"{via}__username")

    def get_short_name(self) -> str:
        return self.full_name or self.username

    def get_session_auth_hash(self) -> str:
        # Django compares this with the hash stored in the session on every request: a new stamp
        # or a deactivation ends all sessions at once.
        key_salt = "opensales.accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.security_stamp}:{self.is_active}"
        return salted_hmac(key_salt, value, algorithm="sha256").hexdigest()

    def rotate_security_stamp(self) -> None:
        self.security_stamp = uuid.uuid4()


class LoginFailure(models.Model):
    """Failed sign-ins per (username, client address), for the lockout."""

    username = models.CharField(max_length=150)
    ip_address = models.GenericIPAddressField()
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["username", "ip_address"], name="uniq_login_failure")]
