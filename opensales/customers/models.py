"""Customers (客户) and their contacts (联系人), the public pools (公海), merges and grading rules."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opensales.core.crypto import EncryptedCharField
from opensales.core.indexes import NullsFirstIndex
from opensales.core.models import ScopedModel, TimeStampedModel


class CustomerKind(models.TextChoices):
    COMPANY = "company", _("Company")
    PERSON = "person", _("Individual")


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Lifecycle(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    NEW = "new", pgettext_lazy("customer lifecycle", "New customer")
    WON = "won", _("Won")
    REPEAT = "repeat", _("Repeat buyer")
    AT_RISK = "at_risk", _("At risk")
    LOST = "lost", _("Lost")


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    IT = "it", _("IT and software")
    FINANCE = "finance", _("Finance")
    RETAIL = "retail", _("Retail and trade")
    HEALTH = "health", _("Healthcare")
    EDUCATION = "education", _("Education")
    CONSTRUCTION = "construction", _("Construction and real estate")
    LOGISTICS = "logistics", _("Logistics")
    ENERGY = "energy", _("Energy")
    GOVERNMENT = "government", _("Government and public sector")
    SERVICES = "services", _("Services")
    OTHER = "other", _("Other")


class Scale(models.TextChoices):
    MICRO = "micro", _("Fewer than 20 people")
    SMALL = "small", _("20–99 people")
    MEDIUM = "medium", _("100–499 people")
    LARGE = "large", _("500–999 people")
    HUGE = "huge", _("1,000 people or more")


class Source(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    WEBSITE = "website", _("Website")
    EXHIBITION = "exhibition", _("Exhibition")
    COLD_CALL = "cold_call", _("Cold call")
    ADVERTISING = "advertising", _("Advertising")
    PARTNER = "partner", _("Partner")
    EXISTING = "existing", _("Existing relationship")
    OTHER = "other", _("Other")


class CustomerPool(TimeStampedModel):
    """A public pool (公海) with its rules; `departments` are the teams whose members may claim from it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    departments = models.ManyToManyField(
        "org.Department", blank=True, related_name="customer_pools", verbose_name=_("departments")
    )
    region_prefix = models.CharField(
        _("region code prefix"),
        max_length=6,
        blank=True,
        help_text=_("e.g. 31 for Shanghai; empty = any region"),
    )
    return_after_days_without_follow_up = models.PositiveIntegerField(
        _("return after days without follow-up"), null=True, blank=True
    )
    return_after_days_without_deal = models.PositiveIntegerField(
        _("return after days without a deal"), null=True, blank=True
    )
    warn_days_before = models.PositiveIntegerField(_("warn the owner days before"), default=3)
    max_customers_per_rep = models.PositiveIntegerField(
        _("most customers a rep may own"), null=True, blank=True
    )
    max_claims_per_day = models.PositiveIntegerField(_("most claims per rep per day"), null=True, blank=True)
    reclaim_block_days = models.PositiveIntegerField(
        _("days before one may claim back a customer one released"), default=30
    )
    is_default = models.BooleanField(_("default pool"), default=False)

    class Meta:
        verbose_name = _("customer pool")
        verbose_name_plural = _("customer pools")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(ScopedModel):
    kind = models.CharField(
        _("type"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.COMPANY
    )
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    # 统一社会信用代码, validated with its check character (customers/validators.py).
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    scale = models.CharField(_("scale"), max_length=10, choices=Scale.choices, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    # GB/T 2260 code of the district (or city, or province), six digits: 310115 = 上海市浦东新区.
    region = models.CharField(_("region"), max_length=6, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    grade_reason = models.CharField(_("grade reason"), max_length=300, blank=True)
    lifecycle = models.CharField(
        _("lifecycle stage"), max_length=10, choices=Lifecycle.choices, default=Lifecycle.PROSPECT
    )
    is_key_account = models.BooleanField(_("key account"), default=False)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subsidiaries",
        verbose_name=_("parent company"),
    )
    # None while the customer is in a public pool.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    pool = models.ForeignKey(
        CustomerPool,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("public pool"),
    )
    credit_limit = models.DecimalField(
        _("credit limit"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    payment_terms_days = models.PositiveIntegerField(_("payment terms (days)"), default=30)
    notes = models.TextField(_("notes"), blank=True)
    # Kept up to date by the follow-up and deal services.
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True, db_index=True)
    last_deal_at = models.DateTimeField(_("last deal"), null=True, blank=True)
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True)
    # Duplicate detection: the name without company suffixes, full-width folded (customers/dedupe.py).
    name_key = models.CharField(max_length=200, db_index=True, editable=False, default="")
    phone_digits = models.CharField(max_length=20, db_index=True, editable=False, default="")
    # Set when this customer was merged into another (it is then in the recycle bin).
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at"]
        indexes = [
            # The permission scope (owner, or no owner and a visible pool; live rows) with the default
            # sort key: a rep's or a manager's count and first page read this index alone, without a
            # row lookup per visible customer (docs/performance.md, "covering scope indexes"). Then the
            # lists' commonest filters and sort (grade, lifecycle stage, last follow-up), so that they
            # too are counted and paged from the index (a manager's grade-A list read 40,000 rows).
            models.Index(
                fields=[
                    "owner",
                    "pool",
                    "deleted_at",
                    "created_at",
                    "grade",
                    "lifecycle",
                    "last_follow_up_at",
                ],
                name="customer_scope",
            ),
            models.Index(fields=["pool", "-created_at"]),
            # The lists' default order (newest first, id as the tie-breaker) for whoever sees everyone.
            models.Index(fields=["created_at", "id"], name="customer_created"),
            # "Last follow-up, newest first" (NULLs last) read backwards from the index, for whoever sees
            # everyone: PostgreSQL sorted 10,000 grade-A customers for a page (33 → 0.2 ms). It also
            # serves the "no follow-up since" filters; the ascending sort is left to sort (a choice: one
            # index per direction costs a write on every follow-up).
            NullsFirstIndex(fields=["last_follow_up_at", "id"], name="customer_follow_up_order"),
            # The duplicate check compares e-mails case-insensitively (email__iexact → UPPER(email)).
            models.Index(Upper("email"), name="customer_email_upper"),
        ]

    def __str__(self) -> str:
        return self.name


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")


class Contact(ScopedModel):
    """A person at a customer. Visibility follows the customer."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    decision_role = models.CharField(
        _("decision role"), max_length=20, choices=DecisionRole.choices, blank=True
    )
    mobile = EncryptedCharField(_("mobile"), max_length_clear=32)
    mobile_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email = EncryptedCharField(_("e-mail"), max_length_clear=254)
    email_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = models.CharField(_("office phone"), max_length=40, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    reports_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("reports to"),
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]
        indexes = [
            models.Index(fields=["name", "id"], name="contact_name"),  # the list's default order
            # Contacts follow their customer's scope: the visible customers' live contacts with the sort
            # key, read from the index alone (a manager's list: 205 → 53 ms of SQL on 200,000 contacts).
            models.Index(fields=["customer", "deleted_at", "name"], name="contact_scope"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        from opensales.core.crypto import blind_index

        # Blind indexes are derived state: exact search on encrypted values (customers/dedupe.py).
        self.mobile_index = blind_index(self.mobile)
        self.email_index = blind_index((self.email or "").strip().lower())
        if kwargs.get("update_fields") is not None:
            fields = set(kwargs["update_fields"])
            if "mobile" in fields:
                fields.add("mobile_index")
            if "email" in fields:
                fields.add("email_index")
            kwargs["update_fields"] = fields
        super().save(*args, **kwargs)


class PoolEvent(models.Model):
    """A claim, a release or a return to the pool: the claim limits and the reclaim block read these."""

    class Kind(models.TextChoices):
        CLAIM = "claim", _("Claimed")
        RELEASE = "release", _("Released")
        RETURN = "return", _("Returned by rule")
        WARNING = "warning", _("Warned before return")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="pool_events")
    pool = models.ForeignKey(CustomerPool, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "kind", "at"]),
            models.Index(fields=["customer", "kind", "at"]),
        ]


class CustomerMerge(models.Model):
    """What a merge did, so that it can be undone within 30 days."""

    survivor = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges")
    merged = models.ManyToManyField(Customer, related_name="+")
    # Field values of the survivor before the merge, and what was re-pointed: {model label: [ids]} per merged id.
    snapshot = models.JSONField(default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-merged_at"]


class GradingRule(TimeStampedModel):
    """Grade X when, over the last `window_days`, won revenue ≥ min_won_amount and follow-ups ≥ min_activities.
    Rules are tried from A to D; the first that matches wins."""

    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, unique=True)
    window_days = models.PositiveIntegerField(_("window (days)"), default=365)
    min_won_amount = models.DecimalField(
        _("won revenue at least"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    min_activities = models.PositiveIntegerField(_("follow-ups at least"), default=0)

    class Meta:
        verbose_name = _("grading rule")
        verbose_name_plural = _("grading rules")
        ordering = ["grade"]

    def __str__(self) -> str:
        return self.grade


class CollaborationRequest(models.Model):
    """A user's request to join a customer as collaborator (typically a duplicate they found); the owner,
    or someone who may change the customer, accepts or declines it (customers/collaboration.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="collaboration_requests", verbose_name=_("customer")
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by")
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("collaboration request")
        verbose_name_plural = _("collaboration requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "requester"],
                condition=models.Q(status="pending"),
                name="uniq_pending_collaboration_request",
            )
        ]
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return f"{self.requester} → {self.customer}"
