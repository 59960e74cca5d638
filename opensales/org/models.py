"""The company: departments (a tree), employees, and roles with their grants."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from opensales.core.actions import DataScope
from opensales.core.crypto import EncryptedCharField, blind_index
from opensales.core.history import history_records
from opensales.core.models import ScopedModel

from .choices import EmployeeStatus


class Department(ScopedModel):
    """A node of the company tree (总部 → 大区 → 城市团队).

    `path` is the materialized path of primary keys ("/1/4/9/"): a subtree is `path__startswith`,
    which works the same on SQLite and PostgreSQL and needs one index.
    """

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent department"),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head"),
    )
    sort_order = models.IntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]
        constraints = [
            # Departments in the recycle bin give their name and code free for a new department.
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=models.Q(deleted_at__isnull=True),
                name="uniq_department_name_in_parent",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=~models.Q(code="") & models.Q(deleted_at__isnull=True),
                name="uniq_department_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_descendant_of(self, other: Department) -> bool:
        return self.path.startswith(other.path) and self.pk != other.pk


class Employee(ScopedModel):
    """A user's place in the company (员工档案)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employee", verbose_name=_("user")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("department"),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("direct manager"),
    )
    employee_no = models.CharField(_("employee number"), max_length=32, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    mobile = EncryptedCharField(_("mobile"), max_length_clear=32)
    mobile_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=EmployeeStatus.choices, default=EmployeeStatus.ACTIVE
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee_no"], condition=~models.Q(employee_no=""), name="uniq_employee_no"
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def save(self, *args, **kwargs):
        # The blind index is derived state: keep it in step with the clear value on every save.
        self.mobile_index = blind_index(self.mobile)
        if kwargs.get("update_fields") is not None and "mobile" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "mobile_index"}
        super().save(*args, **kwargs)


class Role(models.Model):
    """A set of grants. A user may hold several roles; their grants add up."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_builtin = models.BooleanField(_("built-in"), default=False, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    requires_2fa = models.BooleanField(_("requires two-factor sign-in"), default=False)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="roles", blank=True, verbose_name=_("users")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = history_records()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["-is_builtin", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "zh-hans").lower()
        return self.name_zh if lang.startswith("zh") else self.name_en

    @property
    def display_description(self) -> str:
        # Built-in descriptions are English msgids in the catalogue (org/roles.py); an administrator's
        # own text is not in the catalogue and comes back unchanged.
        return gettext(self.description) if self.description else ""


class RoleGrant(models.Model):
    """What one role may do on one model, and how far (data scope)."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="grants", verbose_name=_("role"))
    model_label = models.CharField(_("model"), max_length=100)
    actions = models.JSONField(_("actions"), default=list)
    scope = models.CharField(
        _("data scope"), max_length=20, choices=DataScope.choices, default=DataScope.SELF
    )
    departments = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name=_("departments")
    )

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [models.UniqueConstraint(fields=["role", "model_label"], name="uniq_role_grant")]

    def __str__(self) -> str:
        return f"{self.role.code}:{self.model_label}"
