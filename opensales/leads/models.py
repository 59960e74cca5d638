"""Leads (线索): arrive by hand, import or the public web form, are assigned, worked, and converted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opensales.core.crypto import EncryptedCharField
from opensales.core.models import ScopedModel, TimeStampedModel


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    WORKING = "working", _("Following up")
    CONVERTED = "converted", _("Converted")
    INVALID = "invalid", _("Invalid")


class Lead(ScopedModel):
    source = models.CharField(_("source"), max_length=20, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = EncryptedCharField(_("phone"), max_length_clear=40)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email = EncryptedCharField(_("e-mail"), max_length_clear=254)
    email_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    region = models.CharField(_("region"), max_length=6, blank=True, db_index=True)
    industry = models.CharField(_("industry"), max_length=20, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=LeadStatus.choices, default=LeadStatus.NEW)
    invalid_reason = models.CharField(_("reason it is invalid"), max_length=200, blank=True)
    # None while unassigned (a web-form lead no rule could place).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    # What the lead became (set once, by the conversion service).
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    converted_customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        editable=False,
    )
    converted_contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    converted_opportunity = models.ForeignKey(
        "deals.Opportunity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at"]
        indexes = [
            # The permission scope with the status filter and the default sort: covering for counts and pages.
            models.Index(fields=["owner", "status", "deleted_at", "created_at"], name="lead_scope"),
            models.Index(fields=["created_at", "id"], name="lead_created"),  # the list's default order
        ]

    def __str__(self) -> str:
        return f"{self.company} · {self.contact_name}" if self.company else self.contact_name

    def save(self, *args, **kwargs):
        from opensales.core.crypto import blind_index
        from opensales.search.tokens import phone_digits

        self.phone_index = blind_index(phone_digits(self.phone))
        self.email_index = blind_index((self.email or "").strip().lower())
        if kwargs.get("update_fields") is not None:
            fields = set(kwargs["update_fields"])
            if "phone" in fields:
                fields.add("phone_index")
            if "email" in fields:
                fields.add("email_index")
            kwargs["update_fields"] = fields
        super().save(*args, **kwargs)


class AssignmentRule(TimeStampedModel):
    """Where new leads go: round-robin among the active reps of `department` (optionally only for a
    region prefix), at most `cap_per_rep` open leads each. Rules are tried in `sort_order`."""

    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        "org.Department", on_delete=models.CASCADE, related_name="+", verbose_name=_("team")
    )
    region_prefix = models.CharField(_("region code prefix"), max_length=6, blank=True)
    cap_per_rep = models.PositiveIntegerField(_("most open leads per rep"), null=True, blank=True)
    sort_order = models.IntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.name
