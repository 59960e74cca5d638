"""Opportunities (商机): pipelines and their stages, product lines, competitors on the deal, stage history."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from opensales.core.models import ScopedModel, TimeStampedModel


class Pipeline(TimeStampedModel):
    """A sales process (项目型, 渠道型…) with its own stages."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    sort_order = models.IntegerField(_("sort order"), default=0)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Stage(TimeStampedModel):
    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.CASCADE, related_name="stages", verbose_name=_("pipeline")
    )
    name = models.CharField(_("name"), max_length=60)
    sort_order = models.IntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("default probability (%)"), default=10, validators=[MaxValueValidator(100)]
    )
    is_won = models.BooleanField(_("won stage"), default=False)
    is_lost = models.BooleanField(_("lost stage"), default=False)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "sort_order"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "name"], name="uniq_stage_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.is_won or self.is_lost


class ForecastCategory(models.TextChoices):
    PIPELINE = "pipeline", _("Pipeline")
    BEST_CASE = "best_case", _("Best case")
    COMMIT = "commit", _("Commit")
    CLOSED = "closed", _("Closed")
    OMITTED = "omitted", _("Omitted")


class Competitor(ScopedModel):
    """A competing company (竞争对手): catalog data, no owner (registered scope-free)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    website = models.URLField(_("website"), blank=True)
    profile = models.TextField(_("profile"), blank=True)
    products = models.TextField(_("their products"), blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Opportunity(ScopedModel):
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("customer"),
    )
    name = models.CharField(_("name"), max_length=200)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    expected_close = models.DateField(_("expected close date"), null=True, blank=True, db_index=True)
    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("pipeline")
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("stage")
    )
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=10, validators=[MaxValueValidator(100)]
    )
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=10,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    source = models.CharField(_("source"), max_length=20, blank=True)
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("main contact"),
    )
    description = models.TextField(_("description"), blank=True)
    closed_at = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(_("won or lost reason"), max_length=300, blank=True)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_at"]
        indexes = [
            # The permission scope with what the pages filter, sort and add up: a rep's or a manager's
            # count, list page (created_at), board column (stage, expected_close) and board totals
            # (amount, probability) read the index alone.
            models.Index(
                fields=[
                    "owner",
                    "stage",
                    "deleted_at",
                    "expected_close",
                    "created_at",
                    "amount",
                    "probability",
                ],
                name="opportunity_scope",
            ),
            # The board's totals per stage when the scope reaches most deals (a director, a large region):
            # the index alone, the owner checked in it.
            models.Index(
                fields=["stage", "deleted_at", "owner", "amount", "probability"],
                name="opportunity_stage_totals",
            ),
            models.Index(fields=["pipeline", "stage"]),
            models.Index(fields=["created_at", "id"], name="opportunity_created"),  # the list's order
            # A person's deals by close date (the home page's stale deals: the first 8 of a rep's 5,500).
            models.Index(fields=["owner", "expected_close", "id"], name="opportunity_owner_close"),
            # A board column: a stage's deals by close date (selectors.board_columns), with the scope's
            # columns so that a team's column is read in order from the index and stops at its 30th card
            # (without them SQLite sorted the team's whole stage, ~7,000 deals, per column).
            models.Index(
                fields=["stage", "expected_close", "id", "owner", "deleted_at"], name="opportunity_board"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OpportunityLine(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "products.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=Decimal("1"))
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "pk"]

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_price * (100 - self.discount) / 100).quantize(Decimal("0.01"))


class Threat(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class DealCompetitor(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="competitors")
    competitor = models.ForeignKey(
        Competitor, on_delete=models.PROTECT, related_name="deals", verbose_name=_("competitor")
    )
    their_offer = models.DecimalField(
        _("their offer"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    strengths = models.CharField(_("strengths"), max_length=300, blank=True)
    weaknesses = models.CharField(_("weaknesses"), max_length=300, blank=True)
    threat = models.CharField(_("threat"), max_length=10, choices=Threat.choices, default=Threat.MEDIUM)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "competitor"], name="uniq_deal_competitor"),
        ]


class StageHistory(models.Model):
    """A snapshot on every change of stage, amount, probability or close date: who, when, what."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_history")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    probability = models.PositiveSmallIntegerField()
    expected_close = models.DateField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]


class StageTally(models.Model):
    """The live (not deleted) deals of one owner in one stage: how many, their amount and their weighted
    amount, kept by database triggers on every insert, update and delete of a deal (deals/tally.py) so
    that no write path (services, bulk updates, imports, merges, raw SQL) can leave it behind. A board
    without filters adds up these rows for the owners in the reader's scope instead of every open deal
    in view (a director's 140,000). Amounts are integers: cents, and cents × probability percent."""

    owner_id = models.BigIntegerField()
    stage_id = models.BigIntegerField()
    deals = models.BigIntegerField(default=0)
    amount_cents = models.BigIntegerField(default=0)
    weighted_cents_percent = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner_id", "stage_id"], name="stage_tally_key")]

    def __str__(self) -> str:
        return f"owner {self.owner_id} / stage {self.stage_id}: {self.deals}"
