"""Follow-ups and visits (跟进记录): what happened with a customer, a contact, a deal or a lead, and what
is planned next (the calendar)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opensales.core.models import ScopedModel


class FollowUpType(models.TextChoices):
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")
    RECEPTION = "reception", _("Reception")
    PROPOSAL = "proposal", _("Proposal")
    DEMO = "demo", _("Demo")
    OTHER = "other", _("Other")


class FollowUpStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUp(ScopedModel):
    kind = models.CharField(_("type"), max_length=10, choices=FollowUpType.choices, default=FollowUpType.CALL)
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.DONE
    )
    subject = models.CharField(_("subject"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    # When it happened (done) or is planned for (planned): the calendar's time.
    at = models.DateTimeField(_("time"), db_index=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=30)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("customer"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("contact"),
    )
    opportunity = models.ForeignKey(
        "deals.Opportunity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("opportunity"),
    )
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("lead"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    # A visit's check-in: where the browser said the rep was, and the address they confirmed.
    checkin_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checkin_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_address = models.CharField(_("check-in address"), max_length=300, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-at"]
        indexes = [
            # The scope (owner) with the time and what every page filters on (live, not cancelled): a
            # rep's calendar day is one range of it (docs/performance.md).
            models.Index(fields=["owner", "at", "deleted_at", "status"], name="followup_scope"),
            # By time (then id, the calendar's order) with the scope's columns: a team's calendar walks
            # each day in order, reads the scope filter from the index and stops at the few it shows
            # and at its capped count.
            models.Index(fields=["at", "id", "owner", "deleted_at", "status"], name="followup_time_scope"),
            models.Index(fields=["customer", "-at"]),
            models.Index(fields=["status", "at"]),
        ]

    def __str__(self) -> str:
        return self.subject


class CalendarFeed(models.Model):
    """A user's private iCalendar feed URL: the secret is stored hashed, shown once, and can be reset."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
